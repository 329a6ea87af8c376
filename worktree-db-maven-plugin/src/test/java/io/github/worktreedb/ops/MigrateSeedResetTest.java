package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** migrate, seed and reset against the real test server, in real git worktrees. */
class MigrateSeedResetTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    TestPostgres.OwnedDatabase main;
    GitRepo repo;
    Path wt;
    String target;
    final RecordingLog log = new RecordingLog();
    final List<String> lines = log.lines();

    @BeforeEach
    void clonedWorktree() {
        main = PG.createOwnedDatabase("mig", r -> "pw-" + r, "CREATE TABLE customer(id int PRIMARY KEY, name text)");
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        repo.write("src/main/resources/db/migration/V2__function.sql", """
                CREATE FUNCTION customer_count() RETURNS bigint LANGUAGE plpgsql AS $fn$
                BEGIN
                  RETURN (SELECT count(*) FROM customer); -- a ';' inside the body
                END;
                $fn$;
                """);
        repo.write("src/main/resources/db/migration/V3__index.sql", "CREATE INDEX CONCURRENTLY customer_name ON customer(name);\n");
        repo.write("src/main/resources/db/migration/V4__do_block.sql", """
                DO $$
                BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'orders') THEN
                    CREATE TABLE orders(id int PRIMARY KEY, customer_id int REFERENCES customer);
                  END IF;
                END $$;
                """);
        repo.write("src/main/resources/db/seed/001_customers.sql",
                "INSERT INTO customer VALUES (1, 'Ada'), (2, 'Grace') ON CONFLICT DO NOTHING;\n");
        repo.write("src/main/resources/db/seed/002_orders.sql", "INSERT INTO orders VALUES (10, 1), (11, 2);\n");
        repo.commitAll("migrations and seeds");
        wt = repo.addWorktree(tmp.resolve("shop-mig"), "feature/mig");
        target = main.database() + "_feature_mig";
        new CloneOperation(context(config(wt).build()), Log.NONE, Confirmation.NOBODY, "test").run();
    }

    private WorktreeDbConfig.Builder config(Path dir) {
        return WorktreeDbConfig.builder(dir).migration(baselined(dir));
    }

    private static MigrationSettings baselined(Path dir) {
        return new MigrationSettings(List.of("filesystem:" + dir.resolve("src/main/resources/db/migration")), List.of(), null,
                Map.of(), true, "1", false, true, false);
    }

    private WorktreeContext context(WorktreeDbConfig config) {
        return WorktreeContext.resolve(config, log);
    }

    private MigrateOperation.Result migrate(WorktreeDbConfig config) {
        return new MigrateOperation(context(config), log, Confirmation.NOBODY).run();
    }

    private SeedOperation.Result seed(WorktreeDbConfig config) {
        return new SeedOperation(context(config), log, Confirmation.NOBODY).run();
    }

    @Test
    void migratesAClonedBaselinedDatabaseWithFunctionsConcurrentIndexesAndDoBlocks() throws Exception {
        MigrateOperation.Result r = migrate(config(wt).build());
        assertThat(r.version()).isEqualTo("4");
        assertThat(r.applied()).isEqualTo(3);
        assertThat(PG.queryIn(target, "SELECT customer_count()")).isEqualTo("0");
        assertThat(PG.queryIn(target, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'customer_name'::regclass")).isEqualTo("t");
        assertThat(PG.queryIn(target, "SELECT to_regclass('orders') IS NOT NULL")).isEqualTo("t");
        assertThat(PG.queryIn(main.database(), "SELECT to_regclass('orders') IS NULL")).isEqualTo("t");
        assertThat(lines).anyMatch(l -> l.matches("INFO Applied V2 function \\(V2__function.sql\\) in \\d+ ms"));
        assertThat(lines).anyMatch(l -> l.startsWith("INFO Migrated " + target + " to version 4 (3 migration(s), "));
        assertThat(Files.readString(repo.root().resolve(".git/worktree-db/history.log")))
                .contains("\tmigrate\t" + target + "\tapplied 3, now at version 4\t");

        lines.clear();
        assertThat(migrate(config(wt).build()).applied()).isZero();
        assertThat(lines).contains("INFO " + target + " is up to date at version 4.");
    }

    @Test
    void aFailingMigrationIsRolledBackAndNamesFileLineAndMessage() {
        migrate(config(wt).build());
        Path bad = wt.resolve("src/main/resources/db/migration/V5__bad.sql");
        write(bad, "CREATE TABLE half_done(x int);\nINSERT INTO half_done\n  SELECT nope FROM missing_table;\n");
        assertThatThrownBy(() -> migrate(config(wt).build()))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("Migration " + bad + " failed at line 2")
                .hasMessageContaining("relation \"missing_table\" does not exist")
                .hasMessageContaining("(SQL state 42P01)")
                .hasMessageContaining("It was rolled back");
        assertThat(PG.queryIn(target, "SELECT to_regclass('half_done') IS NULL")).isEqualTo("t");
        assertThat(PG.queryIn(target, "SELECT max(version) FROM flyway_schema_history WHERE success")).isEqualTo("4");
    }

    @Test
    void migrationsMissingInThisBranchAreListedOrFailInStrictMode() {
        migrate(config(wt).build());
        Path extra = wt.resolve("src/main/resources/db/migration/V5__from_main.sql");
        write(extra, "CREATE TABLE from_main(x int);\n");
        migrate(config(wt).build());
        delete(extra); // this branch does not have V5, the database does
        lines.clear();
        migrate(config(wt).build());
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("WARN " + target + " has 1 applied migration(s) that this "
                + "branch does not have (applied from main or another worktree): V5 from main. Merge main to get them."));

        MigrationSettings strict = new MigrationSettings(baselined(wt).locations(), List.of(), null, Map.of(), true, "1", false,
                true, true);
        assertThatThrownBy(() -> migrate(config(wt).migration(strict).build()))
                .hasMessageContaining("V5 from main").hasMessageContaining("-Dworktree-db.strictMigrations=true");
    }

    /**
     * A branch migration below a version this database already has (from main) is said once, with the new name the
     * order analysis suggests, not a second time as an order problem.
     */
    @Test
    void aMigrationBelowTheDatabasesVersionIsWarnedOnceWithTheSuggestedName() {
        migrate(config(wt).build());
        repo.write("src/main/resources/db/migration/V6__main_later.sql", "CREATE TABLE main_later(x int);\n");
        repo.commitAll("main moves on");
        Path fromMain = wt.resolve("src/main/resources/db/migration/V6__main_later.sql");
        write(fromMain, "CREATE TABLE main_later(x int);\n");
        migrate(config(wt).build()); // the database gets main's V6, as a clone made after main migrated would
        delete(fromMain);
        write(wt.resolve("src/main/resources/db/migration/V5__mine.sql"), "CREATE TABLE mine(x int);\n");
        lines.clear();
        migrate(config(wt).build());
        assertThat(lines).filteredOn(l -> l.contains("V5")).filteredOn(l -> l.startsWith("WARN"))
                .singleElement().asString()
                .contains("V5 (V5__mine.sql) of this branch is below version 6, which " + target + " already has")
                .contains("Rename it above 6 (e.g. V7__mine.sql), or apply out of order with -Dworktree-db.outOfOrder=true");
        assertThat(lines).noneMatch(l -> l.startsWith("WARN Order: V5__mine.sql"));
    }

    @Test
    void theMainDatabaseIsMigratedOnlyWhenConfirmed() {
        Path mainWt = repo.root();
        MigrateOperation.Result refused = migrate(config(mainWt).build());
        assertThat(refused.applied()).isZero();
        // the plan, one line per migration, then the outcome on a line of its own
        assertThat(lines).containsSequence("WARN Migrate the main database " + main.database() + " with 3 pending migration(s):",
                "WARN   V2 function (V2__function.sql)", "WARN   V3 index (V3__index.sql)", "WARN   V4 do block (V4__do_block.sql)");
        assertThat(lines).contains("WARN Not done: Maven runs in batch mode. Add -Dworktree-db.yes=true to confirm.");
        assertThat(PG.queryIn(main.database(), "SELECT to_regclass('flyway_schema_history') IS NULL")).isEqualTo("t");

        assertThat(migrate(config(mainWt).yes(true).build()).applied()).isEqualTo(3);
    }

    @Test
    void baselineOnMigrateWritesTheBaselineEvenWithNoMigrationAboveItAndStatusAgrees() {
        // a main database set up without Flyway; this branch's only migration is the one it was set up with
        Path onlyV1 = wt.resolve("db/only-v1");
        write(onlyV1.resolve("V1__init.sql"), "CREATE TABLE IF NOT EXISTS customer(id int PRIMARY KEY, name text);\n");
        MigrationSettings plain = new MigrationSettings(List.of("filesystem:" + onlyV1), List.of(), null, Map.of(), false, "1",
                false, true, false);
        MigrationSettings baseline = new MigrationSettings(plain.locations(), List.of(), null, Map.of(), true, "1", false, true,
                false);

        // without baselineOnMigrate: the plugin's property, not Flyway's advice
        assertThatThrownBy(() -> migrate(config(wt).migration(plain).build()))
                .hasMessageContaining(target + " has tables but no Flyway history table (flyway_schema_history)")
                .hasMessageContaining("-Dworktree-db.baselineOnMigrate=true")
                .hasMessageNotContaining("baselineOnMigrate to true").hasMessageNotContaining("baseline()");
        StatusReport before = new StatusOperation(context(config(wt).migration(baseline).build()), log, false).run();
        assertThat(before.problems()).contains("no Flyway history yet: mvn worktree-db:migrate records version 1 as the "
                + "baseline (baselineOnMigrate)");

        lines.clear();
        MigrateOperation.Result r = migrate(config(wt).migration(baseline).build());
        assertThat(r.version()).isEqualTo("1");
        assertThat(r.changed()).isTrue();
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("INFO Baselined " + target + " at version 1 "
                + "(worktree-db.baselineOnMigrate): Flyway's history now starts there; no migration is above it ("));
        assertThat(PG.queryIn(target, "SELECT type || ' ' || version FROM flyway_schema_history")).isEqualTo("BASELINE 1");

        // status agrees, with or without baselineOnMigrate; a second migrate has nothing to do
        for (MigrationSettings settings : List.of(plain, baseline)) {
            StatusReport after = new StatusOperation(context(config(wt).migration(settings).build()), log, false).run();
            assertThat(after.migrations().currentVersion()).isEqualTo("1");
            assertThat(after.migrations().pending()).isEmpty();
            assertThat(after.problems()).noneMatch(p -> p.contains("pending migration") || p.contains("baseline"));
        }
        lines.clear();
        assertThat(migrate(config(wt).migration(plain).build()).changed()).isFalse();
        assertThat(lines).contains("INFO " + target + " is up to date at version 1.");
    }

    @Test
    void flywaysAdviceBecomesThePluginsOwn() {
        migrate(config(wt).build());
        Path mig = wt.resolve("src/main/resources/db/migration");
        // a failing migration: no Flyway text in the message nor in any cause (Maven appends every cause's message)
        write(mig.resolve("V5__bad.sql"), "SELECT nope FROM nothing;\n");
        Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> migrate(config(wt).build()));
        assertThat(failed).hasMessageContaining("V5__bad.sql failed at line 1").hasNoCause();
        assertThat(failed.getSuppressed()).hasSize(1); // Flyway's own exception, for mvn -e
        assertThat(failed.getSuppressed()[0].getMessage()).contains("Run Flyway with -X option");

        // a placeholder without a value: the plugin's configuration element
        write(mig.resolve("V5__bad.sql"), "CREATE TABLE ${table_name}(x int);\n");
        assertThatThrownBy(() -> migrate(config(wt).build()))
                .hasMessageContaining(mig.resolve("V5__bad.sql") + ":1 uses the placeholder ${table_name}, which has no value")
                .hasMessageContaining("<placeholders><table_name>…</table_name></placeholders>")
                .hasMessageNotContaining("Check your configuration").hasMessageNotContaining("https://");

        // a migration that failed outside a transaction is recorded as failed: reset, not Flyway's "repair"
        write(mig.resolve("V5__bad.sql"), "CREATE INDEX CONCURRENTLY bad ON nothing(x);\n");
        assertThatThrownBy(() -> migrate(config(wt).build())).hasMessageContaining("It ran outside a transaction");
        lines.clear();
        assertThatThrownBy(() -> migrate(config(wt).build()))
                .hasMessageContaining("V5 bad failed earlier and is recorded as failed in flyway_schema_history")
                .hasMessageContaining("mvn worktree-db:reset").hasMessageNotContaining("repair");
        assertThat(lines).noneMatch(l -> l.contains("up to date"));
    }

    @Test
    void seedsApplyOnceReportChangesAndRollBackFailures() throws Exception {
        migrate(config(wt).build());
        SeedOperation.Result first = seed(config(wt).build());
        assertThat(first.applied()).isEqualTo(2);
        SeedOperation.Result second = seed(config(wt).build());
        assertThat(second.applied()).isZero();
        assertThat(second.alreadyApplied()).isEqualTo(2);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("2");

        write(wt.resolve("src/main/resources/db/seed/002_orders.sql"),
                "INSERT INTO orders VALUES (10, 1), (11, 2), (12, 2) ON CONFLICT DO NOTHING;\n");
        lines.clear();
        assertThat(seed(config(wt).build()).changed()).containsExactly("002_orders.sql");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("WARN Seed 002_orders.sql changed since it was applied"));
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("2");
        var reapply = config(wt).seed(new io.github.worktreedb.config.SeedSettings(
                List.of(wt.resolve("src/main/resources/db/seed")), true, null)).build();
        assertThat(seed(reapply).applied()).isEqualTo(1);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("3");

        Path bad = wt.resolve("src/main/resources/db/seed/003_bad.sql");
        write(bad, "INSERT INTO customer VALUES (3, 'Edsger');\n\nINSERT INTO orders VALUES\n  (13, 999);\n");
        assertThatThrownBy(() -> seed(config(wt).build()))
                .hasMessageContaining("Seed " + bad + " failed at line 3")
                .hasMessageContaining("violates foreign key constraint")
                .hasMessageContaining("It was rolled back");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 3")).isEqualTo("0");
    }

    @Test
    void resetIsGuardedAndRestoresTheMigratedAndSeededState() throws Exception {
        migrate(config(wt).build());
        seed(config(wt).build());
        PG.sql("SELECT 1");
        try (var c = PG.admin(target)) {
            c.createStatement().execute("DELETE FROM orders; INSERT INTO customer VALUES (99, 'scratch')");
        }
        ResetOperation.Result refused = new ResetOperation(context(config(wt).build()), log, Confirmation.NOBODY, "t").run();
        assertThat(refused.done()).isFalse();
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 99")).isEqualTo("1");

        try (var app = PG.connect(target, main.role(), main.password())) {
            ResetOperation.Result r = new ResetOperation(context(config(wt).yes(true).build()), log, Confirmation.NOBODY, "t").run();
            assertThat(r.done()).isTrue();
            assertThat(r.version()).isEqualTo("4");
            assertThat(r.seedsApplied()).isEqualTo(2);
            assertThat(app.isValid(2)).isFalse();
        }
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("INFO Reset " + target + ": copied from " + main.database()
                + ", at version 4, 2 seed file(s); ended its 1 open session(s) ("));
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 99")).isEqualTo("0");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("2");
        assertThat(PG.comment(target)).contains("\"tool\":\"worktree-db\"");
        assertThat(Files.readString(repo.root().resolve(".git/worktree-db/history.log"))).contains("\treset\t" + target + "\t");
    }

    @Test
    void resetFromEmptyRebuildsFromMigrationsAlone() {
        repo.write("src/main/resources/db/migration/V1__customer.sql", "CREATE TABLE customer(id int PRIMARY KEY, name text);\n");
        repo.commitAll("V1");
        Path fresh = repo.addWorktree(tmp.resolve("shop-empty"), "feature/empty");
        var settings = new MigrationSettings(List.of("filesystem:" + fresh.resolve("src/main/resources/db/migration")),
                List.of(), null, Map.of(), false, null, false, true, false);
        var cfg = WorktreeDbConfig.builder(fresh).migration(settings).fromEmpty(true).yes(true).build();
        ResetOperation.Result r = new ResetOperation(context(cfg), log, Confirmation.NOBODY, "t").run();
        assertThat(r.version()).isEqualTo("4");
        assertThat(PG.queryIn(main.database() + "_feature_empty", "SELECT count(*) FROM orders")).isEqualTo("2");
        assertThat(PG.comment(main.database() + "_feature_empty")).contains("\"strategy\":\"empty\"");
    }

    @Test
    void resetRefusesTheMainDatabaseUnmarkedDatabasesAndRemoteServers() {
        assertThatThrownBy(() -> new ResetOperation(context(config(repo.root()).yes(true).build()), log, Confirmation.NOBODY, "t").run())
                .hasMessageContaining("Refusing to reset " + main.database() + ": it is the main database");

        Path manual = repo.addWorktree(tmp.resolve("shop-manual"), "manual");
        PG.createDatabase(main.database() + "_manual", main.role(), "CREATE TABLE mine(x int)");
        assertThatThrownBy(() -> new ResetOperation(context(config(manual).yes(true).build()), log, Confirmation.NOBODY, "t").run())
                .hasMessageContaining("it was not created by worktree-db");
        assertThat(PG.exists(main.database() + "_manual")).isTrue();

        var remote = config(wt).url("postgres://app:pw@db.staging.example.com:5432/shop").yes(true).build();
        assertThatThrownBy(() -> new ResetOperation(context(remote), log, Confirmation.NOBODY, "t").run())
                .hasMessageContaining("Refusing to reset shop_feature_mig on db.staging.example.com:5432: it is not this machine")
                .hasMessageContaining("-Dworktree-db.allowRemote=true");
    }

    @Test
    void otherMigrationToolsGetTheirCommand() {
        repo.write("api/alembic.ini", "[alembic]\n");
        repo.write("web/package.json", "{\"name\":\"web\",\"scripts\":{\"build\":\"vite build\",\"db:migrate\":\"knex migrate:latest\"}}");
        repo.write("web/prisma/schema.prisma", "datasource db { provider = \"postgresql\" }\n");
        var spec = context(config(repo.root()).build()).main().spec().withDatabase("shop_x");
        List<String> commands = MigrationToolGuidance.commands(repo.root(), spec);
        assertThat(commands).anySatisfy(c -> assertThat(c).startsWith("Alembic (api/alembic.ini): cd api && DATABASE_URL='postgresql://"
                + main.role() + ":****@").endsWith("/shop_x' alembic upgrade head"));
        assertThat(commands).anySatisfy(c -> assertThat(c).startsWith("npm script 'db:migrate' (web/package.json): cd web && ")
                .endsWith(" npm run db:migrate"));
        assertThat(commands).anySatisfy(c -> assertThat(c).contains("npx prisma migrate deploy --schema web/prisma/schema.prisma"));
        assertThat(String.join("\n", commands)).doesNotContain(main.password());
    }

    @Test
    void migrateWaitsForAnotherRunOnTheSameDatabase() throws Exception {
        RecordingLog recording = new RecordingLog();
        List<String> seen = recording.lines();
        try (var other = PG.admin("postgres"); var hold = other.prepareStatement("SELECT pg_advisory_lock(?, hashtext(?))")) {
            hold.setInt(1, 0x77746462);
            hold.setString(2, target);
            hold.execute(); // "another run" holds the plugin's lock on this database
            var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                var run = pool.submit(() -> new MigrateOperation(context(config(wt).build()), recording, Confirmation.NOBODY).run());
                long deadline = System.currentTimeMillis() + 20_000;
                while (seen.stream().noneMatch(l -> l.startsWith("INFO Another worktree-db run is working on " + target))
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(seen).anyMatch(l -> l.startsWith("INFO Another worktree-db run is working on " + target + "; waiting"));
                Thread.sleep(300);
                assertThat(run.isDone()).isFalse();
                assertThat(PG.queryIn(target, "SELECT to_regclass('flyway_schema_history') IS NULL")).isEqualTo("t");
                other.createStatement().execute("SELECT pg_advisory_unlock_all()");
                assertThat(run.get(60, java.util.concurrent.TimeUnit.SECONDS).applied()).isEqualTo(3);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
