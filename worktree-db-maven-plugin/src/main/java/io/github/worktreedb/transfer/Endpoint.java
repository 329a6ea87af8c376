package io.github.worktreedb.transfer;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.postgres.PgConnector;

/**
 * One database on one server: how to reach the server (a {@link PgConnector}: host, port, credentials) and the
 * database's name. The source and the target of every copy are endpoints; today both are on the main database's
 * server, later the target may be this worktree's own server, or a file stands in for one side.
 */
public record Endpoint(PgConnector connector, String database) {

    /** How to reach this database (the connector's settings with this database's name). */
    public ConnectionSpec spec() {
        return connector.spec().withDatabase(database);
    }

    /** Whether the server can copy between the two itself ({@code CREATE DATABASE ... TEMPLATE}): the same server. */
    public boolean sameServer(Endpoint other) {
        ConnectionSpec a = connector.spec();
        ConnectionSpec b = other.connector.spec();
        return connector == other.connector || a.hosts().equals(b.hosts());
    }

    /** {@code shop on localhost:5432}, for messages. */
    public String display() {
        return database + " on " + connector.spec().primary().display();
    }

    /** The same server, another database. */
    public Endpoint withDatabase(String other) {
        return new Endpoint(connector, other);
    }
}
