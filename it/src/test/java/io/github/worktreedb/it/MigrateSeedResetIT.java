package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** {@code migrate}, {@code seed} and {@code reset} in real builds, real worktrees, against a real PostgreSQL. */
class MigrateSeedResetIT {

    static final TestPostgres PG = TestPostgres.get();

    /** clone in initialize, migrate + seed before integration tests, the schema version shown to a later plugin. */
    static final String LIFECYCLE = """
            <configuration>
              <baselineOnMigrate>true</baselineOnMigrate>
            </configuration>
            <executions>
              <execution>
                <id>database</id>
                <goals><goal>clone</goal><goal>migrate</goal><goal>seed</goal></goals>
              </execution>
            </executions>
          </plugin>
          <plugin>
            <artifactId>maven-resources-plugin</artifactId>
            <version>3.5.0</version>
            <executions>
              <execution>
                <id>show-schema</id>
                <phase>post-integration-test</phase>
                <goals><goal>copy-resources</goal></goals>
                <configuration>
                  <outputDirectory>${project.build.directory}/db</outputDirectory>
                  <resources><resource><directory>db-template</directory><filtering>true</filtering></resource></resources>
                </configuration>
              </execution>
            </executions>
            """;

    private static Sample sampleWithMigrations(String name) {
        Sample s = Sample.create(name, LIFECYCLE);
        s.repo.write("db-template/schema.properties", "schemaVersion=${worktree-db.schemaVersion}\n");
        s.repo.write("src/main/resources/db/migration/V2__loyalty.sql", """
                ALTER TABLE customer ADD COLUMN points int NOT NULL DEFAULT 0;
                CREATE FUNCTION add_points(c int, p int) RETURNS void LANGUAGE plpgsql AS $body$
                BEGIN
                  UPDATE customer SET points = points + p WHERE id = c;
                END;
                $body$;
                """);
        s.repo.write("src/main/resources/db/migration/V3__orders_index.sql",
                "CREATE INDEX CONCURRENTLY orders_total ON orders(total);\n");
        s.repo.write("src/main/resources/db/migration/V4__backfill.sql", """
                DO $$
                BEGIN
                  PERFORM add_points(id, 10) FROM customer WHERE id <= 3;
                END $$;
                """);
        s.repo.write("src/main/resources/db/seed/001_vip.sql",
                "INSERT INTO customer(id, name, points) VALUES (9001, 'VIP', 500);\n");
        s.repo.commitAll("loyalty migrations and seeds");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        return s;
    }

    @Test
    void boundBeforeIntegrationTestsItClonesMigratesAndSeedsOnceAndPublishesTheVersion() throws Exception {
        Sample s = sampleWithMigrations("lifecycle-db");
        Path wt = s.worktree("feature/loyalty");
        String target = s.main + "_feature_loyalty";

        MavenRunner.Result first = MavenRunner.run(wt, "verify");
        assertThat(first.succeeded()).as(first.log()).isTrue();
        assertThat(first.log()).contains("Cloned " + s.main + " → " + target)
                .containsPattern("Applied V2 loyalty \\(V2__loyalty.sql\\) in \\d+ ms")
                .contains("Migrated " + target + " to version 4 (3 migration(s)")
                .contains("Applied seed 001_vip.sql (1 statement(s))");
        assertThat(Files.readString(wt.resolve("target/db/schema.properties"))).isEqualTo("schemaVersion=4\n");
        assertThat(PG.queryIn(target, "SELECT sum(points) FROM customer")).isEqualTo("530");
        assertThat(PG.queryIn(target, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_total'::regclass")).isEqualTo("t");
        assertThat(PG.queryIn(s.main, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'points'")).isEqualTo("0");

        MavenRunner.Result second = MavenRunner.run(wt, "verify");
        assertThat(second.succeeded()).as(second.log()).isTrue();
        assertThat(second.log()).contains(target + " is up to date at version 4.")
                .contains("Seeded " + target + ": 0 file(s) applied, 1 already applied");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 9001")).isEqualTo("1");

        String history = Files.readString(s.repo.root().resolve(".git/worktree-db/history.log"));
        assertThat(history).contains("\tclone\t" + target + "\tcreated from " + s.main)
                .contains("\tmigrate\t" + target + "\tapplied 3, now at version 4\t")
                .contains("\tseed\t" + target + "\tapplied 001_vip.sql\t")
                .doesNotContain(s.password);
    }

    @Test
    void aFailingMigrationFailsTheBuildWithFileLineAndMessageAndIsRolledBack() {
        Sample s = sampleWithMigrations("failing-migration");
        Path wt = s.worktree("feature/broken");
        String target = s.main + "_feature_broken";
        assertThat(MavenRunner.run(wt, "verify").succeeded()).isTrue();
        s.repo.write("../" + wt.getFileName() + "/src/main/resources/db/migration/V5__broken.sql",
                "CREATE TABLE coupon(code text PRIMARY KEY);\nALTER TABLE customer ADD COLUMN tier text REFERENCES tiers(name);\n");
        MavenRunner.Result r = MavenRunner.run(wt, "verify");
        MavenRunner.assertCleanFailure(r, "V5__broken.sql failed at line 2: ERROR: relation \"tiers\" does not exist",
                "It was rolled back");
        // Maven appends the message of every cause to the error: none of Flyway's own text comes with it
        assertThat(r.log()).doesNotContain("Flyway with -X").doesNotContain("SQL State  :");
        assertThat(PG.queryIn(target, "SELECT to_regclass('coupon') IS NULL")).isEqualTo("t");
    }

    @Test
    void migrationsOnlyTheDatabaseHasWarnByDefaultAndFailInStrictMode() throws Exception {
        Sample s = sampleWithMigrations("strict");
        Path wt = s.worktree("feature/behind");
        assertThat(MavenRunner.run(wt, "verify").succeeded()).isTrue();
        String target = s.main + "_feature_behind";
        try (Connection c = PG.admin(target)) {
            // as if main had applied V5 to this copy's source and the copy was made afterwards
            c.createStatement().execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, "
                    + "checksum, installed_by, execution_time, success) VALUES (99, '5', 'from main', 'SQL', 'V5__from_main.sql', 0, "
                    + "'x', 1, true)");
        }
        MavenRunner.Result warn = MavenRunner.run(wt, "worktree-db:migrate");
        assertThat(warn.succeeded()).as(warn.log()).isTrue();
        assertThat(warn.log()).contains("[WARNING] " + target + " has 1 applied migration(s) that this branch does not have "
                + "(applied from main or another worktree): V5 from main. Merge main to get them.");
        MavenRunner.Result strict = MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.strictMigrations=true");
        assertThat(strict.succeeded()).isFalse();
        assertThat(strict.errors()).contains("V5 from main").contains("-Dworktree-db.strictMigrations=true");
    }

    @Test
    void theMainDatabaseIsGuardedInBatchModeAndMigratedWithYes() throws Exception {
        Sample s = sampleWithMigrations("main-guard");
        MavenRunner.Result batch = MavenRunner.run(s.repo.root(), "worktree-db:migrate");
        assertThat(batch.succeeded()).as(batch.log()).isTrue();
        assertThat(batch.log()).contains("[WARNING] Migrate the main database " + s.main + " with 3 pending migration(s):\n"
                + "[WARNING]   V2 loyalty (V2__loyalty.sql)\n[WARNING]   V3 orders index (V3__orders_index.sql)\n"
                + "[WARNING]   V4 backfill (V4__backfill.sql)\n")
                .contains("\n[WARNING] Not done: Maven runs in batch mode. Add -Dworktree-db.yes=true to confirm.\n");

        // interactive: a "no" and a closed standard input each say that nothing was done
        MavenRunner.Result declined = MavenRunner.runInteractive(s.repo.root(), "n\n", "worktree-db:migrate");
        assertThat(declined.succeeded()).as(declined.log()).isTrue();
        assertThat(declined.log()).contains("Continue? [y/N]").contains("\n[WARNING] Not done: declined at the prompt; nothing "
                + "was changed.");
        MavenRunner.Result unanswered = MavenRunner.runWithClosedInput(s.repo.root(), "worktree-db:migrate");
        assertThat(unanswered.succeeded()).as(unanswered.log()).isTrue();
        assertThat(unanswered.log()).contains("\n[WARNING] Not done: nobody answered the prompt (no console, standard input "
                + "closed). Add -Dworktree-db.yes=true to confirm.");

        // bound to the build, migrate and seed leave the main database alone in one line each, and never ask
        MavenRunner.Result build = MavenRunner.runWithClosedInput(s.repo.root(), "verify");
        assertThat(build.succeeded()).as(build.log()).isTrue();
        assertThat(build.log()).contains("[INFO] Skipping migrate: this build works on the main database " + s.main
                        + " (main worktree, branch main), which a goal bound to the build never changes. Run mvn "
                        + "worktree-db:migrate to migrate it (asks first).")
                .contains("[INFO] Skipping seed: this build works on the main database " + s.main)
                .doesNotContain("Continue? [y/N]").doesNotContain("Not done");
        assertThat(PG.queryIn(s.main, "SELECT to_regclass('flyway_schema_history') IS NULL")).isEqualTo("t");

        MavenRunner.Result yes = MavenRunner.run(s.repo.root(), "worktree-db:migrate", "-Dworktree-db.baselineOnMigrate=true",
                "-Dworktree-db.yes=true");
        assertThat(yes.succeeded()).as(yes.log()).isTrue();
        assertThat(PG.queryIn(s.main, "SELECT max(version::int) FROM flyway_schema_history")).isEqualTo("4");
    }

    @Test
    void resetIsGuardedThenRestoresTheMigratedAndSeededState() throws Exception {
        Sample s = sampleWithMigrations("reset");
        s.repo.write("web/package.json", "{\"scripts\":{\"migrate\":\"knex migrate:latest\"}}\n");
        s.repo.commitAll("a node app with its own migrations");
        Path wt = s.worktree("feature/reset");
        String target = s.main + "_feature_reset";
        MavenRunner.Result built = MavenRunner.run(wt, "verify");
        assertThat(built.log()).contains("Other migration tools in this repository")
                .contains("npm script 'migrate' (web/package.json): cd web && DATABASE_URL='postgresql://" + s.role + ":****@");
        try (Connection c = PG.admin(target)) {
            c.createStatement().execute("DELETE FROM orders; UPDATE customer SET points = 0");
        }

        MavenRunner.Result unconfirmed = MavenRunner.run(wt, "worktree-db:reset", "-Dworktree-db.baselineOnMigrate=true");
        assertThat(unconfirmed.succeeded()).as(unconfirmed.log()).isTrue();
        assertThat(unconfirmed.log()).contains("[WARNING] Reset " + target + ": copy " + s.main + " again and swap it in for the current one (").contains("Add -Dworktree-db.yes=true");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("0");

        MavenRunner.Result reset = MavenRunner.run(wt, "worktree-db:reset", "-Dworktree-db.baselineOnMigrate=true",
                "-Dworktree-db.yes=true");
        assertThat(reset.succeeded()).as(reset.log()).isTrue();
        assertThat(reset.log()).containsPattern("Reset " + target + ": copied from " + s.main + ", at version 4, 1 seed file\\(s\\) \\(");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("5000");
        assertThat(PG.queryIn(target, "SELECT sum(points) FROM customer")).isEqualTo("530");

        MavenRunner.Result remote = MavenRunner.run(wt, "worktree-db:reset", "-Dworktree-db.yes=true",
                "-Dworktree-db.url=postgres://" + s.role + "@db.staging.example.com:5432/" + s.main);
        assertThat(remote.succeeded()).isFalse();
        assertThat(remote.errors()).contains("Refusing to reset " + target + " on db.staging.example.com:5432: it is not this machine");
        assertThat(Files.readString(s.repo.root().resolve(".git/worktree-db/history.log"))).contains("\treset\t" + target + "\t");
    }

    @Test
    void aChangedSeedIsReportedAndAFailingSeedStopsTheBuildWithItsLine() throws Exception {
        Sample s = sampleWithMigrations("seeds");
        Path wt = s.worktree("feature/seeds");
        String target = s.main + "_feature_seeds";
        assertThat(MavenRunner.run(wt, "verify").succeeded()).isTrue();
        Path vip = wt.resolve("src/main/resources/db/seed/001_vip.sql");
        Files.writeString(vip, "INSERT INTO customer(id, name, points) VALUES (9001, 'VIP', 500), (9002, 'VIP 2', 700) "
                + "ON CONFLICT (id) DO NOTHING;\n");

        MavenRunner.Result changed = MavenRunner.run(wt, "worktree-db:seed");
        assertThat(changed.succeeded()).as(changed.log()).isTrue();
        assertThat(changed.log()).contains("[WARNING] Seed 001_vip.sql changed since it was applied")
                .contains("-Dworktree-db.reapplyChangedSeeds=true");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id > 9000")).isEqualTo("1");

        assertThat(MavenRunner.run(wt, "worktree-db:seed", "-Dworktree-db.reapplyChangedSeeds=true").succeeded()).isTrue();
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id > 9000")).isEqualTo("2");

        Files.writeString(wt.resolve("src/main/resources/db/seed/002_orders.sql"),
                "INSERT INTO orders VALUES (90001, 9001, 10.0);\n-- the next one points at no customer\nINSERT INTO orders VALUES (90002, 424242, 1.0);\n");
        MavenRunner.Result failing = MavenRunner.run(wt, "worktree-db:seed");
        assertThat(failing.succeeded()).isFalse();
        assertThat(failing.errors()).contains("002_orders.sql failed at line 3: ERROR: insert or update on table \"orders\" "
                + "violates foreign key constraint").contains("It was rolled back");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders WHERE id > 90000")).isEqualTo("0");
    }
}
