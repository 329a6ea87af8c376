package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.Dotenv;
import io.github.worktreedb.config.EnvDatabaseSettings;
import io.github.worktreedb.config.SeedSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.env.EnvRewritePlan;
import io.github.worktreedb.flyway.FlywayErrors;
import io.github.worktreedb.flyway.FlywayLogging;
import io.github.worktreedb.flyway.Migrations;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.Marker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

/** {@code status}: gathers what is where and what state it is in. Read-only: it changes nothing anywhere. */
public final class StatusOperation {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__(.+)\\.sql");

    private final WorktreeContext ctx;
    private final Log log;
    private final boolean all;
    private MigrationInfo[] lastInfo;

    public StatusOperation(WorktreeContext ctx, Log log, boolean all) {
        this.ctx = ctx;
        this.log = log;
        this.all = all;
    }

    public StatusReport run() {
        GitWorktree git = ctx.git();
        List<String> problems = new ArrayList<>();
        var worktree = new StatusReport.Worktree(git.root().toString(), git.branchOrDirectory(), git.isMainWorktree(),
                git.isDetached(), git.head(), git.mainBranch());
        ConnectionSpec main = ctx.main().spec();
        var mainDb = new StatusReport.MainDatabase(main.database(), main.primary().host(), main.primary().port(), main.user(),
                ctx.main().origin());
        List<StatusReport.EnvFile> envFiles = envFiles();
        StatusReport.Database database;
        StatusReport.Migrations migrations;
        StatusReport.Seeds seeds;
        List<StatusReport.OtherDatabase> others = null;
        List<StatusReport.Snapshot> snapshots;
        try (Connection conn = ctx.target().connector().connectMaintenance(ctx.config().maintenanceDatabase())) {
            Catalog catalog = new Catalog(conn);
            Catalog.DatabaseFacts facts = catalog.facts(ctx.database());
            boolean exists = facts.exists();
            Optional<Marker> marker = facts.marker();
            Long size = exists ? catalog.size(ctx.database()) : null;
            database = new StatusReport.Database(ctx.database(), exists, ctx.usesMainDatabase(), marker.isPresent(),
                    size, size == null ? null : Sizes.human(size),
                    marker.map(Marker::createdAt).orElse(null), marker.map(Marker::source).orElse(null),
                    marker.map(Marker::version).orElse(null), exists ? catalog.sessions(ctx.database()).size() : null);
            migrations = migrations(exists, problems);
            seeds = exists ? seeds(problems) : new StatusReport.Seeds(List.of(), seedNames(), List.of());
            snapshots = snapshots(conn);
            if (all) {
                others = others(conn);
            }
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot read the server's state: " + e.getMessage(), e);
        }
        if (!database.exists()) {
            problems.add("the database " + ctx.database() + " does not exist: run mvn worktree-db:clone");
        }
        var coordination = io.github.worktreedb.coordination.MigrateChecks.report(ctx, lastInfo);
        boolean shared = ctx.config().isolation() == io.github.worktreedb.config.Isolation.SHARED;
        if (shared && coordination != null) {
            migrations = withoutCollisions(migrations, coordination);
        }
        addMigrationProblems(migrations, seeds, database.exists() && !ctx.usesMainDatabase(), problems, shared);
        problems.addAll(io.github.worktreedb.coordination.CoordinationText.problems(coordination));
        for (StatusReport.EnvFile f : envFiles) {
            if ("main".equals(f.pointsAt()) && !ctx.usesMainDatabase()) {
                problems.add(f.file() + " still points at the main database: run mvn worktree-db:rewrite-env");
            } else if ("unrewritable".equals(f.pointsAt())) {
                problems.add(f.file() + ":" + f.line() + ": " + f.key());
            } else if ("notCopied".equals(f.pointsAt())) {
                problems.add(f.file() + " is only in the main worktree: run mvn worktree-db:rewrite-env (copies it, pointed "
                        + "at " + ctx.database() + ")");
            }
        }
        return new StatusReport(worktree, mainDb, database, envFiles, migrations, seeds, snapshots, others, problems,
                coordination);
    }

    /**
     * In a shared database a version another worktree applied with another script is a collision, said under
     * Coordination with both files and who applied it; Flyway sees the same thing as a changed checksum. It is said
     * once, where the fix is.
     */
    private static StatusReport.Migrations withoutCollisions(StatusReport.Migrations m,
            io.github.worktreedb.coordination.MigrationCoordination.Report c) {
        Set<String> colliding = new java.util.HashSet<>();
        c.collisions().forEach(x -> colliding.add("V" + x.version() + " "));
        List<String> changed = m.checksumMismatch().stream()
                .filter(item -> colliding.stream().noneMatch(item::startsWith)).toList();
        return new StatusReport.Migrations(m.currentVersion(), m.applied(), m.pending(), m.ignored(), m.failed(),
                m.missingLocally(), changed, m.onMainNotHere(), m.versionCollisions(), m.note());
    }

    /** Every finding that needs doing, with what to do. */
    private static void addMigrationProblems(StatusReport.Migrations m, StatusReport.Seeds s, boolean seedable,
            List<String> problems, boolean shared) {
        if (!m.failed().isEmpty()) {
            problems.add(m.failed().size() + " failed migration(s): fix them (mvn worktree-db:reset starts over)");
        }
        if (!m.versionCollisions().isEmpty()) {
            problems.add(m.versionCollisions().size() + " migration version(s) also used on the main branch: rename yours "
                    + "before merging");
        }
        if (!m.onMainNotHere().isEmpty()) {
            problems.add("the main branch has " + m.onMainNotHere().size() + " migration(s) this branch lacks: merge main");
        }
        if (!m.missingLocally().isEmpty() && !shared) { // shared: accepted, listed under Coordination
            problems.add("the database has " + m.missingLocally().size() + " applied migration(s) this branch lacks (from main "
                    + "or another worktree): merge main");
        }
        if (!m.checksumMismatch().isEmpty()) {
            problems.add(m.checksumMismatch().size() + " applied migration(s) changed since they ran");
        }
        if (!m.ignored().isEmpty()) {
            problems.add(m.ignored().size() + " migration(s) older than the applied version will never run without "
                    + "-Dworktree-db.outOfOrder=true");
        }
        if (!m.pending().isEmpty() && m.note() == null) {
            problems.add(m.pending().size() + " pending migration(s): run mvn worktree-db:migrate");
        }
        // seeds are test data for worktree databases: the main database is never suggested for seeding, nor is a
        // database that clone has yet to make
        if (!s.pending().isEmpty() && seedable) {
            problems.add(s.pending().size() + " pending seed file(s): run mvn worktree-db:seed");
        }
        if (!s.changed().isEmpty()) {
            problems.add(s.changed().size() + " seed file(s) changed since applied: mvn worktree-db:seed "
                    + "-Dworktree-db.reapplyChangedSeeds=true");
        }
    }

    private List<StatusReport.EnvFile> envFiles() {
        GitWorktree git = ctx.git();
        List<Path> paths = ctx.config().envFiles().stream().map(n -> git.root().resolve(n).normalize()).toList();
        Set<Path> tracked = git.tracked(paths);
        List<StatusReport.EnvFile> out = new ArrayList<>();
        // the default list names files many projects never have: only the configured ones are reported when absent
        boolean defaults = ctx.config().envFiles().equals(WorktreeDbConfig.DEFAULT_ENV_FILES);
        for (int i = 0; i < paths.size(); i++) {
            String name = ctx.config().envFiles().get(i);
            Path file = paths.get(i);
            if (!Files.isRegularFile(file)) {
                Path inMain = git.isMainWorktree() || git.mainRoot() == null ? null : git.mainRoot().resolve(name).normalize();
                if (inMain != null && Files.isRegularFile(inMain)) {
                    // a fresh linked worktree: git does not bring gitignored env files; rewrite-env copies them
                    out.add(new StatusReport.EnvFile(name, "notCopied", null, null, null, false));
                } else if (!defaults) {
                    out.add(new StatusReport.EnvFile(name, "missing", null, null, null, false));
                }
                continue;
            }
            try {
                Dotenv env = Dotenv.load(file, name);
                Optional<EnvDatabaseSettings.Found> found = EnvDatabaseSettings.find(env, name);
                if (found.isEmpty()) {
                    out.add(new StatusReport.EnvFile(name, "none", null, null, null, tracked.contains(file)));
                } else {
                    String db = found.get().spec().withDefaults(ctx.main().spec().user()).database();
                    String points = db.equals(ctx.database()) ? "worktree" : db.equals(ctx.main().name()) ? "main" : "other";
                    out.add(new StatusReport.EnvFile(name, points, db, found.get().line(), found.get().key(),
                            tracked.contains(file)));
                }
                if (!ctx.usesMainDatabase()) {
                    out.addAll(stillNamingMain(name, env, found.map(EnvDatabaseSettings.Found::key).orElse(null),
                            tracked.contains(file)));
                }
            } catch (WorktreeDbException e) {
                out.add(new StatusReport.EnvFile(name, "unreadable", null, null, Secrets.redact(e.getMessage()), false));
            }
        }
        return out;
    }

    /**
     * The other values of an env file that still name the main database: {@code main} when rewrite-env would change
     * them, {@code unrewritable} (shown as {@code [!!]} with the reason in {@code key}) when it cannot.
     */
    private List<StatusReport.EnvFile> stillNamingMain(String name, Dotenv env, String mainKey, boolean tracked) {
        List<StatusReport.EnvFile> out = new ArrayList<>();
        EnvRewritePlan plan = EnvRewritePlan.of(env, ctx.main().spec(), ctx.database());
        for (EnvRewritePlan.Edit e : plan.edits()) {
            if (!e.entry().key().equals(mainKey)) {
                out.add(new StatusReport.EnvFile(name, "main", ctx.main().name(), e.entry().line(), e.entry().key(), tracked));
            }
        }
        for (EnvRewritePlan.Problem p : plan.problems()) {
            out.add(new StatusReport.EnvFile(name, "unrewritable", ctx.main().name(), p.line(), p.key() + " names the main "
                    + "database " + ctx.main().name() + ", but " + p.reason() + ": point it at " + ctx.database()
                    + " by hand", tracked));
        }
        return out;
    }

    private StatusReport.Migrations migrations(boolean exists, List<String> problems) {
        Map<String, String> local = localVersions();
        List<String> onMainNotHere = new ArrayList<>();
        List<String> collisions = new ArrayList<>();
        String note = staleness(local, onMainNotHere, collisions);
        if (!exists) {
            List<String> pending = local.entrySet().stream().map(e -> "V" + e.getKey() + " (" + e.getValue() + ")").toList();
            return new StatusReport.Migrations(null, 0, pending, List.of(), List.of(), List.of(), List.of(), onMainNotHere,
                    collisions, note == null ? "the database does not exist" : note);
        }
        try (AutoCloseable logging = FlywayLogging.to(log)) {
            Flyway flyway = Migrations.flyway(ctx.databaseSpec(), ctx.config().migration());
            var info = flyway.info();
            MigrationInfo[] allInfo = info.all();
            lastInfo = allInfo;
            String current = info.current() == null || info.current().getVersion() == null ? null
                    : info.current().getVersion().getVersion();
            int applied = (int) Arrays.stream(allInfo).filter(i -> i.getState().isApplied() && i.getState().isResolved()).count();
            List<String> pending = Arrays.stream(info.pending()).map(StatusOperation::describe).toList();
            List<String> ignored = Arrays.stream(allInfo).filter(i -> i.getState() == MigrationState.IGNORED)
                    .map(StatusOperation::describe).toList();
            List<String> failed = Arrays.stream(allInfo).filter(i -> i.getState().isFailed()).map(StatusOperation::describe).toList();
            List<String> missing = Arrays.stream(allInfo)
                    .filter(i -> Set.of(MigrationState.MISSING_SUCCESS, MigrationState.MISSING_FAILED,
                            MigrationState.FUTURE_SUCCESS, MigrationState.FUTURE_FAILED).contains(i.getState()))
                    .map(StatusOperation::describe).toList();
            if (pending.isEmpty() && Arrays.stream(allInfo).anyMatch(i -> i.getState() == MigrationState.BASELINE_IGNORED)
                    && Arrays.stream(allInfo).noneMatch(i -> i.getState().isApplied())) {
                problems.add("no Flyway history yet: mvn worktree-db:migrate records version "
                        + ctx.config().migration().baselineVersion() + " as the baseline (baselineOnMigrate)");
            }
            List<String> mismatch = new ArrayList<>();
            var validation = flyway.validateWithResult();
            if (validation.invalidMigrations != null) {
                validation.invalidMigrations.stream()
                        .filter(v -> v.errorDetails != null && v.errorDetails.errorCode == CoreErrorCode.CHECKSUM_MISMATCH)
                        .forEach(v -> mismatch.add("V" + v.version + " " + v.description));
            }
            return new StatusReport.Migrations(current, applied, pending, ignored, failed, missing, mismatch, onMainNotHere,
                    collisions, note);
        } catch (Exception e) {
            problems.add("cannot read the migrations: " + FlywayErrors.plain(e.getMessage(), ctx.main().spec().password()));
            return new StatusReport.Migrations(null, 0, List.of(), List.of(), List.of(), List.of(), List.of(), onMainNotHere,
                    collisions, "Flyway could not read this database");
        }
    }

    /** Versioned migrations in this worktree's filesystem locations: version → file name. */
    private Map<String, String> localVersions() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Path dir : filesystemLocations()) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.map(f -> f.getFileName().toString()).sorted().forEach(name -> {
                    Matcher m = VERSIONED.matcher(name);
                    if (m.matches()) {
                        out.put(normalize(m.group(1)), name);
                    }
                });
            } catch (java.io.IOException e) {
                // an unreadable location has nothing to compare
            }
        }
        return out;
    }

    /** Migrations on the main branch that this branch lacks, and versions both use for different files. */
    private String staleness(Map<String, String> local, List<String> onMainNotHere, List<String> collisions) {
        GitWorktree git = ctx.git();
        if (git.onMainBranch()) {
            return null;
        }
        for (Path dir : filesystemLocations()) {
            if (!dir.startsWith(git.root())) {
                return "migrations outside the worktree are not compared with " + git.mainBranch();
            }
            String rel = git.root().relativize(dir).toString();
            Map<String, String> onMain = new HashMap<>();
            for (String name : git.filesOnBranch(git.mainBranch(), rel)) {
                Matcher m = VERSIONED.matcher(name);
                if (m.matches()) {
                    onMain.put(normalize(m.group(1)), name);
                }
            }
            for (var e : onMain.entrySet()) {
                String here = local.get(e.getKey());
                if (here == null) {
                    onMainNotHere.add("V" + e.getKey() + " (" + e.getValue() + ")");
                } else if (!here.equals(e.getValue())) {
                    collisions.add("V" + e.getKey() + ": here " + here + ", on " + git.mainBranch() + " " + e.getValue());
                }
            }
        }
        onMainNotHere.sort(null);
        collisions.sort(null);
        return null;
    }

    private List<Path> filesystemLocations() {
        List<Path> out = new ArrayList<>();
        for (String location : ctx.config().migration().locations()) {
            if (location.startsWith("filesystem:")) {
                out.add(Path.of(location.substring("filesystem:".length())).toAbsolutePath().normalize());
            }
        }
        return out;
    }

    private StatusReport.Seeds seeds(List<String> problems) {
        SeedSettings settings = ctx.config().seed();
        Map<String, String[]> history = Map.of();
        try (Connection conn = ctx.target().connector().connect(ctx.database())) {
            history = SeedOperation.readHistory(conn, settings.table());
        } catch (SQLException | WorktreeDbException e) {
            problems.add("cannot read the seed history: " + Secrets.redact(e.getMessage(), ctx.main().spec().password()));
        }
        List<String> applied = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (SeedOperation.SeedFile f : SeedOperation.files(settings)) {
            String[] seen = history.get(f.name());
            if (seen == null) {
                pending.add(f.name());
            } else if (seen[0].equals(SeedOperation.checksum(f.path()))) {
                applied.add(f.name());
            } else {
                changed.add(f.name());
            }
        }
        return new StatusReport.Seeds(applied, pending, changed);
    }

    private List<String> seedNames() {
        return SeedOperation.files(ctx.config().seed()).stream().map(SeedOperation.SeedFile::name).toList();
    }

    private List<StatusReport.Snapshot> snapshots(Connection conn) throws SQLException {
        List<StatusReport.Snapshot> out = new ArrayList<>();
        for (Snapshots.Snap s : Snapshots.of(conn, ctx, ctx.database())) {
            Marker.Snapshot saved = s.marker().snapshot();
            out.add(new StatusReport.Snapshot(saved.name(), s.database(), s.marker().createdAt(), s.sizeBytes(),
                    Sizes.human(s.sizeBytes()), saved.flywayVersion(), saved.seeds()));
        }
        return out;
    }

    private List<StatusReport.OtherDatabase> others(Connection conn) throws SQLException {
        GitWorktree git = ctx.git();
        Set<Path> live = git.liveWorktrees();
        Set<String> branches = git.branches();
        List<StatusReport.OtherDatabase> out = new ArrayList<>();
        for (OwnedDatabases.Owned o : OwnedDatabases.of(conn, ctx, Marker.Kind.WORKTREE)) {
            Marker m = o.marker();
            boolean worktreeExists = m.worktree() != null && live.contains(Path.of(m.worktree()));
            out.add(new StatusReport.OtherDatabase(o.name(), m.branch(), m.worktree(), o.sizeBytes(), Sizes.human(o.sizeBytes()),
                    m.createdAt(), worktreeExists, OwnedDatabases.branchExists(branches, m), o.name().equals(ctx.database())));
        }
        return out;
    }

    private static String describe(MigrationInfo i) {
        return (i.getVersion() == null ? "R " : "V" + i.getVersion().getVersion() + " ") + i.getDescription();
    }

    private static String normalize(String version) {
        return version.replace('_', '.').replaceAll("^0+(?=\\d)", "");
    }
}
