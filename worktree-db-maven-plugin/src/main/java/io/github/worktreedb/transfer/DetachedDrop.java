package io.github.worktreedb.transfer;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drops the database a {@link CopyEngine#replace} moved aside, on a session of its own that the run does not wait for.
 *
 * <p>Why: DROP DATABASE forces an immediate checkpoint, which writes out every dirty page of the server (a restored
 * dump's, a WAL_LOG copy's) and then removes the files; that is most of the time a restore or an import would otherwise
 * spend after the new database is already in place. The session is opened while the copy runs (its login costs no wall
 * time), told to go after the swap, and the run goes on once the server shows its DROP running: a server keeps executing
 * a statement whose client has gone (this session sets {@code client_connection_check_interval}, and the timeouts, to
 * 0), so a build that ends, or a JVM that exits, does not stop it.
 *
 * <p>Safe with the next run for the same target: that run first drops a leftover aside database
 * ({@link CopyEngine#dropLeftover}, after taking the target's lock), and a second DROP DATABASE waits for the first to
 * finish and then finds nothing. If the session cannot be opened, or the drop fails or is cut off (server stopped), the
 * aside database stays with its {@code in-progress} marker and that next run drops it, as before; when the run can see
 * that it failed (the session never came up, or ended without completing the DROP), it drops the database itself.
 */
final class DetachedDrop {

    /** How long the run waits for the server to show the DROP running before it drops the database itself. */
    private static final long START_MILLIS = 3_000;

    /** How far the session got. */
    private enum Outcome { WAITING, SENT, DONE, FAILED }

    private final String database;
    private final Log log;
    private final CompletableFuture<Integer> pid = new CompletableFuture<>();
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile boolean cancelled;
    private volatile Outcome outcome = Outcome.WAITING;
    private final Thread thread;

    private DetachedDrop(Endpoint server, String maintenanceDatabase, String database, int serverVersionNum, Log log) {
        this.database = database;
        this.log = log;
        this.thread = new Thread(() -> run(server, maintenanceDatabase, serverVersionNum), "worktree-db drop " + database);
        thread.setDaemon(true); // never keeps a JVM alive: the server carries on with the statement on its own
    }

    /** Opens the session (in the background) that will drop {@code database} on {@code server} when told to. */
    static DetachedDrop prepare(Endpoint server, String maintenanceDatabase, String database, int serverVersionNum,
            Log log) {
        DetachedDrop d = new DetachedDrop(server, maintenanceDatabase, database, serverVersionNum, log);
        d.thread.start();
        return d;
    }

    private void run(Endpoint server, String maintenanceDatabase, int serverVersionNum) {
        try (Connection c = server.connector().connectMaintenance(maintenanceDatabase); Statement st = c.createStatement()) {
            // nothing of the server's, role's or database's settings may cut the DROP short: not the client's leaving,
            // not a timeout, not the wait for the swap while the copy runs
            st.execute("SET statement_timeout = 0; SET lock_timeout = 0");
            if (serverVersionNum >= 140000) {
                st.execute("SET client_connection_check_interval = 0; SET idle_session_timeout = 0");
            }
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid.complete(rs.getInt(1));
            }
            go.await();
            if (cancelled) {
                return;
            }
            Catalog catalog = new Catalog(c);
            String sql = "DROP DATABASE IF EXISTS " + catalog.sql("%I", database);
            outcome = Outcome.SENT;
            if (serverVersionNum >= 130000) {
                try {
                    st.execute(sql + " WITH (FORCE)");
                    outcome = Outcome.DONE;
                    return;
                } catch (SQLException e) {
                    if (!SqlStates.is(e, SqlStates.INSUFFICIENT_PRIVILEGE)) {
                        throw e;
                    }
                }
            }
            st.execute(sql);
            outcome = Outcome.DONE;
        } catch (SQLException | RuntimeException e) {
            outcome = Outcome.FAILED;
            pid.complete(-1);
            log.debug("The detached drop of " + database + " did not complete: " + e.getMessage());
        } catch (InterruptedException e) {
            outcome = Outcome.FAILED;
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Lets the session drop the database, and returns once the server shows the DROP running (or done). When the
     * session never came up, died, or the DROP does not show in time, the database is dropped on {@code catalog}
     * instead, waiting for it, as a plain drop would (its failure is the caller's to report).
     */
    void go(Catalog catalog) throws SQLException {
        go.countDown();
        int backend;
        try {
            backend = pid.get(START_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            backend = -1;
        } catch (Exception e) {
            backend = -1;
        }
        if (backend > 0 && started(catalog.connection(), backend)) {
            return;
        }
        cancelled = true;
        catalog.drop(database, true); // waits behind a detached DROP that did start after all, then finds nothing
    }

    /**
     * Whether the DROP runs on {@code backend} or is done, polled for up to 3 s; {@code false} when the session failed
     * or vanished without completing it.
     */
    private boolean started(Connection conn, int backend) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
        try (PreparedStatement ps = conn.prepareStatement("SELECT state, query ILIKE 'DROP DATABASE%' "
                + "FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, backend);
            while (System.nanoTime() < deadline) {
                Outcome now = outcome;
                if (now == Outcome.DONE) {
                    return true;
                }
                if (now == Outcome.FAILED || !thread.isAlive()) {
                    return outcome == Outcome.DONE;
                }
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        String state = rs.getString(1);
                        if ("active".equals(state) && rs.getBoolean(2)) {
                            return true; // running on the server: it finishes without this JVM
                        }
                        if ("disabled".equals(state) && outcome == Outcome.SENT) {
                            return true; // track_activities is off: the statement went out, nothing more to see
                        }
                    }
                    // no row: the session is ending; the thread will say how (done, or failed)
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** The swap did not happen: the session closes without dropping anything. */
    void cancel() {
        cancelled = true;
        go.countDown();
    }
}
