package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.flyway.FlywayErrors;
import io.github.worktreedb.flyway.FlywayLogging;
import io.github.worktreedb.flyway.Migrations;
import io.github.worktreedb.lint.Finding;
import io.github.worktreedb.lint.Linter;
import io.github.worktreedb.lint.PendingMigrations;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.DatabaseLock;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.BaselineResult;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.internal.exception.FlywayMigrateException;

/**
 * {@code migrate}: applies Flyway migrations to this worktree's database, under the plugin's lock on it. Migrations
 * applied to the database but missing in this branch (from main or another worktree) are listed, and fail the run
 * in strict mode. The main database, and any database on another machine, are only migrated when confirmed.
 */
public final class MigrateOperation {

    /** What {@code migrate} did. */
    public record Result(String version, int applied, List<String> missingLocally, boolean changed) {}

    private static final Set<MigrationState> MISSING_LOCALLY = Set.of(MigrationState.MISSING_SUCCESS,
            MigrationState.MISSING_FAILED, MigrationState.FUTURE_SUCCESS, MigrationState.FUTURE_FAILED);

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private DatabaseLock heldLock;
    private LockWatch watch;
    private Consent.Stakes stakes;
    private Catalog catalog;
    private List<MigrationInfo> pendingNow = List.of();
    private String snapshotPluginVersion;
    private String savedAs;

    public MigrateOperation(WorktreeContext ctx, Log log, Confirmation confirmation) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
    }

    /** Runs under a lock the caller already holds on this database (reset), instead of taking it. */
    MigrateOperation underLock(DatabaseLock lock) {
        this.heldLock = lock;
        return this;
    }

    /**
     * With {@code snapshotBefore}, saves a snapshot of the database just before applying anything (its marker says
     * {@code pluginVersion}); a failure then names it and the command that restores it.
     */
    public MigrateOperation snapshotBefore(String pluginVersion) {
        this.snapshotPluginVersion = pluginVersion;
        return this;
    }

    public Result run() {
        long start = System.nanoTime();
        ConnectionSpec db = ctx.databaseSpec();
        Guards.refuseConfirmForAnotherDatabase(ctx, db.database());
        DatabaseLock lock = heldLock != null ? heldLock
                : DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(), db.database(), log);
        try (AutoCloseable logging = FlywayLogging.to(log)) {
            requireDatabase(lock.catalog(), db.database());
            catalog = lock.catalog();
            return migrate(db, start);
        } catch (FlywayException e) {
            WorktreeDbException failure = e instanceof FlywayMigrateException m && timedOut(m)
                    ? timeoutFailure(m, db.password())
                    : FlywayErrors.translate(e, db.database(), ctx.config().migration(), db.password());
            audit("failed", failure.getMessage(), versions(pendingNow), start);
            throw savedAs == null ? failure : new WorktreeDbException(failure.kind(), failure.getMessage() + "\n"
                    + undo(savedAs, db.database()), failure.getCause());
        } catch (WorktreeDbException e) {
            throw e;
        } catch (Exception e) {
            throw WorktreeDbException.environment("Migrating " + db.database() + " failed: "
                    + Secrets.redact(e.getMessage(), db.password()), e);
        } finally {
            if (heldLock == null) {
                lock.close();
            }
        }
    }

    private Result migrate(ConnectionSpec db, long start) {
        Flyway flyway = Migrations.flyway(db, ctx.config().migration());
        var info = flyway.info();
        String current = info.current() == null || info.current().getVersion() == null ? "none"
                : info.current().getVersion().getVersion();
        List<String> missing = Arrays.stream(info.all()).filter(i -> MISSING_LOCALLY.contains(i.getState()))
                .map(MigrateOperation::describe).toList();
        var coordination = io.github.worktreedb.coordination.MigrateChecks.before(ctx, info.all(), log);
        if (!missing.isEmpty() && (ctx.config().migration().strict()
                || !io.github.worktreedb.coordination.MigrateChecks.shared(ctx))) {
            String text = db.database() + " has " + missing.size() + " applied migration(s) that this branch does not have "
                    + "(applied from main or another worktree): " + String.join(", ", missing) + ". Merge main to get them.";
            if (ctx.config().migration().strict()) {
                throw WorktreeDbException.user(text + " Failing because -D" + PropertyNames.STRICT_MIGRATIONS + "=true.");
            }
            log.warn(text);
        }
        List<MigrationInfo> pending = List.of(info.pending());
        // baselineOnMigrate on a database with tables and no history: the migrations up to baselineVersion count as
        // applied; when none is above it, Flyway's migrate has nothing to run, and the baseline is written here
        List<MigrationInfo> belowBaseline = Arrays.stream(info.all())
                .filter(i -> i.getState() == MigrationState.BASELINE_IGNORED).toList();
        boolean baselineOnly = pending.isEmpty() && !belowBaseline.isEmpty()
                && Arrays.stream(info.all()).noneMatch(i -> i.getState().isApplied());
        String baselineVersion = ctx.config().migration().baselineVersion();
        List<String> failed = Arrays.stream(info.all()).filter(i -> i.getState().isFailed()).map(MigrateOperation::describe)
                .toList();
        if (!failed.isEmpty()) {
            throw FlywayErrors.failedEarlier(db.database(), String.join(", ", failed), ctx.config().migration().table());
        }
        if (pending.isEmpty() && !baselineOnly) {
            log.info(db.database() + " is up to date at version " + current + ".");
            return new Result(current, 0, missing, false);
        }
        Consent.Stakes stakes = new Consent.Stakes(Protection.read(ctx.target().connector(), db.database()),
                ctx.usesMainDatabase(), !db.isLocal());
        this.stakes = stakes;
        this.pendingNow = pending;
        Timeouts timeouts = Timeouts.of(ctx.config().safety(), stakes);
        List<Finding> findings = new Linter(new Linter.Options(stakes.protection().isPresent(), timeouts.lock() != null))
                .lint(PendingMigrations.files(pending));
        findings.forEach(f -> log.warn(f.describe()));
        if (!findings.isEmpty() && ctx.config().safety().failOnLint()) {
            audit("refused", findings.size() + " lint finding(s)", versions(pending), start);
            throw WorktreeDbException.user(lintFailure(findings.size()) + " Nothing was applied to " + db.database() + ".");
        }
        String baselineWork = "record version " + baselineVersion + " as the baseline of " + db.database() + " in "
                + ctx.config().migration().table() + " (" + PropertyNames.BASELINE_ON_MIGRATE + "; " + listed(belowBaseline)
                + (belowBaseline.size() == 1 ? " counts" : " count") + " as applied, none is above it)";
        List<Rehearsal.Step> rehearsal = ctx.config().safety().rehearse() && !ctx.config().dryRun() && !baselineOnly
                ? new Rehearsal(ctx, log).run(catalog, db) : List.of();
        if (stakes.any()) {
            String plan = "Migrate " + (stakes.main() ? "the main database " : "") + db.database()
                    + (stakes.remote() ? " on " + db.primary().display() + ", which is not this machine," : "")
                    + (baselineOnly ? ": " + baselineWork + "."
                            : " with " + pending.size() + " pending migration(s):" + listing(pending)
                                    + (findings.isEmpty() ? "" : "\n" + findings.size() + " lint finding(s), listed above.")
                                    + timeouts.describe() + rehearsed(rehearsal) + coordination.plan());
            Consent.Decision decision = Consent.decide(ctx, confirmation, db.database(), stakes, plan, log);
            if (!decision.go()) {
                if (decision == Consent.Decision.DECLINED) {
                    audit("declined", pending.size() + " pending migration(s) not applied", versions(pending), start);
                }
                return new Result(current, 0, missing, false);
            }
        } else if (ctx.config().dryRun()) {
            if (baselineOnly) {
                log.info("[dry run] Would " + baselineWork + ".");
            } else {
                log.info("[dry run] Would apply to " + db.database() + ":");
                listing(pending).lines().filter(l -> !l.isEmpty()).forEach(log::info);
            }
            return new Result(current, 0, missing, false);
        }
        snapshotFirst(stakes);
        if (baselineOnly) {
            return baseline(flyway, db, missing, start);
        }
        if (timeouts.any()) {
            try (LockWatch w = LockWatch.start(ctx.target().connector(), ctx.config().maintenanceDatabase(), log)) {
                watch = w;
                log.info("Migrating " + db.database() + " with" + timeouts.describe().replace("\n", " "));
                // set from the session's start (startup parameters), not with Flyway's deprecated initSql
                return applied(Migrations.flyway(db.withSession(w.applicationName(), timeouts.settings()),
                        ctx.config().migration()), db, current, missing, start);
            }
        }
        return applied(flyway, db, current, missing, start);
    }

    private Result applied(Flyway flyway, ConnectionSpec db, String current, List<String> missing, long start) {
        MigrateResult result = flyway.migrate();
        for (MigrateOutput m : result.migrations) {
            log.info("Applied " + (m.version == null || m.version.isEmpty() ? "repeatable" : "V" + m.version) + " "
                    + m.description + " (" + fileName(m.filepath) + ") in " + m.executionTime + " ms");
        }
        io.github.worktreedb.coordination.MigrateChecks.after(ctx, result.migrations, log);
        String version = result.targetSchemaVersion == null ? current : result.targetSchemaVersion;
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("Migrated " + db.database() + " to version " + version + " (" + result.migrationsExecuted
                + " migration(s), " + Sizes.seconds(took) + ")");
        Audit.record(ctx, "migrate", db.database(), "applied", result.migrationsExecuted + " migration(s), now at version "
                + version, result.migrations.stream().map(m -> m.version == null || m.version.isEmpty() ? m.description
                        : "V" + m.version).toList(), stakes == null ? null : stakes.protection().isPresent(), took, log,
                "applied " + result.migrationsExecuted + ", now at version " + version);
        return new Result(version, result.migrationsExecuted, missing, true);
    }

    /** Writes the baseline that {@code baselineOnMigrate} asks for when no migration is above {@code baselineVersion}. */
    private Result baseline(Flyway flyway, ConnectionSpec db, List<String> missing, long start) {
        BaselineResult baselined = flyway.baseline();
        String version = baselined.baselineVersion == null ? ctx.config().migration().baselineVersion() : baselined.baselineVersion;
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        log.info("Baselined " + db.database() + " at version " + version + " (" + PropertyNames.BASELINE_ON_MIGRATE
                + "): Flyway's history now starts there; no migration is above it (" + Sizes.seconds(took) + ")");
        History.append(ctx.git(), "migrate", db.database(), "baselined at version " + version, took, log);
        return new Result(version, 0, missing, true);
    }

    /** {@code snapshotBefore}: the database as it is now, saved under {@code before_migrate_<time>}. */
    private void snapshotFirst(Consent.Stakes stakes) {
        if (snapshotPluginVersion == null || !ctx.config().snapshots().before()) {
            return;
        }
        if (stakes.protection().isPresent()) {
            log.warn("No snapshot before migrating " + ctx.database() + ": it is protected, and a protected database is "
                    + "never snapshotted (" + PropertyNames.SNAPSHOT_BEFORE + " is for development databases).");
            return;
        }
        savedAs = new SnapshotOperation(ctx, log, snapshotPluginVersion)
                .take(catalog, Snapshots.beforeName("migrate", java.time.Instant.now()), false).name();
    }

    /** What a failed migration's message says when a snapshot was saved just before it. */
    private String undo(String snapshot, String database) {
        if (ctx.usesMainDatabase()) {
            return "The main database " + database + " was saved just before this migrate as snapshot '" + snapshot
                    + "'; worktree-db never restores into the main database, so copy what you need from it by hand.";
        }
        return database + " was saved just before this migrate as snapshot '" + snapshot + "'. To undo what the "
                + "migration left behind, run: " + Snapshots.restoreCommand(snapshot);
    }

    private static String listed(List<MigrationInfo> migrations) {
        return migrations.stream().map(MigrateOperation::describe).collect(Collectors.joining(", "));
    }

    private static void requireDatabase(Catalog catalog, String database) throws SQLException {
        if (!catalog.exists(database)) {
            throw WorktreeDbException.user("Database " + database + " does not exist yet, so there is nothing to "
                    + "migrate. Create it with mvn worktree-db:clone (bind clone before migrate in the build).");
        }
    }

    private static String describe(MigrationInfo i) {
        return (i.getVersion() == null ? "repeatable " : "V" + i.getVersion().getVersion() + " ") + i.getDescription();
    }

    private static String listing(List<MigrationInfo> pending) {
        return pending.stream().map(i -> "\n  " + describe(i) + " (" + i.getScript() + ")").collect(Collectors.joining());
    }

    private static String rehearsed(List<Rehearsal.Step> rehearsal) {
        return rehearsal.isEmpty() ? "" : "\nRehearsed on a copy: " + rehearsal.stream().map(r -> r.migration() + " "
                + r.millis() + " ms, " + (r.locks().isEmpty() ? "no table lock" : String.join(", ", r.locks())))
                .collect(Collectors.joining("; ")) + ".";
    }

    /** The message that fails the build on lint findings. */
    public static String lintFailure(int findings) {
        return "lint: " + findings + " finding(s) in pending migrations (-D" + PropertyNames.FAIL_ON + "=lint). Make each "
                + "statement safe, or, when it is safe here (e.g. the table is small), add the comment "
                + "-- worktree-db:ignore <rule-id> in the statement or on the line above it.";
    }

    private static boolean timedOut(FlywayMigrateException e) {
        return ("55P03".equals(e.getSqlState()) || "57014".equals(e.getSqlState())) && e.isExecutableInTransaction();
    }

    /** A migration that gave up waiting for a lock (or ran past statement_timeout): who held it, and that nothing stayed. */
    private WorktreeDbException timeoutFailure(FlywayMigrateException e, String password) {
        MigrationInfo m = e.getMigration();
        String file = e.getAbsolutePathOnDisk() != null ? e.getAbsolutePathOnDisk() : m == null ? "?" : m.getScript();
        String line = e.getLineNumber() > 0 ? " at line " + e.getLineNumber() : "";
        String pg = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getMessage() != null) {
                pg = Secrets.redact(sql.getMessage().lines().findFirst().orElse(""), password);
                break;
            }
        }
        List<LockWatch.Blocker> blockers = watch == null ? List.of() : watch.blockers();
        String who = blockers.isEmpty() ? "" : " It waited for a lock held by "
                + blockers.stream().map(LockWatch.Blocker::describe).collect(Collectors.joining("; ")) + ".";
        String end = blockers.isEmpty() ? "" : " (or end it: SELECT pg_terminate_backend(" + blockers.get(0).pid() + "))";
        WorktreeDbException said = new WorktreeDbException(WorktreeDbException.Kind.USER, "Migration " + file
                + " timed out" + line + ": " + pg + " (SQL state " + e.getSqlState() + ")." + who + " It was rolled back; "
                + "nothing of it is applied. Run migrate again when that session is done" + end + "; -D"
                + PropertyNames.LOCK_TIMEOUT + " sets how long to wait.");
        // kept for -e, not as the cause: Maven appends a cause's message, and Flyway's is a multi-line block
        said.addSuppressed(e);
        return said;
    }

    private void audit(String outcome, String detail, List<String> versions, long start) {
        Audit.record(ctx, "migrate", ctx.database(), outcome, detail, versions,
                stakes == null ? null : stakes.protection().isPresent(), Duration.ofNanos(System.nanoTime() - start), log);
    }

    private static List<String> versions(List<MigrationInfo> pending) {
        return pending.stream().map(i -> i.getVersion() == null ? i.getDescription() : "V" + i.getVersion().getVersion())
                .toList();
    }

    private static String fileName(String path) {
        if (path == null) {
            return "?";
        }
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return slash >= 0 ? path.substring(slash + 1) : path;
    }
}
