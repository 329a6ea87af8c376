package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.DatabaseLock;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.transfer.CopyEngine;
import io.github.worktreedb.transfer.ProgressListener;
import io.github.worktreedb.transfer.ProgressLog;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

/**
 * {@code reset}: brings this worktree's database back to a known state. Drops it (ending its sessions: it is the
 * plugin's own), copies main again — or, with {@code fromEmpty}, creates it empty — then migrates and seeds, all under
 * one lock on the database. Never the main database, never a database without the marker, never a remote server
 * without {@code allowRemote}; always confirmed. The copy itself is the {@link CopyEngine}'s.
 */
public final class ResetOperation {

    /** What {@code reset} did. */
    public record Result(boolean done, String version, int seedsApplied) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private final String pluginVersion;
    private final ProgressListener progress;

    public ResetOperation(WorktreeContext ctx, Log log, Confirmation confirmation, String pluginVersion) {
        this(ctx, log, confirmation, pluginVersion, new ProgressLog(log));
    }

    public ResetOperation(WorktreeContext ctx, Log log, Confirmation confirmation, String pluginVersion,
            ProgressListener progress) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
        this.pluginVersion = pluginVersion;
        this.progress = progress;
    }

    private boolean fromEmpty;

    /** {@code -Dworktree-db.fromEmpty}: rebuild from an empty database (create, migrate, seed) instead of copying main. */
    public ResetOperation fromEmpty(boolean on) {
        this.fromEmpty = on;
        return this;
    }

    public Result run() {
        long start = System.nanoTime();
        Guards.refuseMainDatabase(ctx, "reset");
        Guards.refuseRemoteUnlessAllowed(ctx, "reset " + ctx.database());
        String target = ctx.database();
        CopyEngine engine = new CopyEngine(CopyEngine.Settings.of(ctx.config()), log, progress);
        try (DatabaseLock lock = DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(), target, log)) {
            Catalog catalog = lock.catalog();
            String temp = CopyEngine.tempName(target);
            Map<String, Catalog.DatabaseFacts> facts = catalog.facts(ctx.main().name(), target, temp);
            Catalog.DatabaseFacts mainFacts = facts.get(ctx.main().name());
            if (!mainFacts.exists() && !fromEmpty) {
                throw WorktreeDbException.user("The main database '" + ctx.main().name() + "' (from " + ctx.main().origin()
                        + ") does not exist, so there is nothing to reset " + target + " from. Use -D" + PropertyNames.FROM_EMPTY + "=true "
                        + "to rebuild it from the migrations alone.");
            }
            boolean exists = facts.get(target).exists();
            Guards.refuseUnlessReplaceable(ctx, facts.get(target), "reset", "reset");
            engine.dropLeftover(catalog, facts.get(temp));
            engine.dropLeftover(catalog, catalog.facts(CopyEngine.asideName(target)));
            // a copy replaces the database in one swap (never missing, left as it was when the copy fails); an empty
            // rebuild has no copy to wait for
            boolean swap = exists && !fromEmpty;
            int sessions = exists ? catalog.sessions(target).size() : 0;
            String ending = sessions > 0 ? ", ending its " + sessions + " open session(s)" : "";
            String plan = "Reset " + target + ": " + (swap
                    ? "copy " + ctx.main().name() + " again and swap it in for the current one ("
                            + Sizes.human(catalog.size(target)) + ending + ")"
                    : (exists ? "drop it (" + Sizes.human(catalog.size(target)) + ending + "), " : "")
                            + (fromEmpty ? "create it empty" : "copy " + ctx.main().name() + " again"))
                    + ", then migrate and seed.";
            if (ctx.config().snapshots().before() && exists) {
                plan += "\nFirst save it as a snapshot (" + PropertyNames.SNAPSHOT_BEFORE + ").";
            }
            if (!Confirmation.proceed(ctx.config(), confirmation, plan, log)) {
                return new Result(false, null, 0);
            }
            if (ctx.config().snapshots().before() && exists) {
                new SnapshotOperation(ctx, log, pluginVersion, progress)
                        .take(catalog, Snapshots.beforeName("reset", java.time.Instant.now()), false);
            }
            if (exists && !swap) {
                catalog.drop(target, true);
            }
            String owner = mainFacts.ownerIsMine() ? mainFacts.owner() : null;
            if (fromEmpty) {
                engine.createEmpty(catalog, ctx.target(), owner, ctx.newMarker(pluginVersion));
            } else {
                long copyStart = System.nanoTime();
                CopyEngine.Plan copyPlan = engine.plan(catalog, ctx.source(), ctx.target());
                Marker fresh = ctx.newMarker(pluginVersion);
                CopyEngine.Copied copied = swap ? engine.replace(catalog, copyPlan, owner, fresh)
                        : engine.copy(catalog, copyPlan, owner, fresh);
                CopySummary.report(ctx, log, false, copied, Duration.ofNanos(System.nanoTime() - copyStart));
            }
            MigrateOperation.Result migrated = new MigrateOperation(ctx, log, confirmation).underLock(lock).run();
            SeedOperation.Result seeded = new SeedOperation(ctx, log, confirmation).underLock(lock).run();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String outcome = (fromEmpty ? "rebuilt from empty" : "copied from " + ctx.main().name()) + ", at version "
                    + migrated.version() + ", " + seeded.applied() + " seed file(s)"
                    + (sessions > 0 ? "; ended its " + sessions + " open session(s)" : "");
            log.info("Reset " + target + ": " + outcome + " (" + Sizes.seconds(took) + ")");
            History.append(ctx.git(), "reset", target, outcome, took, log);
            return new Result(true, migrated.version(), seeded.applied());
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Reset of " + target + " failed: "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
    }
}
