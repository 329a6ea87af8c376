package io.github.worktreedb.postgres;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The plugin's lock on one database, held on a maintenance connection for the length of an operation: two runs
 * against the same database (clone, migrate, seed, reset, cleanup) take turns, never interleave. Advisory locks
 * belong to the database they are taken in, so every goal takes them in the same maintenance database.
 */
public final class DatabaseLock implements AutoCloseable {

    private final Connection conn;
    private final Catalog catalog;
    private final String database;

    private DatabaseLock(Connection conn, String database) {
        this.conn = conn;
        this.catalog = new Catalog(conn);
        this.database = database;
    }

    /** Waits until this run holds the lock for {@code database}, saying so when another run has it. */
    public static DatabaseLock acquire(PgConnector connector, String maintenanceDatabase, String database, Log log) {
        Connection conn = connector.connectMaintenance(maintenanceDatabase);
        DatabaseLock lock = new DatabaseLock(conn, database);
        try {
            if (!lock.catalog.tryLock(database)) {
                log.info("Another worktree-db run is working on " + database + "; waiting for it to finish");
                lock.catalog.lock(database);
            }
            return lock;
        } catch (SQLException e) {
            lock.close();
            throw WorktreeDbException.environment("Cannot take the lock for " + database + ": " + e.getMessage(), e);
        }
    }

    /** The maintenance connection's catalog, for server-level work under the lock. */
    public Catalog catalog() {
        return catalog;
    }

    @Override
    public void close() {
        try {
            catalog.unlock(database);
        } catch (SQLException ignored) {
            // the lock ends with the session anyway
        }
        try {
            conn.close();
        } catch (SQLException ignored) {
            // nothing left to release
        }
    }
}
