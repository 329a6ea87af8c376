package io.github.worktreedb.ops;

import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.postgres.PgServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code clone}: creates this worktree's database as a server-side copy of the main database
 * ({@code CREATE DATABASE ... TEMPLATE main}), marks it as the plugin's, and leaves an existing one alone.
 */
public final class CloneOperation {

    /** What {@code clone} did. */
    public enum Outcome {
        CREATED,
        RECREATED,
        EXISTS,
        MAIN_WORKTREE,
        DRY_RUN
    }

    /**
     * @param strategy the strategy used ({@code wal-log}, {@code file-copy}, {@code file-copy (clone)}, {@code dump}), or {@code null} when nothing was copied
     * @param bytes the new database's size, or -1
     */
    public record Result(Outcome outcome, String database, String strategy, long bytes, Duration elapsed) {}

    /**
     * Databases at least this large are copied with FILE_COPY under {@code auto}: below it WAL_LOG's double
     * write costs less than FILE_COPY's two checkpoints. A first estimate; the benchmark (issue 7) tunes it.
     */
    public static final long AUTO_FILE_COPY_THRESHOLD = 64L * 1024 * 1024;

    /** The strategy label for FILE_COPY with {@code file_copy_method = clone} (PostgreSQL 18+). */
    static final String CLONED = "file-copy (clone)";

    private static final int POLL_MILLIS = 100;
    private static final int TERMINATE_ATTEMPTS = 3;
    /** How long {@code auto} waits for a busy main database before it copies with pg_dump instead. */
    static final long AUTO_WAIT_MILLIS = 3_000;

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private final String pluginVersion;

    public CloneOperation(WorktreeContext ctx, Log log, Confirmation confirmation, String pluginVersion) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
        this.pluginVersion = pluginVersion;
    }

    public Result run() {
        long start = System.nanoTime();
        String main = ctx.main().name();
        String target = ctx.database();
        if (ctx.usesMainDatabase()) {
            log.info("This is the main worktree on the main branch (" + ctx.git().mainBranch() + "): its database is " + main
                    + " itself, so there is nothing to clone.");
            return new Result(Outcome.MAIN_WORKTREE, main, null, -1, elapsed(start));
        }
        PgServer server = ctx.server();
        try (Connection conn = server.connectMaintenance(ctx.config().maintenanceDatabase())) {
            Catalog catalog = new Catalog(conn);
            // the lock is held until the connection closes at the end of this block (session advisory locks end with
            // their session), so a failure anywhere in between cannot leave it held
            catalog.lock(target);
            String temp = DumpCopy.tempName(target);
            Map<String, Catalog.DatabaseFacts> facts = catalog.facts(main, target, temp);
            if (!facts.get(main).exists()) {
                throw mainMissing(catalog, main);
            }
            return cloneLocked(catalog, facts.get(main), facts.get(target), facts.get(temp), start);
        } catch (SQLException e) {
            String why = Secrets.redact(e.getMessage(), ctx.main().spec().password());
            if (PgServer.connectionLost(e)) {
                throw WorktreeDbException.environment("Lost the connection to " + ctx.main().spec().primary().display()
                        + " while cloning " + main + " into " + target + " (" + why + "): the server stopped or restarted. "
                        + "Run again once it is back; a half-finished copy is never left under the name " + target + ".", e);
            }
            if ("53100".equals(e.getSQLState())) {
                throw WorktreeDbException.environment("The server ran out of disk space while copying " + main + " into "
                        + target + " (" + why + "). PostgreSQL removed the partial copy. Free space where the server keeps "
                        + "its data (or the main database's tablespace) and run again; -Dworktree-db.dryRun=true shows how "
                        + "much the copy needs.", e);
            }
            throw WorktreeDbException.environment("Clone of " + main + " into " + target + " failed: " + why, e);
        }
    }

    private Result cloneLocked(Catalog catalog, Catalog.DatabaseFacts mainFacts, Catalog.DatabaseFacts targetFacts,
            Catalog.DatabaseFacts temp, long start) throws SQLException {
        String main = mainFacts.name();
        String target = targetFacts.name();
        new DumpCopy(ctx, log, pluginVersion).dropLeftover(catalog, temp);
        boolean recreate = false;
        if (targetFacts.exists()) {
            Optional<Marker> marker = targetFacts.marker();
            if (marker.isPresent() && belongsElsewhere(marker.get())) {
                Marker m = marker.get();
                throw WorktreeDbException.user("Database " + target + " already belongs to the worktree " + m.worktree()
                        + " (branch " + m.branch() + "), not to " + ctx.git().root() + " (branch "
                        + ctx.git().branchOrDirectory() + "): both names come out the same. Give this worktree its own "
                        + "name with -Dworktree-db.database=... or a namePattern that includes ${worktree}.");
            }
            if (!ctx.config().force()) {
                String made = marker.map(m -> " (created " + m.createdAt() + " from " + m.source() + ")")
                        .orElse(" (not created by worktree-db)");
                log.info("Database " + target + " already exists" + made + "; leaving it as it is. "
                        + "Use -Dworktree-db.force=true to re-create it from " + main + ".");
                return new Result(Outcome.EXISTS, target, null, -1, elapsed(start));
            }
            if (marker.isEmpty()) {
                throw WorktreeDbException.user("Database " + target + " exists but was not created by worktree-db (it has no "
                        + "worktree-db marker), so the plugin never drops it. Drop it yourself if it is yours to lose, or "
                        + "choose another name with -Dworktree-db.database=...");
            }
            Guards.refuseProtected(ctx, "clone", target, "drop and re-create");
            Guards.refuseRemoteUnlessAllowed(ctx, "drop and re-create " + target);
            long existingBytes = catalog.size(target);
            String plan = "Drop " + target + " (" + Sizes.human(existingBytes) + ", created " + marker.get().createdAt()
                    + ") and re-create it from " + main + ".";
            if (!Confirmation.proceed(ctx.config(), confirmation, plan, log)) {
                return new Result(ctx.config().dryRun() ? Outcome.DRY_RUN : Outcome.EXISTS, target, null, existingBytes,
                        elapsed(start));
            }
            recreate = true;
        }
        return copyFromMain(catalog, mainFacts, recreate, start);
    }

    /**
     * Creates the worktree database as a copy of main and marks it; the caller holds the lock and has dealt with an
     * existing database ({@code recreate}: drop it first).
     */
    Result copyFromMain(Catalog catalog, Catalog.DatabaseFacts mainFacts, boolean recreate, long start) throws SQLException {
        String main = ctx.main().name();
        String target = ctx.database();
        int version = catalog.serverVersionNum();
        long mainSize = catalog.size(main);
        String strategy = chooseStrategy(version, mainSize, catalog);
        if (ctx.config().dryRun()) {
            log.info("[dry run] Would " + (recreate ? "re-create " : "create ") + target + " as a copy of " + main + " ("
                    + Sizes.human(mainSize) + ", " + strategyLabel(strategy) + ").");
            return new Result(Outcome.DRY_RUN, target, strategyLabel(strategy), -1, elapsed(start));
        }
        if (recreate) {
            catalog.drop(target, true);
        }
        String owner = mainFacts.owner();
        if (!mainFacts.ownerIsMine()) {
            log.debug("Cannot give " + target + " the owner " + owner + "; it will be owned by " + ctx.main().spec().user());
            owner = null;
        }
        // a build killed during the copy must not leave the server to finish it unmarked under the final name
        catalog.abortWhenClientLeaves();
        String used = createCopy(catalog, main, target, owner, strategy, version);
        mark(catalog, used);
        // a server-side copy has main's files, so main's size is the copy's (no second pass over the files); a
        // restored dump is measured
        long bytes = "dump".equals(used) ? catalog.size(target) : mainSize;
        Duration took = elapsed(start);
        log.info((recreate ? "Re-created " : "Cloned ") + main + " → " + target + " (" + Sizes.human(bytes) + ", "
                + used + ", " + Sizes.seconds(took) + ")");
        History.append(ctx.git(), "clone", target, (recreate ? "re-created" : "created") + " from " + main + " ("
                + Sizes.human(bytes) + ", " + used + ")", took, log);
        return new Result(recreate ? Outcome.RECREATED : Outcome.CREATED, target, used, bytes, took);
    }

    /** Creates the worktree database empty (owned like main) and marks it: {@code reset -Dworktree-db.fromEmpty}. */
    void createEmpty(Catalog catalog, Catalog.DatabaseFacts mainFacts) throws SQLException {
        catalog.createEmpty(ctx.database(), mainFacts.ownerIsMine() ? mainFacts.owner() : null);
        mark(catalog, "empty");
    }

    /** Puts the marker on the new database; never leaves an unmarked copy under the final name. */
    private void mark(Catalog catalog, String how) throws SQLException {
        Marker marker = new Marker(Marker.TOOL, pluginVersion, ctx.main().name(), ctx.git().branchOrDirectory(),
                ctx.git().root().toString(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), how,
                ctx.git().commonDir().toString(), ctx.git().isDetached());
        try {
            catalog.setComment(ctx.database(), marker.toJson());
        } catch (SQLException e) {
            catalog.drop(ctx.database(), true);
            throw e;
        }
    }

    private boolean belongsElsewhere(Marker m) {
        String here = ctx.git().root().toString();
        return m.worktree() != null && !m.worktree().equals(here)
                && m.branch() != null && !m.branch().equals(ctx.git().branchOrDirectory());
    }

    /** The STRATEGY clause to use, or {@code null} on servers before 15 (which only copy files). */
    private String chooseStrategy(int version, long mainSize, Catalog catalog) throws SQLException {
        Strategy s = ctx.config().strategy();
        if (s == Strategy.DUMP) {
            return "DUMP";
        }
        if (version < 150000) {
            if (s == Strategy.WAL_LOG) {
                throw WorktreeDbException.user("worktree-db.strategy=wal-log needs PostgreSQL 15 or newer; this server is "
                        + catalog.serverVersion() + ". Use auto or file-copy.");
            }
            return null;
        }
        return switch (s) {
            case WAL_LOG -> "WAL_LOG";
            case FILE_COPY -> "FILE_COPY";
            case DUMP -> "DUMP";
            case AUTO -> mainSize >= AUTO_FILE_COPY_THRESHOLD ? "FILE_COPY" : "WAL_LOG";
        };
    }

    private static String strategyLabel(String clause) {
        return clause == null || clause.equals("FILE_COPY") ? "file-copy" : clause.equals("DUMP") ? "dump" : "wal-log";
    }

    /** Copies main into target; returns the strategy that did it (a busy main database may switch auto to dump). */
    private String createCopy(Catalog catalog, String main, String target, String owner, String strategy, int version)
            throws SQLException {
        DumpCopy dump = new DumpCopy(ctx, log, pluginVersion);
        if ("DUMP".equals(strategy)) {
            dump.copy(catalog, main, target, owner, catalog.serverVersion(), version / 10000);
            return "dump";
        }
        boolean cloning = "FILE_COPY".equals(strategy) && version >= 180000 && catalog.fileCopyByCloning(true);
        for (int attempt = 1; ; attempt++) {
            try {
                catalog.createFromTemplate(target, main, owner, strategy);
                return cloning ? CLONED : strategyLabel(strategy);
            } catch (SQLException e) {
                if (cloning && !"53100".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("could not clone")) {
                    // the file system refused copy_file_range/clone (some network and overlay file systems do)
                    log.warn("The server could not clone the files of " + main + " (" + e.getMessage() + "); copying them "
                            + "instead (file_copy_method = copy).");
                    catalog.fileCopyByCloning(false);
                    cloning = false;
                    continue;
                }
                if ("55006".equals(e.getSQLState())) {
                    List<Catalog.Session> sessions = catalog.sessions(main);
                    if (ctx.config().terminateConnections() && attempt <= TERMINATE_ATTEMPTS) {
                        int n = catalog.terminateSessions(main);
                        log.warn("Ended " + n + " session(s) on " + main + " to copy it (worktree-db.terminateConnections):"
                                + describe(sessions));
                        waitUntilIdle(catalog, main, 5_000);
                        continue;
                    }
                    if (ctx.config().strategy() == Strategy.AUTO && !ctx.config().terminateConnections()) {
                        if (attempt == 1) {
                            log.info(main + " is in use; waiting up to " + AUTO_WAIT_MILLIS / 1000 + " s for it to be free");
                            waitUntilIdle(catalog, main, AUTO_WAIT_MILLIS);
                            continue;
                        }
                        log.warn(main + " is in use, so it cannot be copied on the server; copying it with pg_dump | "
                                + "pg_restore instead, which needs no exclusive access but is slower. Connected:"
                                + describe(sessions) + "\nFaster: stop them, or end them with -D"
                                + io.github.worktreedb.config.PropertyNames.TERMINATE_CONNECTIONS + "=true.");
                        dump.copy(catalog, main, target, owner, catalog.serverVersion(), version / 10000);
                        return "dump";
                    }
                    throw busy(main, sessions);
                }
                if ("42501".equals(e.getSQLState())) {
                    throw new WorktreeDbException(WorktreeDbException.Kind.USER, "User '" + ctx.main().spec().user()
                            + "' may not copy " + main + ": " + e.getMessage() + ". It needs the CREATEDB privilege and must "
                            + "own " + main + " (or be a superuser). Use such a user with -Dworktree-db.username, or "
                            + "ALTER ROLE ... CREATEDB.", e);
                }
                throw e;
            }
        }
    }

    private void waitUntilIdle(Catalog catalog, String main, long millis) throws SQLException {
        long deadline = System.currentTimeMillis() + millis;
        while (!catalog.sessions(main).isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private WorktreeDbException busy(String main, List<Catalog.Session> sessions) {
        String who = sessions.isEmpty() ? " (they have gone since; run again)" : ":" + describe(sessions);
        return WorktreeDbException.user("Cannot copy " + main + " while other sessions are connected to it; PostgreSQL "
                + "copies a database only when nobody else is using it. Connected" + who
                + "\nStop the application that uses " + main + " and run again, or end these sessions with "
                + "-Dworktree-db.terminateConnections=true.");
    }

    private static String describe(List<Catalog.Session> sessions) {
        return sessions.stream().map(s -> "\n  " + s.describe()).collect(Collectors.joining());
    }

    private WorktreeDbException mainMissing(Catalog catalog, String main) throws SQLException {
        List<String> there = catalog.databases();
        return WorktreeDbException.user("The main database '" + main + "' (from " + ctx.main().origin()
                + ") does not exist on " + ctx.main().spec().primary().display() + ". Databases there: "
                + (there.isEmpty() ? "none" : String.join(", ", there)) + ". Fix the name in " + ctx.main().origin()
                + ", or create the database.");
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
