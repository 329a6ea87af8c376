package io.github.worktreedb.postgres;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens connections to one PostgreSQL server with one set of credentials (the main database's, today): the connection
 * factory, not the server itself. Connects straight through the driver class (not {@code DriverManager}, which cannot
 * see drivers in a Maven plugin's class realm), with short timeouts, and turns connection failures into one clear
 * message.
 */
public final class PgConnector {

    public static final String APPLICATION_NAME = "worktree-db";
    private static final String SOCKET_TIMEOUT = "socketTimeout";

    private final ConnectionSpec spec;
    private final String origin;
    private final Duration connectTimeout;
    private final org.postgresql.Driver driver = new org.postgresql.Driver();

    /**
     * @param spec where the server is and how to log in (the database part is ignored)
     * @param origin where those settings came from, named in error messages
     */
    public PgConnector(ConnectionSpec spec, String origin, Duration connectTimeout) {
        this.spec = spec;
        this.origin = origin;
        this.connectTimeout = connectTimeout;
    }

    public ConnectionSpec spec() {
        return spec;
    }

    /** Connects to {@code database} on this server. */
    public Connection connect(String database) {
        Properties props = new Properties();
        if (spec.user() != null) {
            props.setProperty("user", spec.user());
        }
        if (spec.password() != null) {
            props.setProperty("password", spec.password());
        }
        long seconds = Math.max(1, connectTimeout.toSeconds());
        props.setProperty("connectTimeout", Long.toString(seconds));
        // each wait for the server during the login is bounded too, so a server that accepts connections but never
        // answers cannot hang the build (with sslmode=prefer the driver tries twice: with SSL, then without); the
        // limit is lifted once logged in, as a copy may take minutes. Not loginTimeout: with it the driver logs in
        // on a thread of its own, ~0.7 ms more per connection.
        props.setProperty(SOCKET_TIMEOUT, Long.toString(seconds));
        props.setProperty("ApplicationName", APPLICATION_NAME);
        // with this the driver sends application_name in the startup packet instead of a SET after the login (one
        // round trip less); every supported server is far past 9.0. A URL parameter still overrides it.
        props.setProperty("assumeMinServerVersion", "9.0");
        try {
            Connection c = driver.connect(spec.jdbcUrl(database), props);
            if (c == null) {
                throw new IllegalStateException("the PostgreSQL driver did not accept " + spec.jdbcUrl(database));
            }
            if (!spec.parameters().containsKey(SOCKET_TIMEOUT)) { // else the URL's own socketTimeout is in force
                try {
                    c.setNetworkTimeout(null, 0);
                } catch (SQLException | RuntimeException e) {
                    c.close();
                    throw e;
                }
            }
            return c;
        } catch (SQLException e) {
            throw connectFailure(database, e);
        }
    }

    /**
     * Connects to a database for server-level work (never the main database): the configured one,
     * else {@code template1} when that one does not exist.
     */
    public Connection connectMaintenance(String maintenanceDatabase) {
        try {
            return connect(maintenanceDatabase);
        } catch (WorktreeDbException e) {
            if (e.getCause() instanceof SQLException sql && SqlStates.is(sql, SqlStates.INVALID_CATALOG_NAME)
                    && !"template1".equals(maintenanceDatabase)) {
                return connect("template1");
            }
            throw e;
        }
    }

    /**
     * Whether {@code e} means the server went away under an open connection: a connection failure (08xxx), an
     * administrator's or crash shutdown (57P01, 57P02, 57P03), or an I/O error on the socket.
     */
    public static boolean connectionLost(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith(SqlStates.CONNECTION_EXCEPTION_CLASS) || state.equals(SqlStates.ADMIN_SHUTDOWN)
                || state.equals(SqlStates.CRASH_SHUTDOWN) || state.equals(SqlStates.CANNOT_CONNECT_NOW)
                || e.getCause() instanceof java.io.IOException;
    }

    /**
     * The server answered and refused the login (28P01 wrong password, 28000 no such role or no pg_hba.conf entry,
     * 08004 the driver had no password to send): never "cannot reach", and never the password.
     */
    private WorktreeDbException loginRefused(String where, String detail, SQLException e) {
        String why = SqlStates.CONNECTION_REJECTED.equals(e.getSQLState()) && spec.password() == null
                ? "it asked for a password and none was given"
                : detail;
        return new WorktreeDbException(WorktreeDbException.Kind.USER, "PostgreSQL at " + where + " answered, but refused the "
                + "login of user '" + spec.user() + "': " + why + ". The credentials came from " + origin + ". Fix the user "
                + "or password there, or give them with -D" + PropertyNames.USERNAME + " and -D" + PropertyNames.PASSWORD
                + " (or -D" + PropertyNames.SERVER_ID + " for a settings.xml <server>).", e);
    }

    private WorktreeDbException connectFailure(String database, SQLException e) {
        String where = spec.hosts().stream().map(ConnectionSpec.HostPort::display)
                .collect(java.util.stream.Collectors.joining(", "));
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String detail = Secrets.redact(e.getMessage(), spec.password()).strip();
        if (detail.endsWith(".")) {
            detail = detail.substring(0, detail.length() - 1);
        }
        if (state.equals(SqlStates.INVALID_PASSWORD) || state.equals(SqlStates.INVALID_AUTHORIZATION)
                || state.equals(SqlStates.CONNECTION_REJECTED)) {
            return loginRefused(where, detail, e);
        }
        if (state.equals(SqlStates.INVALID_CATALOG_NAME)) {
            return new WorktreeDbException(WorktreeDbException.Kind.USER, "Database '" + database + "' does not exist on "
                    + where + ". If it is this worktree's database, create it with mvn worktree-db:clone; if it is the "
                    + "maintenance database, set -D" + PropertyNames.MAINTENANCE_DATABASE + " to one the user '" + spec.user()
                    + "' can connect to.", e);
        }
        if (e.getCause() instanceof java.net.SocketTimeoutException) {
            detail = "no answer within " + Math.max(1, connectTimeout.toSeconds()) + " s (" + detail + ")";
        }
        if (state.startsWith(SqlStates.CONNECTION_EXCEPTION_CLASS) || e.getCause() instanceof java.io.IOException) {
            return new WorktreeDbException(WorktreeDbException.Kind.ENVIRONMENT, "Cannot reach PostgreSQL at " + where
                    + " (from " + origin + "): " + detail + ". Is the server running and listening there? Start it, "
                    + "or fix the host and port in " + origin + ".", e);
        }
        return new WorktreeDbException(WorktreeDbException.Kind.ENVIRONMENT, "Cannot connect to PostgreSQL at " + where
                + " (from " + origin + "): " + detail, e);
    }
}
