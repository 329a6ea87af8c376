package io.github.worktreedb.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.DatabaseLock;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.postgres.SqlStates;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * {@code cleanup}: drops the databases this plugin made for worktrees of this repository that are stale — by default
 * whose branch no longer exists, or whose worktree directory is gone. Never the main database, never an unmarked
 * database, never the current worktree's database unless asked, never one with open sessions unless asked to end them.
 * Prints the plan first; drops only when confirmed.
 */
public final class CleanupOperation {

    /** Which databases are stale. */
    public enum When {
        BRANCH_GONE, WORKTREE_GONE, EITHER;

        public static When parse(String text) {
            String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "", "branch-gone" -> BRANCH_GONE;
                case "worktree-gone" -> WORKTREE_GONE;
                case "either" -> EITHER;
                default -> throw WorktreeDbException.user(PropertyNames.CLEANUP_WHEN + "='" + text + "' is not one of "
                        + "branch-gone, worktree-gone, either.");
            };
        }
    }

    /**
     * One database in the plan.
     *
     * @param snapshotOf for a snapshot: the worktree database it saved ({@code null} for a worktree database)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Candidate(String name, long sizeBytes, String size, String reason, String branch, String worktree,
            int openSessions, String snapshotOf) {}

    /** One database left out of the plan, and why. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Skipped(String name, String reason, Boolean protectedDatabase) {

        public Skipped(String name, String reason) {
            this(name, reason, null);
        }
    }

    /**
     * The plan and what was done with it; also the JSON form.
     *
     * @param failed candidates whose drop failed, and why (they are still there)
     */
    public record Result(List<Candidate> candidates, List<Skipped> skipped, List<String> dropped, List<Skipped> failed,
            long reclaimedBytes, boolean confirmed) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private final When when;
    private final boolean includeCurrent;

    public CleanupOperation(WorktreeContext ctx, Log log, Confirmation confirmation, When when, boolean includeCurrent) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
        this.when = when;
        this.includeCurrent = includeCurrent;
    }

    /** Works out the plan (read-only). */
    public Result plan() {
        Guards.refuseRemoteUnlessAllowed(ctx, "clean up databases");
        GitWorktree git = ctx.git();
        Set<Path> live = git.liveWorktrees();
        Set<String> branches = git.branches();
        List<Candidate> candidates = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        try (Connection conn = ctx.target().connector().connectMaintenance(ctx.config().maintenanceDatabase())) {
            Catalog catalog = new Catalog(conn);
            // a gone worktree's snapshots go with its database (and without it, when it was dropped before)
            List<OwnedDatabases.Owned> owned = new ArrayList<>(OwnedDatabases.of(conn, ctx, Marker.Kind.WORKTREE));
            Snapshots.all(conn, ctx).forEach(s -> owned.add(new OwnedDatabases.Owned(s.database(), s.marker(), s.sizeBytes())));
            for (OwnedDatabases.Owned o : owned) {
                Marker m = o.marker();
                String snapshotOf = m.kind() == Marker.Kind.SNAPSHOT ? m.snapshot().of() : null;
                boolean current = (snapshotOf != null ? snapshotOf : o.name()).equals(ctx.database()) && !ctx.usesMainDatabase();
                boolean detached = Boolean.TRUE.equals(m.detached());
                boolean worktreeGone = m.worktree() == null || !live.contains(Path.of(m.worktree()));
                boolean branchGone = !detached && !OwnedDatabases.branchExists(branches, m);
                String reason = current ? (includeCurrent ? "this worktree's database (asked for)" : null)
                        : switch (when) {
                            case BRANCH_GONE -> branchGone ? "branch " + m.branch() + " is gone"
                                    : detached && worktreeGone ? "detached worktree " + m.worktree() + " is gone" : null;
                            case WORKTREE_GONE -> worktreeGone ? "worktree " + m.worktree() + " is gone" : null;
                            case EITHER -> branchGone ? "branch " + m.branch() + " is gone"
                                    : worktreeGone ? "worktree " + m.worktree() + " is gone" : null;
                        };
                if (reason != null && snapshotOf != null) {
                    reason = "snapshot '" + m.snapshot().name() + "' of " + snapshotOf + ": " + reason;
                }
                if (reason == null && snapshotOf != null) {
                    continue; // a live worktree's snapshots are not worth a line each
                }
                if (reason == null) {
                    String either = " (-D" + PropertyNames.CLEANUP_WHEN + "=either drops it too)";
                    if (current) {
                        skipped.add(new Skipped(o.name(), "this worktree's database (add -D" + PropertyNames.INCLUDE_CURRENT
                                + "=true to drop it)"));
                    } else if (when == When.BRANCH_GONE && worktreeGone) {
                        skipped.add(new Skipped(o.name(), "worktree " + m.worktree() + " is gone, but branch " + m.branch()
                                + " remains" + either));
                    } else if (when == When.WORKTREE_GONE && branchGone) {
                        skipped.add(new Skipped(o.name(), "branch " + m.branch() + " is gone, but worktree " + m.worktree()
                                + " remains" + either));
                    }
                    continue;
                }
                int sessions = catalog.sessions(o.name()).size();
                if (sessions > 0 && !ctx.config().terminateConnections()) {
                    skipped.add(new Skipped(o.name(), reason + ", but " + sessions + " session(s) are open on it (end them "
                            + "with -D" + PropertyNames.TERMINATE_CONNECTIONS + "=true)"));
                    continue;
                }
                // after counting the sessions: this check opens (and closes) one
                Optional<Protection.Stamp> stamp = Protection.read(ctx.target().connector(), o.name());
                if (stamp.isPresent()) {
                    skipped.add(new Skipped(o.name(), reason + ", but it is " + stamp.get().describe() + ": never dropped "
                            + "(mvn worktree-db:unprotect -D" + PropertyNames.CONFIRM + "=" + o.name() + " lifts that)", true));
                    continue;
                }
                candidates.add(new Candidate(o.name(), o.sizeBytes(), Sizes.human(o.sizeBytes()), reason, m.branch(),
                        m.worktree(), sessions, snapshotOf));
            }
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot list the databases: " + e.getMessage(), e);
        }
        return new Result(candidates, skipped, List.of(), List.of(), 0, false);
    }

    /** Prints the plan (text) and, when confirmed, drops. */
    public Result run(boolean printPlan) {
        Result plan = plan();
        if (printPlan) {
            printPlan(plan);
        }
        // a protected database cleanup would otherwise have dropped: the refusal is on its record, as every goal's is
        for (Skipped kept : plan.skipped()) {
            if (Boolean.TRUE.equals(kept.protectedDatabase())) {
                Audit.record(ctx, "cleanup", kept.name(), "refused", kept.reason(), null, true, Duration.ZERO, log);
            }
        }
        if (plan.candidates().isEmpty()) {
            return plan;
        }
        long total = plan.candidates().stream().mapToLong(Candidate::sizeBytes).sum();
        String question = "Drop " + plan.candidates().size() + " database(s), reclaiming " + Sizes.human(total) + ".";
        if (!Confirmation.proceed(ctx.config(), confirmation, question, log)) {
            return plan;
        }
        List<String> dropped = new ArrayList<>();
        List<Skipped> failed = new ArrayList<>();
        long reclaimed = 0;
        for (Candidate c : plan.candidates()) {
            long start = System.nanoTime();
            // a snapshot is taken and restored under its worktree database's lock
            String lockName = c.snapshotOf() != null ? c.snapshotOf() : c.name();
            Marker.Kind kind = c.snapshotOf() != null ? Marker.Kind.SNAPSHOT : Marker.Kind.WORKTREE;
            try (DatabaseLock lock = DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(), lockName, log)) {
                Optional<Marker> marker = lock.catalog().facts(c.name()).marker();
                if (marker.isEmpty() || marker.get().kind() != kind) {
                    log.warn("Skipping " + c.name() + ": it is gone or no longer carries the worktree-db marker");
                    continue;
                }
                if (Protection.read(ctx.target().connector(), c.name()).isPresent()) {
                    log.warn("Skipping " + c.name() + ": it was protected meanwhile");
                    continue;
                }
                lock.catalog().drop(c.name(), ctx.config().terminateConnections());
                dropped.add(c.name());
                reclaimed += c.sizeBytes();
                log.info("Dropped " + c.name() + " (" + c.size() + "; " + c.reason() + ")");
                History.append(ctx.git(), "cleanup", c.name(), "dropped: " + c.reason(),
                        Duration.ofNanos(System.nanoTime() - start), log);
            } catch (SQLException e) {
                String why = Secrets.redact(e.getMessage(), ctx.main().spec().password())
                        + (SqlStates.is(e, SqlStates.OBJECT_IN_USE) ? " (someone connected to it meanwhile; run again)" : "");
                failed.add(new Skipped(c.name(), why));
                log.warn("Could not drop " + c.name() + ": " + why);
            }
        }
        log.info("cleanup: dropped " + dropped.size() + " database(s), reclaimed " + Sizes.human(reclaimed));
        return new Result(plan.candidates(), plan.skipped(), dropped, failed, reclaimed, true);
    }

    private void printPlan(Result plan) {
        if (plan.candidates().isEmpty()) {
            log.info("cleanup: no stale worktree databases" + (plan.skipped().isEmpty() ? "." : ";"));
        } else {
            log.info("cleanup plan (" + when.name().toLowerCase(Locale.ROOT).replace('_', '-') + "):");
            for (Candidate c : plan.candidates()) {
                log.info(String.format(Locale.ROOT, "  %-40s %10s  %s%s", c.name(), c.size(), c.reason(),
                        c.openSessions() > 0 ? ", ending " + c.openSessions() + " session(s)" : ""));
            }
        }
        for (Skipped s : plan.skipped()) {
            log.info("  kept " + s.name() + ": " + s.reason());
        }
    }
}
