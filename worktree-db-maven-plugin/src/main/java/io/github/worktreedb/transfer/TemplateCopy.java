package io.github.worktreedb.transfer;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.SqlStates;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The same-server way: {@code CREATE DATABASE temp TEMPLATE source STRATEGY ...}, the server copying the files itself.
 * PostgreSQL copies a database only while nobody else is connected to it: a busy source is waited for (auto), its
 * sessions ended ({@code terminateConnections}), or the copy handed to {@link DumpRestore} (auto, after the wait).
 */
final class TemplateCopy {

    /** How long {@code auto} waits for a busy source before it copies with pg_dump instead. */
    static final long AUTO_WAIT_MILLIS = 3_000;
    private static final int POLL_MILLIS = 100;
    private static final int TERMINATE_ATTEMPTS = 3;

    private final Catalog catalog;
    private final CopyEngine.Settings settings;
    private final Log log;

    TemplateCopy(Catalog catalog, CopyEngine.Settings settings, Log log) {
        this.catalog = catalog;
        this.settings = settings;
        this.log = log;
    }

    /**
     * Copies {@code source} into {@code temp} (which must not exist).
     *
     * @return the method that did it, or {@link CopyMethod#DUMP} when the source stayed busy and auto hands the copy
     *     over to a dump (nothing was created then)
     */
    CopyMethod copy(String source, String temp, String owner, CopyMethod method, int serverVersionNum) throws SQLException {
        CopyMethod how = method;
        if (how == CopyMethod.FILE_COPY && serverVersionNum >= 180000 && catalog.fileCopyByCloning(true)) {
            how = CopyMethod.FILE_COPY_CLONE;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                catalog.createFromTemplate(temp, source, owner, how.templateStrategy(serverVersionNum));
                return how;
            } catch (SQLException e) {
                if (how == CopyMethod.FILE_COPY_CLONE && !SqlStates.is(e, SqlStates.DISK_FULL)
                        && String.valueOf(e.getMessage()).contains("could not clone")) {
                    // the file system refused copy_file_range/clone (some network and overlay file systems do)
                    log.warn("The server could not clone the files of " + source + " (" + e.getMessage() + "); copying "
                            + "them instead (file_copy_method = copy).");
                    catalog.fileCopyByCloning(false);
                    how = CopyMethod.FILE_COPY;
                    continue;
                }
                if (!SqlStates.is(e, SqlStates.OBJECT_IN_USE)) {
                    throw e;
                }
                List<Catalog.Session> sessions = catalog.sessions(source);
                if (settings.terminateConnections() && attempt <= TERMINATE_ATTEMPTS) {
                    try {
                        int n = catalog.terminateSessions(source);
                        log.warn("Ended " + n + " session(s) on " + source + " to copy it ("
                                + PropertyNames.TERMINATE_CONNECTIONS + "):" + describe(sessions));
                    } catch (SQLException refused) {
                        if (!SqlStates.is(refused, SqlStates.INSUFFICIENT_PRIVILEGE)) {
                            throw refused;
                        }
                        // a session this user may not end (a superuser's, or a background worker): wait for it instead
                        log.warn("Could not end every session on " + source + " (" + refused.getMessage() + "); waiting "
                                + "for them to leave:" + describe(sessions));
                    }
                    waitUntilIdle(source, 5_000);
                    continue;
                }
                if (settings.strategy() == Strategy.AUTO && !settings.terminateConnections()) {
                    if (attempt == 1) {
                        log.info(source + " is in use; waiting up to " + AUTO_WAIT_MILLIS / 1000 + " s for it to be free");
                        waitUntilIdle(source, AUTO_WAIT_MILLIS);
                        continue;
                    }
                    log.warn(source + " is in use, so it cannot be copied on the server; copying it with pg_dump | "
                            + "pg_restore instead, which needs no exclusive access but is slower. Connected:"
                            + describe(sessions) + "\nFaster: stop them, or end them with -D"
                            + PropertyNames.TERMINATE_CONNECTIONS + "=true.");
                    return CopyMethod.DUMP;
                }
                throw busy(source, sessions);
            }
        }
    }

    private void waitUntilIdle(String source, long millis) throws SQLException {
        long deadline = System.currentTimeMillis() + millis;
        while (!catalog.sessions(source).isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static WorktreeDbException busy(String source, List<Catalog.Session> sessions) {
        String who = sessions.isEmpty() ? " (they have gone since; run again)" : ":" + describe(sessions);
        return WorktreeDbException.user("Cannot copy " + source + " while other sessions are connected to it; PostgreSQL "
                + "copies a database only when nobody else is using it. Connected" + who
                + "\nStop the application that uses " + source + " and run again, or end these sessions with -D"
                + PropertyNames.TERMINATE_CONNECTIONS + "=true.");
    }

    private static String describe(List<Catalog.Session> sessions) {
        return sessions.stream().map(s -> "\n  " + s.describe()).collect(Collectors.joining());
    }
}
