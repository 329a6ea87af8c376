package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status and cleanup against the real server with several real worktrees. */
class StatusCleanupTest {

    static final TestPostgres PG = TestPostgres.get();
    static final String MIGRATIONS = "src/main/resources/db/migration/";

    @TempDir
    Path tmp;

    TestPostgres.OwnedDatabase main;
    GitRepo repo;
    final RecordingLog log = new RecordingLog();

    @BeforeEach
    void repository() {
        main = PG.createOwnedDatabase("st", r -> "pw-" + r, "CREATE TABLE customer(id int PRIMARY KEY)");
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        repo.write(MIGRATIONS + "V2__names.sql", "ALTER TABLE customer ADD COLUMN name text;\n");
        repo.commitAll("V2");
    }

    private WorktreeDbConfig.Builder config(Path dir) {
        return WorktreeDbConfig.builder(dir).migration(new MigrationSettings(List.of("filesystem:" + dir.resolve(MIGRATIONS)),
                List.of(), null, Map.of(), true, "1", false, true, false));
    }

    private WorktreeContext ctx(WorktreeDbConfig config) {
        return WorktreeContext.resolve(config, Log.NONE);
    }

    private void clone(Path wt) {
        new CloneOperation(ctx(config(wt).build()), Log.NONE, Confirmation.NOBODY, "t").run();
    }

    @Test
    void statusReportsTheWorktreeItsDatabaseEnvFilesMigrationsAgainstMainAndSeeds() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-feat"), "feature/coupons");
        String target = main.database() + "_feature_coupons";
        // this branch's new migration, and main's own new ones after the branch was made
        Files.writeString(Files.createDirectories(wt.resolve(MIGRATIONS)).resolve("V3__coupons.sql"), "CREATE TABLE coupon(c text);\n");
        repo.write(MIGRATIONS + "V3__loyalty.sql", "CREATE TABLE loyalty(x int);\n");
        repo.write(MIGRATIONS + "V4__audit.sql", "CREATE TABLE audit(x int);\n");
        repo.commitAll("main moves on");
        clone(wt);
        new MigrateOperation(ctx(config(wt).build()), Log.NONE, Confirmation.NOBODY).run();
        Files.writeString(wt.resolve(MIGRATIONS + "V5__next.sql"), "CREATE TABLE nxt(x int);\n");
        Files.createDirectories(wt.resolve("src/main/resources/db/seed"));
        Files.writeString(wt.resolve("src/main/resources/db/seed/001_a.sql"), "INSERT INTO customer(id) VALUES (1);\n");
        new SeedOperation(ctx(config(wt).build()), Log.NONE, Confirmation.NOBODY).run();
        Files.writeString(wt.resolve("src/main/resources/db/seed/001_a.sql"), "INSERT INTO customer(id) VALUES (1), (2);\n");
        Files.writeString(wt.resolve("src/main/resources/db/seed/002_b.sql"), "SELECT 1;\n");
        new RewriteEnvOperation(ctx(config(wt).build()), Log.NONE).run();
        try (Connection c = PG.admin(target)) {
            c.createStatement().execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, execution_time, success) VALUES (99, '9', 'from elsewhere', 'SQL', 'V9__x.sql', 0, "
                    + "'x', 1, true)");
        }

        StatusReport r = new StatusOperation(ctx(config(wt).build()), log, true).run();
        assertThat(r.worktree().branch()).isEqualTo("feature/coupons");
        assertThat(r.worktree().mainWorktree()).isFalse();
        assertThat(r.mainDatabase().name()).isEqualTo(main.database());
        assertThat(r.mainDatabase().foundIn()).isEqualTo(ctx(config(wt).build()).git().backupOf(".env")
                + ":1 (DATABASE_URL) - the original of .env, kept by rewrite-env");
        assertThat(r.database().name()).isEqualTo(target);
        assertThat(r.database().exists()).isTrue();
        assertThat(r.database().marked()).isTrue();
        assertThat(r.database().createdFrom()).isEqualTo(main.database());
        assertThat(r.database().openSessions()).isZero();
        // the default list's other files, which neither worktree has, are not listed
        assertThat(r.envFiles()).extracting(StatusReport.EnvFile::file, StatusReport.EnvFile::pointsAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(".env", "worktree"));
        assertThat(r.migrations().currentVersion()).isEqualTo("9");
        assertThat(r.migrations().pending()).isEmpty();
        assertThat(r.migrations().ignored()).containsExactly("V5 next"); // older than the applied V9
        assertThat(r.migrations().missingLocally()).containsExactly("V9 from elsewhere");
        assertThat(r.migrations().onMainNotHere()).containsExactly("V4 (V4__audit.sql)");
        assertThat(r.migrations().versionCollisions()).containsExactly("V3: here V3__coupons.sql, on main V3__loyalty.sql");
        assertThat(r.problems()).contains("1 migration(s) older than the applied version will never run without "
                + "-Dworktree-db.outOfOrder=true", "1 pending seed file(s): run mvn worktree-db:seed");
        assertThat(r.seeds().applied()).isEmpty();
        assertThat(r.seeds().changed()).containsExactly("001_a.sql");
        assertThat(r.seeds().pending()).containsExactly("002_b.sql");
        assertThat(r.otherDatabases()).extracting(StatusReport.OtherDatabase::name).containsExactly(target);
        assertThat(r.otherDatabases().get(0).current()).isTrue();
        assertThat(String.join("\n", StatusText.render(r)))
                .contains("[!!] version used here and on main (rename before merging):")
                .contains("V3: here V3__coupons.sql, on main V3__loyalty.sql")
                .contains(".env:1                    [ok] " + target + " (this worktree)");
    }

    @Test
    void statusBeforeCloneSaysWhatToDo() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-new"), "feature/new");
        Files.writeString(Files.createDirectories(wt.resolve("src/main/resources/db/seed")).resolve("001_a.sql"), "SELECT 1;\n");
        StatusReport r = new StatusOperation(ctx(config(wt).build()), log, false).run();
        assertThat(r.seeds().pending()).containsExactly("001_a.sql");
        assertThat(r.problems()).noneMatch(p -> p.contains("seed")); // clone comes first
        assertThat(r.database().exists()).isFalse();
        assertThat(r.migrations().pending()).containsExactly("V2 (V2__names.sql)");
        assertThat(r.problems()).contains("the database " + main.database() + "_feature_new does not exist: run mvn worktree-db:clone");
        // git did not bring the gitignored .env: rewrite-env copies it
        assertThat(r.envFiles()).extracting(StatusReport.EnvFile::file, StatusReport.EnvFile::pointsAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(".env", "notCopied"));
        assertThat(r.problems()).contains(".env is only in the main worktree: run mvn worktree-db:rewrite-env (copies it, "
                + "pointed at " + main.database() + "_feature_new)");
        assertThat(StatusText.render(r)).contains("  .env                      [!!] only in the main worktree: run mvn "
                + "worktree-db:rewrite-env");

        // an env file configured explicitly is reported when it is in neither worktree
        StatusReport configured = new StatusOperation(ctx(config(wt).envFiles(List.of(".env", "config/db.env")).build()), log,
                false).run();
        assertThat(configured.envFiles()).extracting(StatusReport.EnvFile::file, StatusReport.EnvFile::pointsAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(".env", "notCopied"),
                        org.assertj.core.groups.Tuple.tuple("config/db.env", "missing"));
    }

    @Test
    void statusOnTheMainDatabaseNeverSuggestsSeedingItNorListsEnvFilesTheProjectNeverHad() throws Exception {
        repo.write("src/main/resources/db/seed/001_a.sql", "INSERT INTO customer(id) VALUES (1);\n");
        StatusReport r = new StatusOperation(ctx(config(repo.root()).build()), log, false).run();
        assertThat(r.database().isMainDatabase()).isTrue();
        assertThat(r.seeds().pending()).containsExactly("001_a.sql");
        assertThat(r.problems()).noneMatch(p -> p.contains("seed"));
        assertThat(r.envFiles()).extracting(StatusReport.EnvFile::file, StatusReport.EnvFile::pointsAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(".env", "worktree"));
        assertThat(String.join("\n", StatusText.render(r))).doesNotContain("missing").doesNotContain("worktree-db:seed");
    }

    @Test
    void cleanupDropsOnlyStaleOwnedDatabases() throws Exception {
        Path live = repo.addWorktree(tmp.resolve("wt-live"), "live");
        Path merged = repo.addWorktree(tmp.resolve("wt-merged"), "merged");
        Path moved = repo.addWorktree(tmp.resolve("wt-moved"), "moved");
        Path busy = repo.addWorktree(tmp.resolve("wt-busy"), "busy");
        for (Path wt : List.of(live, merged, moved, busy)) {
            clone(wt);
        }
        String db = main.database();
        PG.createDatabase(db + "_lookalike", main.role(), null); // same naming, no marker
        repo.git("worktree", "remove", "--force", merged.toString());
        repo.git("branch", "-D", "merged");
        repo.git("worktree", "remove", "--force", moved.toString()); // worktree gone, branch kept
        repo.git("worktree", "remove", "--force", busy.toString());
        repo.git("branch", "-D", "busy");

        try (Connection session = PG.connect(db + "_busy", main.role(), main.password())) {
            CleanupOperation batch = new CleanupOperation(ctx(config(live).build()), log, Confirmation.NOBODY,
                    CleanupOperation.When.BRANCH_GONE, false);
            CleanupOperation.Result plan = batch.run(true);
            assertThat(plan.candidates()).extracting(CleanupOperation.Candidate::name).containsExactly(db + "_merged");
            assertThat(plan.candidates().get(0).reason()).isEqualTo("branch merged is gone");
            assertThat(plan.skipped()).extracting(CleanupOperation.Skipped::name).containsExactlyInAnyOrder(db + "_busy", db + "_live",
                    db + "_moved");
            // its worktree is gone, its branch is not: kept, and the plan says how to drop it too
            assertThat(plan.skipped()).filteredOn(k -> k.name().equals(db + "_moved")).singleElement()
                    .extracting(CleanupOperation.Skipped::reason).asString().matches("worktree .*wt-moved is gone, but branch "
                            + "moved remains \\(-Dworktree-db.cleanupWhen=either drops it too\\)");
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("INFO   kept " + db + "_moved: worktree ")
                    .endsWith("wt-moved is gone, but branch moved remains (-Dworktree-db.cleanupWhen=either drops it too)"));
            assertThat(plan.dropped()).isEmpty();
            assertThat(PG.exists(db + "_merged")).isTrue();
            assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("WARN Drop 1 database(s), reclaiming ").endsWith("."));
            assertThat(log.lines()).contains("WARN Not done: Maven runs in batch mode. Add -Dworktree-db.yes=true to confirm.");

            CleanupOperation.Result done = new CleanupOperation(ctx(config(live).yes(true).build()), log, Confirmation.NOBODY,
                    CleanupOperation.When.BRANCH_GONE, false).run(true);
            assertThat(done.dropped()).containsExactly(db + "_merged");
            assertThat(done.reclaimedBytes()).isPositive();
            assertThat(session.isValid(2)).isTrue();
        }
        assertThat(PG.exists(db + "_merged")).isFalse();
        assertThat(PG.databasesStartingWith(db)).containsExactly(db, db + "_busy", db + "_live", db + "_lookalike", db + "_moved");

        CleanupOperation.Result gone = new CleanupOperation(ctx(config(live).yes(true).terminateConnections(true).build()), log,
                Confirmation.NOBODY, CleanupOperation.When.WORKTREE_GONE, false).run(true);
        assertThat(gone.dropped()).containsExactlyInAnyOrder(db + "_moved", db + "_busy");
        assertThat(PG.databasesStartingWith(db)).containsExactly(db, db + "_live", db + "_lookalike");
        assertThat(Files.readString(repo.root().resolve(".git/worktree-db/history.log"))).contains("\tcleanup\t" + db + "_moved\t");

        CleanupOperation.Result current = new CleanupOperation(ctx(config(live).yes(true).build()), log, Confirmation.NOBODY,
                CleanupOperation.When.BRANCH_GONE, true).run(true);
        assertThat(current.dropped()).containsExactly(db + "_live");
        assertThat(PG.databasesStartingWith(db)).containsExactly(db, db + "_lookalike");
    }

    @Test
    void cleanupNeverLooksAtAnotherRepositorysDatabases() {
        Path mine = repo.addWorktree(tmp.resolve("wt-mine"), "mine");
        clone(mine);
        GitRepo other = GitRepo.init(tmp.resolve("other"));
        other.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        Path theirs = other.addWorktree(tmp.resolve("wt-theirs"), "theirs");
        clone(theirs); // same main database, another repository: branch 'theirs' does not exist here
        CleanupOperation.Result plan = new CleanupOperation(ctx(config(repo.root()).build()), log, Confirmation.NOBODY,
                CleanupOperation.When.EITHER, false).plan();
        assertThat(plan.candidates()).isEmpty();
        assertThat(PG.exists(main.database() + "_theirs")).isTrue();
    }

    @Test
    void cleanupRefusesARemoteServer() {
        var remote = config(repo.root()).url("postgres://x@db.staging.example.com/shop").build();
        assertThatThrownBy(() -> new CleanupOperation(ctx(remote), log, Confirmation.NOBODY, CleanupOperation.When.BRANCH_GONE,
                false).plan()).hasMessageContaining("it is not this machine");
    }
}
