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
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code restore}: brings this worktree's database back to one of its snapshots (by name, or the latest). The
 * snapshot is copied under a temporary name and swapped in for the database in one transaction
 * ({@link CopyEngine#replace}), so the database is never missing or half-restored, whatever stops the run; its sessions
 * are ended as {@code reset} ends them. The restored database keeps its owner and its worktree marker; the snapshot
 * stays, to be restored again. Never into the main database, a database without the marker, a protected database or a
 * remote server without {@code allowRemote}; always confirmed.
 */
public final class RestoreOperation {

    /** What {@code restore} did: the snapshot's name, or {@code null} when nothing was done. */
    public record Result(boolean done, String name, String flywayVersion) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private final ProgressListener progress;

    public RestoreOperation(WorktreeContext ctx, Log log, Confirmation confirmation) {
        this(ctx, log, confirmation, new ProgressLog(log));
    }

    public RestoreOperation(WorktreeContext ctx, Log log, Confirmation confirmation, ProgressListener progress) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
        this.progress = progress;
    }

    public Result run() {
        long start = System.nanoTime();
        Guards.refuseMainDatabase(ctx, "restore");
        Guards.refuseRemoteUnlessAllowed(ctx, "restore " + ctx.database());
        String target = ctx.database();
        String wanted = ctx.config().snapshots().name();
        CopyEngine engine = new CopyEngine(CopyEngine.Settings.of(ctx.config()), log, progress);
        try (DatabaseLock lock = DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(), target, log)) {
            Catalog catalog = lock.catalog();
            List<Snapshots.Snap> snapshots = Snapshots.of(catalog.connection(), ctx, target);
            Snapshots.Snap snap = choose(snapshots, wanted, target);
            Catalog.DatabaseFacts facts = catalog.facts(target);
            Optional<Marker> marker = facts.marker();
            Guards.refuseUnlessReplaceable(ctx, facts, "restore", "restore");
            int sessions = facts.exists() ? catalog.sessions(target).size() : 0;
            String ending = sessions > 0 ? ", ending its " + sessions + " open session(s)" : "";
            String plan = "Restore " + target + " to snapshot " + Snapshots.describe(snap) + ": "
                    + (facts.exists() ? "its current state (" + Sizes.human(catalog.size(target)) + ending + ") is replaced"
                            : "it does not exist, so it is created")
                    + "; the snapshot stays.";
            if (!Confirmation.proceed(ctx.config(), confirmation, plan, log)) {
                return new Result(false, null, null);
            }
            engine.dropLeftover(catalog, catalog.facts(CopyEngine.tempName(target)));
            engine.dropLeftover(catalog, catalog.facts(CopyEngine.asideName(target)));
            // the database keeps what it was: its owner and its marker (with a fresh copy method); a database that was
            // gone gets the snapshot's worktree facts back
            Marker keep = facts.exists() ? marker.get()
                    : snap.marker().as(Marker.Kind.WORKTREE, null);
            keep = new Marker(keep.tool(), keep.version(), keep.source(), keep.branch(), keep.worktree(), keep.createdAt(),
                    keep.strategy(), keep.repository(), keep.detached(), Marker.Kind.WORKTREE, null);
            String owner = facts.exists() && facts.ownerIsMine() ? facts.owner() : null;
            CopyEngine.Plan copyPlan = engine.plan(catalog, ctx.target().withDatabase(snap.database()), ctx.target());
            CopyEngine.Copied copied = facts.exists() ? engine.replace(catalog, copyPlan, owner, keep)
                    : engine.copy(catalog, copyPlan, owner, keep);
            String version = snap.marker().snapshot().flywayVersion();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String outcome = "restored to snapshot '" + snap.name() + "' of " + snap.marker().createdAt()
                    + (version == null ? "" : ", Flyway version " + version) + " (" + Sizes.human(copied.bytes()) + ", "
                    + copied.method().label() + (sessions > 0 ? "; ended " + sessions + " open session(s)" : "") + ")";
            log.info("Restore: " + target + " " + outcome + " in " + Sizes.seconds(took));
            History.append(ctx.git(), "restore", target, outcome, took, log);
            return new Result(true, snap.name(), version);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Restore of " + target + " failed: "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
    }

    private static Snapshots.Snap choose(List<Snapshots.Snap> snapshots, String wanted, String target) {
        if (snapshots.isEmpty()) {
            throw WorktreeDbException.user(target + " has no snapshots, so there is nothing to restore. Save one first: "
                    + "mvn worktree-db:snapshot -D" + PropertyNames.SNAPSHOT + "=NAME");
        }
        if (wanted == null) {
            return snapshots.get(snapshots.size() - 1);
        }
        return snapshots.stream().filter(s -> wanted.equals(s.name())).findFirst()
                .orElseThrow(() -> WorktreeDbException.user("No snapshot of " + target + " is named '" + wanted
                        + "'. Its snapshots, oldest first: " + snapshots.stream().map(Snapshots::describe)
                                .collect(Collectors.joining(", ")) + ". Give one of these names with -D"
                        + PropertyNames.SNAPSHOT + ", or leave it out for the latest."));
    }
}
