package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.config.SnapshotSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.naming.DatabaseNamer;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** snapshot, restore, retention, snapshotBefore, status and cleanup of snapshots, against the real test server. */
class SnapshotRestoreTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    TestPostgres.OwnedDatabase main;
    GitRepo repo;
    Path wt;
    String target;
    final RecordingLog log = new RecordingLog();

    @BeforeEach
    void clonedWorktree() {
        main = PG.createOwnedDatabase("snap", r -> "pw-" + r, "CREATE TABLE customer(id int PRIMARY KEY, name text); "
                + "INSERT INTO customer VALUES (1, 'Ada'), (2, 'Grace')");
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        repo.write("src/main/resources/db/migration/V2__orders.sql", "CREATE TABLE orders(id int PRIMARY KEY);\n");
        repo.commitAll("migrations");
        wt = repo.addWorktree(tmp.resolve("shop-snap"), "feature/snap");
        target = main.database() + "_feature_snap";
        new CloneOperation(ctx(config(wt).build()), Log.NONE, Confirmation.NOBODY, "test").run();
        new MigrateOperation(ctx(config(wt).build()), Log.NONE, Confirmation.NOBODY).run();
    }

    private WorktreeDbConfig.Builder config(Path dir) {
        return WorktreeDbConfig.builder(dir).migration(new MigrationSettings(
                List.of("filesystem:" + dir.resolve("src/main/resources/db/migration")), List.of(), null, Map.of(), true, "1",
                false, true, false));
    }

    private WorktreeDbConfig.Builder named(String name, int max) {
        return config(wt).snapshots(new SnapshotSettings(name, max, false));
    }

    private WorktreeContext ctx(WorktreeDbConfig config) {
        return WorktreeContext.resolve(config, log);
    }

    private SnapshotOperation.Result snapshot(String name) {
        return new SnapshotOperation(ctx(named(name, 5).build()), log, "test").run();
    }

    private RestoreOperation.Result restore(String name) {
        return new RestoreOperation(ctx(named(name, 5).yes(true).build()), log, Confirmation.NOBODY).run();
    }

    private String dump(String database) {
        return PG.queryIn(database, "SELECT string_agg(x, ' | ' ORDER BY x) FROM ("
                + "SELECT 'customer ' || id || ' ' || name AS x FROM customer UNION ALL "
                + "SELECT 'table ' || table_name FROM information_schema.tables WHERE table_schema = 'public' UNION ALL "
                + "SELECT 'column ' || table_name || '.' || column_name FROM information_schema.columns "
                + "WHERE table_schema = 'public') t");
    }

    @Test
    void restoreGivesBackExactlyTheSavedRowsAndSchemaAndKeepsMarkerAndOwner() {
        String before = dump(target);
        String markerBefore = PG.comment(target);
        SnapshotOperation.Result saved = snapshot("before refactor");
        assertThat(saved.done()).isTrue();
        assertThat(saved.database()).matches("[a-z_][a-z0-9_]{0,62}").startsWith(target + "__before_refactor_");
        Marker m = Marker.parse(PG.comment(saved.database())).orElseThrow();
        assertThat(m.kind()).isEqualTo(Marker.Kind.SNAPSHOT);
        assertThat(m.snapshot()).isEqualTo(new Marker.Snapshot("before refactor", target, "2", null));
        assertThat(m.worktree()).isEqualTo(wt.toString());
        assertThat(log.lines()).anyMatch(l -> l.startsWith("INFO Snapshot: " + target + " saved as snapshot 'before refactor' ("
                + saved.database() + ", "));

        exec(target, "DELETE FROM customer WHERE id = 1; INSERT INTO customer VALUES (3, 'Linus');"
                + "ALTER TABLE customer ADD COLUMN email text; DROP TABLE orders; CREATE TABLE junk(x int)");
        assertThat(dump(target)).isNotEqualTo(before);

        RestoreOperation.Result r = restore("before refactor");
        assertThat(r.done()).isTrue();
        assertThat(dump(target)).isEqualTo(before);
        assertThat(PG.comment(target)).isEqualTo(markerBefore.replaceAll("\"strategy\":\"[^\"]*\"", "\"strategy\":\""
                + Marker.parse(PG.comment(target)).orElseThrow().strategy() + "\""));
        assertThat(Marker.parse(PG.comment(target)).orElseThrow().kind()).isEqualTo(Marker.Kind.WORKTREE);
        assertThat(PG.owner(target)).isEqualTo(main.role());
        assertThat(PG.exists(saved.database())).as("the snapshot stays").isTrue();
        assertThat(PG.databasesStartingWithAfterDrops("wtdb_")).noneMatch(n -> n.contains(target));

        StatusReport status = new StatusOperation(ctx(config(wt).build()), Log.NONE, true).run();
        assertThat(status.snapshots()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("before refactor");
            assertThat(s.flywayVersion()).isEqualTo("2");
            assertThat(s.sizeBytes()).isPositive();
        });
        assertThat(status.otherDatabases()).extracting(StatusReport.OtherDatabase::name).doesNotContain(saved.database());
        assertThat(StatusText.render(status)).anyMatch(l -> l.startsWith("  before refactor ") && l.endsWith(" 2"));
    }

    @Test
    void theLatestIsRestoredByDefaultAndAnUnknownNameListsTheSnapshots() {
        snapshot("one");
        exec(target, "INSERT INTO customer VALUES (5, 'Edsger')");
        snapshot("two");
        exec(target, "DELETE FROM customer");
        restore(null);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("3");
        assertThatThrownBy(() -> restore("three")).isInstanceOf(WorktreeDbException.class)
                .hasMessageStartingWith("No snapshot of " + target + " is named 'three'. Its snapshots, oldest first: 'one' (")
                .hasMessageContaining("'two' (");
    }

    @Test
    void retentionDropsTheOldestAndSaysSoInOneLine() {
        for (String n : List.of("a", "b", "c")) {
            new SnapshotOperation(ctx(named(n, 2).build()), log, "test").run();
        }
        assertThat(PG.exists(target + "__a")).isFalse();
        assertThat(PG.exists(target + "__b")).isTrue();
        assertThat(PG.exists(target + "__c")).isTrue();
        assertThat(log.lines()).anyMatch(l -> l.startsWith("INFO Dropped the oldest snapshot of " + target
                + " to keep 2 (worktree-db.maxSnapshots): 'a' ("));
    }

    @Test
    void hostileAndUnusableNames() {
        for (String hostile : List.of("'; DROP DATABASE postgres; --", "../../etc/passwd", "\"x\" OR 1=1", "Ünïcödé 名前",
                "$(rm -rf ~)")) {
            SnapshotOperation.Result r = snapshot(hostile);
            assertThat(r.database()).matches("[a-z_][a-z0-9_]*");
            assertThat(r.database().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(63);
            assertThat(Marker.parse(PG.comment(r.database())).orElseThrow().snapshot().name()).isEqualTo(hostile);
        }
        assertThat(PG.exists("postgres")).isTrue();
        // names that differ only in case or punctuation get different databases
        assertThat(Snapshots.databaseName(target, "Before")).isNotEqualTo(Snapshots.databaseName(target, "before"))
                .isNotEqualTo(Snapshots.databaseName(target, "before!"));
        String longDb = "a".repeat(60);
        assertThat(Snapshots.databaseName(longDb, "x".repeat(100))).hasSizeLessThanOrEqualTo(63);
        assertThat(DatabaseNamer.isPlainIdentifier(Snapshots.databaseName(longDb, "20261130_120000"))).isTrue();
        for (String bad : List.of(" - . ", "!!!", "line\nbreak", "x".repeat(101))) {
            assertThatThrownBy(() -> snapshot(bad)).isInstanceOf(WorktreeDbException.class)
                    .hasMessageStartingWith("worktree-db.snapshot='").hasMessageContaining("cannot name a snapshot");
        }
        // a taken name is refused; force replaces it
        assertThatThrownBy(() -> snapshot("../../etc/passwd")).hasMessageContaining("exists already")
                .hasMessageContaining("-Dworktree-db.force=true");
        exec(target, "INSERT INTO customer VALUES (9, 'New')");
        SnapshotOperation.Result replaced = new SnapshotOperation(ctx(named("../../etc/passwd", 0).force(true).build()), log,
                "test").run();
        assertThat(PG.queryIn(replaced.database(), "SELECT count(*) FROM customer")).isEqualTo("3");
    }

    @Test
    void theMainDatabaseMaySnapshotButIsNeverRestoredInto() {
        SnapshotOperation.Result r = new SnapshotOperation(ctx(config(repo.root()).build()), log, "test").run();
        assertThat(r.database()).startsWith(main.database() + "__");
        assertThatThrownBy(() -> new RestoreOperation(ctx(config(repo.root()).yes(true).build()), log, Confirmation.NOBODY).run())
                .isInstanceOf(WorktreeDbException.class).hasMessageStartingWith("Refusing to restore " + main.database()
                        + ": it is the main database");
        PG.dropDatabase(r.database());
    }

    @Test
    void aProtectedDatabaseIsNeitherSnapshottedNorRestoredInto() {
        snapshot("kept");
        new ProtectOperation(ctx(config(wt).yes(true).build()), Log.NONE, Confirmation.NOBODY).protect();
        assertThatThrownBy(() -> snapshot("p")).hasMessageStartingWith("Refusing to snapshot " + target + ": it is protected");
        assertThatThrownBy(() -> restore("kept")).hasMessageStartingWith("Refusing to restore " + target + ": it is protected");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("2");
    }

    @Test
    void aDeclinedRestoreSaysSoAndChangesNothing() {
        snapshot("s");
        exec(target, "DELETE FROM customer");
        RestoreOperation.Result r = new RestoreOperation(ctx(named("s", 5).build()), log, Confirmation.NOBODY).run();
        assertThat(r.done()).isFalse();
        assertThat(log.lines()).contains("WARN Not done: Maven runs in batch mode. Add -Dworktree-db.yes=true to confirm.");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("0");
    }

    @Test
    void snapshotBeforeAFailingMigrationNamesTheSnapshotAndTheRestoreThatUndoesIt() {
        write(wt.resolve("src/main/resources/db/migration/V3__ok.sql"), "CREATE TABLE v3_table(x int);\n");
        write(wt.resolve("src/main/resources/db/migration/V4__bad.sql"), "SELECT nope FROM missing_table;\n");
        WorktreeDbConfig before = config(wt).snapshots(new SnapshotSettings(null, 5, true)).build();
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() ->
                new MigrateOperation(ctx(before), log, Confirmation.NOBODY).snapshotBefore("test").run());
        assertThat(failure).isInstanceOf(WorktreeDbException.class).hasMessageContaining("missing_table");
        String message = failure.getMessage();
        assertThat(message).containsPattern(target + " was saved just before this migrate as snapshot "
                + "'before_migrate_\\d{8}_\\d{6}'\\. To undo what the migration left behind, run: mvn worktree-db:restore "
                + "-Dworktree-db.snapshot=before_migrate_\\d{8}_\\d{6}");
        String name = message.replaceAll("(?s).*-Dworktree-db.snapshot=(before_migrate_\\d{8}_\\d{6}).*", "$1");
        assertThat(PG.queryIn(target, "SELECT to_regclass('v3_table') IS NOT NULL")).isEqualTo("t");
        restore(name);
        assertThat(PG.queryIn(target, "SELECT to_regclass('v3_table') IS NULL")).isEqualTo("t");
        assertThat(PG.queryIn(target, "SELECT max(version) FROM flyway_schema_history WHERE success")).isEqualTo("2");
    }

    @Test
    void snapshotBeforeAResetSavesTheStateTheResetReplaces() {
        exec(target, "INSERT INTO customer VALUES (7, 'Mine')");
        new ResetOperation(ctx(config(wt).yes(true).snapshots(new SnapshotSettings(null, 5, true)).build()), log,
                Confirmation.NOBODY, "test").run();
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 7")).isEqualTo("0");
        String name = log.lines().stream().filter(l -> l.startsWith("INFO Snapshot: " + target + " saved as snapshot 'before_reset_"))
                .findFirst().orElseThrow().replaceAll(".*'(before_reset_[0-9_]+)'.*", "$1");
        restore(name);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 7")).isEqualTo("1");
    }

    @Test
    void cleanupDropsAGoneWorktreesSnapshotsWithItsDatabase() {
        SnapshotOperation.Result s = snapshot("keep-me");
        Path other = repo.addWorktree(tmp.resolve("shop-live"), "live");
        repo.git("worktree", "remove", "--force", wt.toString());
        repo.git("branch", "-D", "feature/snap");
        CleanupOperation.Result r = new CleanupOperation(ctx(config(other).yes(true).build()), log, Confirmation.NOBODY,
                CleanupOperation.When.BRANCH_GONE, false).run(true);
        assertThat(r.dropped()).containsExactlyInAnyOrder(target, s.database());
        assertThat(r.candidates()).filteredOn(c -> c.snapshotOf() != null).singleElement()
                .satisfies(c -> assertThat(c.reason()).isEqualTo("snapshot 'keep-me' of " + target + ": branch feature/snap is gone"));
        assertThat(PG.exists(s.database())).isFalse();
    }

    private static void exec(String database, String sql) {
        try (var c = PG.admin(database); var st = c.createStatement()) {
            st.execute(sql);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static void write(Path file, String content) {
        try {
            java.nio.file.Files.writeString(file, content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
