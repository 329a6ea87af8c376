package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Migration coordination across worktrees in real builds: real {@code git worktree add}, commits on several branches,
 * one real PostgreSQL. Version collisions and order problems between feature branches, seen from either worktree,
 * with a database per worktree and with {@code isolation=shared}.
 */
class CoordinationIT {

    static final TestPostgres PG = TestPostgres.get();
    static final String MIGRATIONS = "src/main/resources/db/migration/";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Writes {@code file} into worktree {@code wt} and, when {@code commit}, commits it on that worktree's branch. */
    private static void migration(Path wt, String file, String sql, boolean commit) throws Exception {
        Path f = wt.resolve(MIGRATIONS + file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, sql);
        if (commit) {
            GitRepo.run(wt, "add", "-A");
            GitRepo.run(wt, "commit", "-q", "-m", file);
        }
    }

    /** With {@code -Dit.show=true}, prints a build's log (the docs quote these runs). */
    private static MavenRunner.Result show(String what, MavenRunner.Result r) {
        if (Boolean.getBoolean("it.show")) {
            System.out.println("===== " + what + "\n" + r.log());
        }
        return r;
    }

    private static Sample sample(String name, String isolation) {
        Sample s = Sample.create(name, "<configuration><baselineOnMigrate>true</baselineOnMigrate><isolation>" + isolation
                + "</isolation></configuration>");
        s.repo.write(MIGRATIONS + "V2__points.sql", "ALTER TABLE customer ADD COLUMN points int;\n");
        s.repo.commitAll("V2");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        return s;
    }

    @Test
    void databasePerWorktreeCollisionsAndOrderBetweenTwoFeatureBranchesFromEitherWorktreeAndTheMergePreview()
            throws Exception {
        Sample s = sample("coord-db", "database");
        Path a = s.worktree("feat/a");
        Path b = s.worktree("feat/b");
        migration(a, "V5__a_feature.sql", "CREATE TABLE a_feature(x int);\n", true);
        migration(b, "V5__b_feature.sql", "CREATE TABLE b_feature(x int);\n", true);
        migration(b, "V6__b_more.sql", "CREATE TABLE b_more(x int);\n", false); // not committed: still seen
        s.repo.write(MIGRATIONS + "V3__main_later.sql", "CREATE TABLE main_later(x int);\n");
        s.repo.commitAll("main moves on");
        String bPath = "../" + b.getFileName();
        String aPath = "../" + a.getFileName();

        MavenRunner.Result migrate = show("a: clone + migrate", MavenRunner.run(a, "worktree-db:clone", "worktree-db:migrate"));
        assertThat(migrate.succeeded()).as(migrate.log()).isTrue();
        assertThat(migrate.log())
                .contains("[WARNING] Version collision: V5: here V5__a_feature.sql, on feat/b (worktree " + bPath
                        + ") V5__b_feature.sql. Rename one of them before both are merged.")
                .contains("[WARNING] Order: V5__a_feature.sql is below V6 (V6__b_more.sql on feat/b (worktree " + bPath
                        + ")): a database that applies V6 first skips V5 unless -Dworktree-db.outOfOrder=true. Rename it "
                        + "above V6, e.g. V7__a_feature.sql")
                .contains("Migrated " + s.main + "_feat_a to version 5");

        MavenRunner.Result fromA = show("a: status", MavenRunner.run(a, "worktree-db:status"));
        assertThat(fromA.succeeded()).as(fromA.log()).isTrue();
        assertThat(fromA.log()).contains("Coordination  (isolation=database)")
                .contains("compared with 1 other worktree(s): feat/b (" + bPath + ", 3 migration(s))")
                .contains("V5: here V5__a_feature.sql, on feat/b (worktree " + bPath + ") V5__b_feature.sql")
                .contains("merging main brings 1 below this database's version 5, applied only with "
                        + "-Dworktree-db.outOfOrder=true (V3 (V3__main_later.sql))")
                .contains("[!!] 1 migration version(s) also used by another worktree's branch or the shared database with "
                        + "another script: rename yours");

        MavenRunner.Result fromB = MavenRunner.run(b, "-q", "worktree-db:status", "-Dworktree-db.format=json");
        assertThat(fromB.succeeded()).as(fromB.log()).isTrue();
        JsonNode doc = JSON.readTree(fromB.log());
        JsonNode c = doc.at("/coordination");
        assertThat(c.at("/isolation").asText()).isEqualTo("database");
        assertThat(c.at("/comparedWith/0/branch").asText()).isEqualTo("feat/a");
        assertThat(c.at("/comparedWith/0/worktree").asText()).isEqualTo(aPath);
        assertThat(c.at("/collisions/0/version").asText()).isEqualTo("5");
        assertThat(c.at("/collisions/0/here").asText()).isEqualTo("V5__b_feature.sql");
        assertThat(c.at("/collisions/0/there").asText()).isEqualTo("V5__a_feature.sql");
        assertThat(c.at("/collisions/0/source").asText()).isEqualTo("worktree");
        assertThat(c.at("/collisions/0/branch").asText()).isEqualTo("feat/a");
        assertThat(c.at("/collisions/0/text").asText())
                .isEqualTo("V5: here V5__b_feature.sql, on feat/a (worktree " + aPath + ") V5__a_feature.sql");
        assertThat(c.at("/order").size()).isZero(); // b's versions are the highest
        assertThat(c.at("/mergePreview/branch").asText()).isEqualTo("main");
        assertThat(c.at("/mergePreview/toApply/0").asText()).isEqualTo("V3 (V3__main_later.sql)"); // b has no database

        MavenRunner.Result ci = show("b: status failOn", MavenRunner.run(b, "worktree-db:status", "-Dworktree-db.failOn=collision"));
        MavenRunner.assertCleanFailure(ci, "version collision: V5: here V5__b_feature.sql, on feat/a (worktree " + aPath
                + ") V5__a_feature.sql");
    }

    @Test
    void sharedDatabaseAcceptsOtherWorktreesMigrationsRefusesSameVersionOtherScriptAndRecordsTheOrigin() throws Exception {
        Sample s = sample("coord-shared", "shared");
        MavenRunner.Result onMain = MavenRunner.run(s.repo.root(), "worktree-db:migrate", "-Dworktree-db.yes=true");
        assertThat(onMain.succeeded()).as(onMain.log()).isTrue();
        Path b = s.worktree("feat/b");
        Path a = s.worktree("feat/a");
        migration(b, "V5__b_feature.sql", "CREATE TABLE b_feature(x int);\n", true);
        migration(a, "V5__a_feature.sql", "CREATE TABLE a_feature(x int);\n", true);
        String bPath = "../" + b.getFileName();
        String aPath = "../" + a.getFileName();
        String bHead = GitRepo.run(b, "rev-parse", "--short=10", "HEAD");

        // no clone, nothing to rewrite, and the main-database plan shows the coordination checks
        MavenRunner.Result plan = show("shared b: clone + migrate, batch", MavenRunner.run(b, "worktree-db:clone",
                "worktree-db:rewrite-env", "worktree-db:migrate"));
        assertThat(plan.succeeded()).as(plan.log()).isTrue();
        assertThat(plan.log()).contains("isolation=shared: every worktree uses the main database " + s.main
                        + " itself, so there is nothing to clone.")
                .contains("isolation=shared: every worktree uses the main database " + s.main + ", so rewrite-env has "
                        + "nothing to change.")
                .contains("Migrate the main database " + s.main + " with 1 pending migration(s):")
                .contains("Coordination checks:")
                // the main worktree is on main: compared as the main branch
                .contains("compared with 1 other worktree(s): feat/a (" + aPath + ")")
                .contains("1 version collision(s) with other worktrees (warned above)")
                .contains("order: ok")
                .contains("Not done: Maven runs in batch mode.");
        assertThat(PG.queryIn(s.main, "SELECT to_regclass('public.b_feature')")).isNull();

        MavenRunner.Result applyB = show("shared b: migrate -yes", MavenRunner.run(b, "worktree-db:migrate", "-Dworktree-db.yes=true"));
        assertThat(applyB.succeeded()).as(applyB.log()).isTrue();
        assertThat(PG.queryIn(s.main, "SELECT branch || ' ' || worktree || ' ' || commit_id FROM worktree_db.migration_origin "
                + "WHERE version = '5'")).startsWith("feat/b ").contains(b.getFileName().toString()).endsWith(" " + bHead);
        Path c = s.worktree("feat/c");
        Path d = s.worktree("feat/d");
        migration(c, "V6__c_feature.sql", "CREATE TABLE c_feature(x int);\n", true);
        migration(d, "V4__d_feature.sql", "CREATE TABLE d_feature(x int);\n", true);

        // the same version with another script: refused, naming both files and who applied it
        MavenRunner.Result refusedA = show("shared a: migrate", MavenRunner.run(a, "worktree-db:migrate", "-Dworktree-db.yes=true"));
        MavenRunner.assertCleanFailure(refusedA, "Refusing to migrate the shared database " + s.main + ": V5: here "
                + "V5__a_feature.sql, applied to the shared database from feat/b (worktree " + bPath + ", commit " + bHead
                + ") as V5__b_feature.sql");
        assertThat(PG.queryIn(s.main, "SELECT to_regclass('public.a_feature')")).isNull();

        // a migration another worktree applied, that this branch lacks: accepted and listed with where it came from
        MavenRunner.Result applyC = show("shared c: migrate", MavenRunner.run(c, "worktree-db:migrate", "-Dworktree-db.yes=true"));
        assertThat(applyC.succeeded()).as(applyC.log()).isTrue();
        assertThat(applyC.log()).contains("Accepted as applied: 1 migration(s) the shared database has from other worktrees "
                + "and this branch lacks:").contains("V5 (V5__b_feature.sql) applied from feat/b (worktree " + bPath
                + ", commit " + bHead + " at ").contains("Migrated " + s.main + " to version 6");

        // below the shared database's version: explained, and applied only with outOfOrder
        MavenRunner.Result refusedD = show("shared d: migrate", MavenRunner.run(d, "worktree-db:migrate", "-Dworktree-db.yes=true"));
        MavenRunner.assertCleanFailure(refusedD, "Refusing to migrate the shared database " + s.main + ": V4 "
                + "(V4__d_feature.sql) of this branch is below version 6, which " + s.main + " already has");
        assertThat(refusedD.errors()).contains("-Dworktree-db.outOfOrder=true");
        MavenRunner.Result applyD = MavenRunner.run(d, "worktree-db:migrate", "-Dworktree-db.yes=true",
                "-Dworktree-db.outOfOrder=true");
        assertThat(applyD.succeeded()).as(applyD.log()).isTrue();
        assertThat(PG.queryIn(s.main, "SELECT branch FROM worktree_db.migration_origin WHERE version = '4'")).isEqualTo("feat/d");

        // status shows the origins, the accepted migrations and the collision, from the colliding worktree
        MavenRunner.Result status = MavenRunner.run(a, "-q", "worktree-db:status", "-Dworktree-db.format=json");
        assertThat(status.succeeded()).as(status.log()).isTrue();
        JsonNode coord = JSON.readTree(status.log()).at("/coordination");
        assertThat(coord.at("/isolation").asText()).isEqualTo("shared");
        assertThat(coord.at("/origins").findValuesAsText("version")).contains("2", "4", "5", "6");
        assertThat(coord.at("/collisions").findValuesAsText("source")).contains("worktree", "database");
        assertThat(coord.at("/appliedElsewhere").findValuesAsText("version")).containsExactly("4", "6");
        assertThat(coord.at("/appliedElsewhere/0/branch").asText()).isEqualTo("feat/d");
        MavenRunner.Result text = show("shared a: status", MavenRunner.run(a, "worktree-db:status"));
        assertThat(text.log()).contains("Coordination  (isolation=shared)")
                .contains("V5: here V5__a_feature.sql, applied to the shared database from feat/b (worktree " + bPath)
                .contains("V5 V5__b_feature.sql  feat/b, ")
                .contains("this worktree uses the main database")
                // said once, under Coordination: not as "merge main" or as Flyway's changed checksum
                .contains("[ok] applied from other worktrees, accepted (see Coordination)")
                .doesNotContain("missing in this branch (merge main)")
                .doesNotContain("checksum changed since applied");
        assertThat(JSON.readTree(status.log()).at("/migrations/checksumMismatch")).isEmpty();
    }
}
