package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Production-grade goals: target=main, protect/unprotect, name-bound consent, in real builds against a real PostgreSQL. */
class ProductionIT {

    static final TestPostgres PG = TestPostgres.get();

    private static Sample sample(String name) {
        Sample s = Sample.create(name, "<configuration><baselineOnMigrate>true</baselineOnMigrate></configuration>");
        s.repo.write("src/main/resources/db/migration/V2__loyalty.sql",
                "ALTER TABLE customer ADD COLUMN points int NOT NULL DEFAULT 0;\n");
        s.repo.commitAll("a migration");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        return s;
    }

    @Test
    void targetMainOnADetachedHeadMigratesTheMainDatabaseAndCreatesNothingElse() {
        Sample s = sample("target-main");
        Path ci = s.repo.addDetachedWorktree(s.dir.resolve("ci-checkout"));
        List<String> before = PG.databasesStartingWith(s.main);

        MavenRunner.Result declined = MavenRunner.run(ci, "worktree-db:migrate", "-Dworktree-db.target=main");
        assertThat(declined.succeeded()).as(declined.log()).isTrue();
        assertThat(declined.log()).contains("Migrate the main database " + s.main + " with 1 pending migration(s):");

        MavenRunner.Result wrong = MavenRunner.run(ci, "worktree-db:migrate", "-Dworktree-db.target=main",
                "-Dworktree-db.confirm=" + s.main + "_ci");
        MavenRunner.assertCleanFailure(wrong, "-Dworktree-db.confirm=" + s.main + "_ci does not name the database this goal "
                + "acts on, " + s.main + ".");

        MavenRunner.Result r = MavenRunner.run(ci, "worktree-db:migrate", "-Dworktree-db.target=main",
                "-Dworktree-db.confirm=" + s.main, "-Dworktree-db.rehearse=true");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).containsPattern("Rehearsing on wtdb_rehearse_\\w+, a copy of " + s.main + " made in")
                .containsPattern("Rehearsal: V2 loyalty took \\d+ ms; held customer AccessExclusiveLock")
                .contains("Migrated " + s.main + " to version 2");
        assertThat(PG.databasesStartingWith("wtdb_rehearse_")).as("the rehearsal copy is dropped").isEmpty();
        assertThat(PG.queryIn(s.main, "SELECT max(version::int) FROM flyway_schema_history")).isEqualTo("2");
        assertThat(PG.databasesStartingWith(s.main)).as("no other database appears").isEqualTo(before);
    }

    @Test
    void aProtectedDatabaseRefusesEveryDestructiveGoalAndIsMigratedOnlyWithItsName() throws Exception {
        Sample s = sample("protected");
        Path wt = s.worktree("feature/prot");
        String target = s.main + "_feature_prot";
        assertThat(MavenRunner.run(wt, "worktree-db:clone", "worktree-db:migrate").succeeded()).isTrue();

        MavenRunner.Result p = MavenRunner.run(wt, "worktree-db:protect");
        assertThat(p.succeeded()).as(p.log()).isTrue();
        assertThat(p.log()).contains("Protected " + target + " (protected since ");
        assertThat(PG.queryIn(target, "SELECT database FROM worktree_db.protection")).isEqualTo(target);
        assertThat(PG.comment(target)).as("the ownership marker stays as it was").contains("\"tool\":\"worktree-db\"")
                .doesNotContain("\"protected");

        MavenRunner.assertCleanFailure(MavenRunner.run(wt, "worktree-db:reset", "-Dworktree-db.yes=true",
                "-Dworktree-db.auditFile=target/audit.jsonl"),
                "Refusing to reset " + target + ": it is protected (protected since");
        MavenRunner.assertCleanFailure(MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.force=true",
                "-Dworktree-db.yes=true"), "Refusing to drop and re-create " + target + ": it is protected");
        MavenRunner.Result cleanup = MavenRunner.run(wt, "worktree-db:cleanup", "-Dworktree-db.includeCurrent=true",
                "-Dworktree-db.yes=true");
        assertThat(cleanup.succeeded()).as(cleanup.log()).isTrue();
        assertThat(cleanup.log()).contains("kept " + target + ": this worktree's database (asked for), but it is protected since");
        assertThat(PG.exists(target)).isTrue();

        Files.writeString(wt.resolve("src/main/resources/db/migration/V3__tier.sql"), "ALTER TABLE customer ADD COLUMN tier text;\n");
        MavenRunner.Result yes = MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.yes=true");
        assertThat(yes.succeeded()).as(yes.log()).isTrue();
        assertThat(yes.log()).contains("Not done: " + target + " is protected (protected since")
                .contains("In batch mode add -Dworktree-db.confirm=" + target + " (-Dworktree-db.yes=true is not enough");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'tier'")).isEqualTo("0");

        MavenRunner.Result agent = MavenRunner.runWithEnv(wt, Map.of("CLAUDECODE", "1"), "worktree-db:migrate",
                "-Dworktree-db.yes=true");
        assertThat(agent.log()).contains("Not done: this build runs under a coding agent, Claude Code (CLAUDECODE), and "
                + target + " is protected");

        MavenRunner.assertCleanFailure(MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.confirm=" + s.main),
                "-Dworktree-db.confirm=" + s.main + " does not name the database this goal acts on, " + target);
        MavenRunner.Result named = MavenRunner.runWithEnv(wt, Map.of("CLAUDECODE", "1"), "worktree-db:migrate",
                "-Dworktree-db.confirm=" + target);
        assertThat(named.succeeded()).as(named.log()).isTrue();
        assertThat(named.log()).contains("Migrated " + target + " to version 3");

        String jsonl = Files.readString(s.repo.root().resolve(".git/worktree-db/history.jsonl"));
        assertThat(jsonl).contains("\"goal\":\"reset\",\"database\":\"" + target + "\",\"outcome\":\"refused\"")
                .contains("\"goal\":\"migrate\",\"database\":\"" + target + "\",\"outcome\":\"declined\"")
                .contains("\"outcome\":\"applied\",\"detail\":\"1 migration(s), now at version 3\",\"versions\":[\"V3\"],"
                        + "\"protectedDatabase\":true")
                .contains("\"agent\":\"Claude Code (CLAUDECODE)\"")
                .contains("\"goal\":\"cleanup\",\"database\":\"" + target + "\",\"outcome\":\"refused\"");
        assertThat(Files.readString(wt.resolve("target/audit.jsonl"))).as("the CI artifact")
                .contains("\"goal\":\"reset\",\"database\":\"" + target + "\",\"outcome\":\"refused\"");
        assertThat(PG.queryIn(target, "SELECT string_agg(goal || ':' || outcome, ',' ORDER BY id) FROM worktree_db.audit"))
                .as("the record inside the protected database").isEqualTo(
                        "protect:protected,reset:refused,clone:refused,cleanup:refused,migrate:declined,migrate:declined,"
                                + "migrate:applied");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM worktree_db.audit WHERE git_commit IS NOT NULL AND os_user IS NOT NULL"))
                .isEqualTo("7");

        MavenRunner.Result keep = MavenRunner.run(wt, "worktree-db:unprotect", "-Dworktree-db.yes=true");
        assertThat(keep.log()).contains("Not done: " + target + " is protected");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM worktree_db.protection")).isEqualTo("1");
        MavenRunner.Result un = MavenRunner.run(wt, "worktree-db:unprotect", "-Dworktree-db.confirm=" + target);
        assertThat(un.succeeded()).as(un.log()).isTrue();
        assertThat(un.log()).contains("Unprotected " + target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM worktree_db.protection")).isEqualTo("0");
    }

    @Test
    void lintJudgesPendingMigrationsOnlyAndALockTimeoutNamesTheBlockerAndLeavesNothingApplied() throws Exception {
        Sample s = Sample.create("lint", "<configuration><baselineOnMigrate>true</baselineOnMigrate></configuration>");
        s.repo.write("src/main/resources/db/migration/V2__total.sql", "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);\n");
        s.repo.commitAll("a migration");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/lint");
        String target = s.main + "_feature_lint";
        MavenRunner.Result first = MavenRunner.run(wt, "worktree-db:clone", "worktree-db:migrate");
        assertThat(first.succeeded()).as(first.log()).isTrue();
        assertThat(first.log()).contains("[WARNING] V2__total.sql:1: [column-type-change] ALTER TABLE orders ALTER COLUMN "
                + "total TYPE numeric(12,2) — changing a column's type usually rewrites the table");

        Files.writeString(wt.resolve("src/main/resources/db/migration/V3__risky.sql"), """
                CREATE INDEX orders_total ON orders(total);
                ALTER TABLE customer
                  DROP COLUMN name;
                -- renaming is fine here: nothing reads this column yet   worktree-db:ignore rename-column
                ALTER TABLE orders RENAME COLUMN total TO amount;
                """);
        MavenRunner.Result lint = MavenRunner.run(wt, "worktree-db:lint");
        assertThat(lint.succeeded()).as(lint.log()).isTrue();
        assertThat(lint.log()).contains("V3__risky.sql:1: [index-not-concurrent]").contains("V3__risky.sql:2: [drop-column]")
                .contains("lint: 1 pending migration(s) of " + target + " checked, 2 finding(s)")
                .doesNotContain("V2__total.sql").doesNotContain("[rename-column]");
        MavenRunner.assertCleanFailure(MavenRunner.run(wt, "worktree-db:lint", "-Dworktree-db.failOn=lint"),
                "lint: 2 finding(s) in pending migrations (-Dworktree-db.failOn=lint)");
        MavenRunner.assertCleanFailure(MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.failOn=lint"),
                "Nothing was applied to " + target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'customer' AND column_name = 'name'")).isEqualTo("1");
        MavenRunner.Result status = MavenRunner.run(wt, "worktree-db:status");
        assertThat(status.log()).contains("V3__risky.sql:2: [drop-column]");

        try (java.sql.Connection holder = PG.admin(target)) {
            holder.createStatement().execute("SET application_name = 'nightly-report'");
            holder.setAutoCommit(false);
            holder.createStatement().execute("LOCK TABLE customer IN ACCESS SHARE MODE");
            String pid = PG.queryIn(target, "SELECT pid FROM pg_stat_activity WHERE application_name = 'nightly-report'");
            MavenRunner.Result blocked = MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.lockTimeout=1s");
            MavenRunner.assertCleanFailure(blocked, "V3__risky.sql timed out",
                    "canceling statement due to lock timeout",
                    "It waited for a lock held by pid " + pid + " (application 'nightly-report', user ",
                    "It was rolled back; nothing of it is applied.");
            // the holder is another user's session: its state and times are hidden from this user, and said so
            assertThat(blocked.log()).doesNotContain(", null").doesNotContain("started null")
                    .contains("its state and times are visible only to that user or pg_read_all_stats")
                    .as("Flyway's deprecated initSql is not used").doesNotContain("initSql is deprecated")
                    .as("said once, without Flyway's block").doesNotContain("SQL State  :");
            holder.rollback();
        }
        assertThat(PG.queryIn(target, "SELECT to_regclass('orders_total') IS NULL")).isEqualTo("t");
        assertThat(PG.queryIn(target, "SELECT max(version::int) FROM flyway_schema_history")).isEqualTo("2");
        MavenRunner.Result retry = MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.lockTimeout=1s");
        assertThat(retry.succeeded()).as(retry.log()).isTrue();
        assertThat(PG.queryIn(target, "SELECT max(version::int) FROM flyway_schema_history")).isEqualTo("3");
    }
}
