package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.transfer.CopyEngine;
import io.github.worktreedb.transfer.CopyMethod;
import io.github.worktreedb.transfer.ProgressListener;
import io.github.worktreedb.transfer.ProgressLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code clone}: creates this worktree's database as a copy of the main database, and leaves an existing one alone.
 * Decides whether to copy (exists? whose? forced? confirmed?) and reports; the copy itself is the {@link CopyEngine}'s.
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
     * @param method how the database was made (or would be, in a dry run), or {@code null} when nothing was copied
     * @param bytes the new database's size, or -1
     */
    public record Result(Outcome outcome, String database, CopyMethod method, long bytes, Duration elapsed) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private final String pluginVersion;
    private final ProgressListener progress;

    public CloneOperation(WorktreeContext ctx, Log log, Confirmation confirmation, String pluginVersion) {
        this(ctx, log, confirmation, pluginVersion, new ProgressLog(log));
    }

    public CloneOperation(WorktreeContext ctx, Log log, Confirmation confirmation, String pluginVersion,
            ProgressListener progress) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
        this.pluginVersion = pluginVersion;
        this.progress = progress;
    }

    public Result run() {
        long start = System.nanoTime();
        String main = ctx.source().database();
        String target = ctx.database();
        if (ctx.config().isolation() == io.github.worktreedb.config.Isolation.SHARED) {
            log.info("isolation=shared: every worktree uses the main database " + main + " itself, so there is nothing to "
                    + "clone.");
            return new Result(Outcome.MAIN_WORKTREE, main, null, -1, elapsed(start));
        }
        if (ctx.usesMainDatabase()) {
            log.info("This is the main worktree on the main branch (" + ctx.git().mainBranch() + "): its database is " + main
                    + " itself, so there is nothing to clone.");
            return new Result(Outcome.MAIN_WORKTREE, main, null, -1, elapsed(start));
        }
        CopyEngine.Settings settings = CopyEngine.Settings.of(ctx.config());
        if (ctx.ownServer()) {
            if (ctx.config().dryRun() && !ctx.server().server().exists()) {
                log.info("[dry run] Would create this worktree's server on localhost:" + ctx.server().port() + " and "
                        + (serverEmpty() ? "an empty database " + target : "copy " + main + " into it") + ".");
                return new Result(Outcome.DRY_RUN, target, null, -1, elapsed(start));
            }
            WorktreeServers.ensureRunning(ctx, log, pluginVersion);
            settings = ServerCopy.settings(ctx, settings);
        }
        CopyEngine engine = new CopyEngine(settings, log, progress);
        try (Connection conn = ctx.target().connector().connectMaintenance(ctx.config().maintenanceDatabase())) {
            Catalog catalog = new Catalog(conn);
            // the lock is held until the connection closes at the end of this block (session advisory locks end with
            // their session), so a failure anywhere in between cannot leave it held
            catalog.lock(target);
            String temp = CopyEngine.tempName(target);
            if (ctx.ownServer()) {
                // isolation=server: the target has main's name on this worktree's own server; main is checked by the copy
                Map<String, Catalog.DatabaseFacts> facts = catalog.facts(target, temp);
                engine.dropLeftover(catalog, facts.get(temp));
                return cloneLocked(engine, catalog, new Catalog.DatabaseFacts(main, true, null, false, null),
                        facts.get(target), start);
            }
            // source and target are on one server: one query for the facts of all three
            Map<String, Catalog.DatabaseFacts> facts = catalog.facts(main, target, temp);
            if (!facts.get(main).exists()) {
                throw mainMissing(catalog, main);
            }
            engine.dropLeftover(catalog, facts.get(temp));
            return cloneLocked(engine, catalog, facts.get(main), facts.get(target), start);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Clone of " + main + " into " + target + " failed: "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
    }

    private Result cloneLocked(CopyEngine engine, Catalog catalog, Catalog.DatabaseFacts mainFacts,
            Catalog.DatabaseFacts targetFacts, long start) throws SQLException {
        String main = mainFacts.name();
        String target = targetFacts.name();
        boolean recreate = false;
        if (targetFacts.exists()) {
            Optional<Marker> marker = targetFacts.marker();
            if (marker.isPresent() && marker.get().kind() != Marker.Kind.WORKTREE) {
                throw WorktreeDbException.user("Database " + target + " is a worktree-db " + kindName(marker.get())
                        + ", not a worktree's database, so clone leaves it alone. Choose another name with -D"
                        + PropertyNames.DATABASE + "=...");
            }
            if (marker.isPresent() && belongsElsewhere(marker.get())) {
                Marker m = marker.get();
                throw WorktreeDbException.user("Database " + target + " already belongs to the worktree " + m.worktree()
                        + " (branch " + m.branch() + "), not to " + ctx.git().root() + " (branch "
                        + ctx.git().branchOrDirectory() + "): both names come out the same. Give this worktree its own "
                        + "name with -D" + PropertyNames.DATABASE + "=... or a namePattern that includes ${worktree}.");
            }
            if (!ctx.config().force()) {
                String made = marker.map(m -> " (created " + m.createdAt() + " from " + m.source() + ")")
                        .orElse(" (not created by worktree-db)");
                log.info("Database " + target + " already exists" + made + "; leaving it as it is. "
                        + "Use -D" + PropertyNames.FORCE + "=true to re-create it from " + main + ".");
                return new Result(Outcome.EXISTS, target, null, -1, elapsed(start));
            }
            if (marker.isEmpty()) {
                throw WorktreeDbException.user("Database " + target + " exists but was not created by worktree-db (it has no "
                        + "worktree-db marker), so the plugin never drops it. Drop it yourself if it is yours to lose, or "
                        + "choose another name with -D" + PropertyNames.DATABASE + "=...");
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
        if (ctx.ownServer() && serverEmpty()) {
            if (ctx.config().dryRun()) {
                log.info("[dry run] Would " + (recreate ? "re-create " : "create ") + target + " empty on this worktree's "
                        + "server (" + PropertyNames.SERVER_SOURCE + "=empty).");
                return new Result(Outcome.DRY_RUN, target, CopyMethod.EMPTY, -1, elapsed(start));
            }
            if (recreate) {
                catalog.drop(target, true);
            }
            CopyEngine.Copied made = engine.createEmpty(catalog, ctx.target(), null, ctx.newMarker(pluginVersion));
            Duration took = elapsed(start);
            log.info((recreate ? "Re-created " : "Created ") + target + " empty on this worktree's server localhost:"
                    + ctx.server().port() + " (" + PropertyNames.SERVER_SOURCE + "=empty: run migrate and seed; "
                    + Sizes.seconds(took) + ")");
            History.append(ctx.git(), "clone", target + " on localhost:" + ctx.server().port(),
                    (recreate ? "re-created" : "created") + " empty", took, log);
            return new Result(recreate ? Outcome.RECREATED : Outcome.CREATED, target, made.method(), -1, took);
        }
        CopyEngine.Plan plan = ctx.ownServer() ? ServerCopy.plan(engine, catalog, ctx)
                : engine.plan(catalog, ctx.source(), ctx.target());
        if (ctx.config().dryRun()) {
            log.info("[dry run] Would " + (recreate ? "re-create " : "create ") + target + " as a copy of " + main + " ("
                    + Sizes.human(plan.sourceBytes()) + ", " + plan.method().label() + ").");
            return new Result(Outcome.DRY_RUN, target, plan.method(), -1, elapsed(start));
        }
        if (recreate) {
            catalog.drop(target, true);
        }
        CopyEngine.Copied copied = engine.copy(catalog, plan, owner(mainFacts), ctx.newMarker(pluginVersion));
        Duration took = elapsed(start);
        CopySummary.report(ctx, log, recreate, copied, took);
        return new Result(recreate ? Outcome.RECREATED : Outcome.CREATED, target, copied.method(), copied.bytes(), took);
    }

    private boolean serverEmpty() {
        return ctx.config().server().source() == io.github.worktreedb.config.ServerSettings.Source.EMPTY;
    }

    /** The copy is owned like main when this user may give it main's owner; else by this user. */
    private String owner(Catalog.DatabaseFacts mainFacts) {
        if (mainFacts.ownerIsMine() || ctx.ownServer()) {
            return mainFacts.owner();
        }
        log.debug("Cannot give " + ctx.database() + " the owner " + mainFacts.owner() + "; it will be owned by "
                + ctx.target().connector().spec().user());
        return null;
    }

    private static String kindName(Marker m) {
        return m.kind() == Marker.Kind.OTHER ? "database of a kind this version does not know"
                : m.kind().id() + " database";
    }

    private boolean belongsElsewhere(Marker m) {
        String here = ctx.git().root().toString();
        return m.worktree() != null && !m.worktree().equals(here)
                && m.branch() != null && !m.branch().equals(ctx.git().branchOrDirectory());
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
