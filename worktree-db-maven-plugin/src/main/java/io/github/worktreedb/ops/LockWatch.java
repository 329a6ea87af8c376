package io.github.worktreedb.ops;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.PgConnector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Watches, from a connection of its own, whether the session tagged {@link #applicationName()} waits for a lock, and
 * remembers which sessions block it ({@code pg_blocking_pids}, {@code pg_stat_activity}): when a migration then fails
 * on its {@code lock_timeout}, the error names the blocker. Only pids, application names, users, states and times are
 * kept: never a query's text (it may hold a secret).
 */
final class LockWatch implements AutoCloseable {

    /** A session that held a lock the watched session waited for. */
    record Blocker(int pid, String application, String user, String state, String queryStart, String transactionStart) {
        /**
         * What is known of the session. PostgreSQL shows a session's state and times only to its own user (or a member
         * of {@code pg_read_all_stats}): for another user's session they are null and left out, and that is said.
         */
        String describe() {
            StringBuilder b = new StringBuilder("pid " + pid + " (application '" + (application == null ? "" : application)
                    + "', user " + user);
            if (state == null && transactionStart == null && queryStart == null) {
                b.append("; its state and times are visible only to that user or pg_read_all_stats");
            } else {
                if (state != null) {
                    b.append(", ").append(state);
                }
                if (transactionStart != null) {
                    b.append(", transaction started ").append(transactionStart);
                }
                if (queryStart != null) {
                    b.append(", last query started ").append(queryStart);
                }
            }
            return b.append(')').toString();
        }
    }

    private static final String BLOCKERS = "SELECT b.pid, b.application_name, b.usename, b.state, b.query_start::text, "
            + "b.xact_start::text FROM pg_stat_activity w CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid) "
            + "JOIN pg_stat_activity b ON b.pid = bp.pid WHERE w.application_name = ? ORDER BY b.pid";

    private final String applicationName = "worktree-db migrate " + UUID.randomUUID().toString().substring(0, 8);
    private final Connection conn;
    private final Thread thread;
    private volatile List<Blocker> lastSeen = List.of();
    private volatile boolean running = true;

    private LockWatch(Connection conn) {
        this.conn = conn;
        this.thread = new Thread(this::watch, "worktree-db lock watch");
        this.thread.setDaemon(true);
    }

    static LockWatch start(PgConnector server, String maintenanceDatabase, Log log) {
        LockWatch w = new LockWatch(server.connectMaintenance(maintenanceDatabase));
        w.thread.start();
        return w;
    }

    /** The application_name the watched session must carry. */
    String applicationName() {
        return applicationName;
    }

    /** The blockers seen last while waiting, or (when the wait was too short to see) the ones found now. */
    List<Blocker> blockers() {
        return lastSeen;
    }

    private void watch() {
        while (running) {
            try {
                List<Blocker> now = query();
                if (!now.isEmpty()) {
                    lastSeen = now;
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private synchronized List<Blocker> query() throws SQLException {
        List<Blocker> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(BLOCKERS)) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Blocker(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6)));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            conn.close();
        } catch (SQLException ignored) {
            // nothing left to release
        }
    }
}
