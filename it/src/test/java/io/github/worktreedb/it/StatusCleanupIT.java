package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** {@code status} and {@code cleanup} in real builds with several real worktrees. */
class StatusCleanupIT {

    static final TestPostgres PG = TestPostgres.get();
    static final String MIGRATIONS = "src/main/resources/db/migration/";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void statusAsTextAndAsOneJsonDocumentAndFailOnForCi() throws Exception {
        Sample s = Sample.create("status", "<configuration><baselineOnMigrate>true</baselineOnMigrate></configuration>");
        s.repo.write(MIGRATIONS + "V2__points.sql", "ALTER TABLE customer ADD COLUMN points int;\n");
        s.repo.commitAll("V2");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/status");
        s.repo.write("../" + wt.getFileName() + "/" + MIGRATIONS + "V3__mine.sql", "CREATE TABLE mine(x int);\n");
        s.repo.write(MIGRATIONS + "V3__theirs.sql", "CREATE TABLE theirs(x int);\n");
        s.repo.write(MIGRATIONS + "V4__later.sql", "CREATE TABLE later(x int);\n");
        s.repo.commitAll("main moves on");
        assertThat(MavenRunner.run(wt, "worktree-db:clone", "worktree-db:migrate").succeeded()).isTrue();
        String target = s.main + "_feature_status";

        MavenRunner.Result text = MavenRunner.run(wt, "worktree-db:status");
        assertThat(text.succeeded()).as(text.log()).isTrue();
        assertThat(text.log()).contains("[INFO] Database       " + target + "  [ok] ")
                .contains("[INFO]   .env                      [!!] only in the main worktree: run mvn worktree-db:rewrite-env")
                .contains("[INFO] [!!] .env is only in the main worktree: run mvn worktree-db:rewrite-env (copies it, pointed at "
                        + target + ")")
                .doesNotContain("backend/.env") // in neither worktree, and not configured: not listed
                .contains("current 3, applied 3, pending 0, failed 0") // the baseline counts as applied
                .contains("V3: here V3__mine.sql, on main V3__theirs.sql")
                .contains("V4 (V4__later.sql)")
                .contains("[!!] 1 migration version(s) also used on the main branch: rename yours before merging")
                .contains("[!!] the main branch has 1 migration(s) this branch lacks: merge main")
                .doesNotContain("nothing to do");

        MavenRunner.Result json = MavenRunner.run(wt, "-q", "worktree-db:status", "-Dworktree-db.format=json",
                "-Dworktree-db.all=true");
        assertThat(json.succeeded()).as(json.log()).isTrue();
        JsonNode doc = JSON.readTree(json.log()); // the whole of standard output is one JSON document
        assertThat(doc.at("/worktree/branch").asText()).isEqualTo("feature/status");
        assertThat(doc.at("/worktree/mainWorktree").asBoolean()).isFalse();
        assertThat(doc.at("/mainDatabase/name").asText()).isEqualTo(s.main);
        assertThat(doc.at("/mainDatabase/foundIn").asText()).endsWith("/.env:1 (DATABASE_URL)");
        assertThat(doc.at("/database/name").asText()).isEqualTo(target);
        assertThat(doc.at("/database/exists").asBoolean()).isTrue();
        assertThat(doc.at("/database/createdFrom").asText()).isEqualTo(s.main);
        assertThat(doc.at("/database/sizeBytes").asLong()).isPositive();
        assertThat(doc.at("/envFiles/0/file").asText()).isEqualTo(".env");
        assertThat(doc.at("/envFiles/0/pointsAt").asText()).isEqualTo("notCopied");
        assertThat(doc.at("/envFiles").size()).isEqualTo(1);
        assertThat(doc.at("/migrations/currentVersion").asText()).isEqualTo("3");
        assertThat(doc.at("/migrations/applied").asInt()).isEqualTo(3);
        assertThat(doc.at("/migrations/versionCollisions/0").asText()).isEqualTo("V3: here V3__mine.sql, on main V3__theirs.sql");
        assertThat(doc.at("/migrations/onMainNotHere/0").asText()).isEqualTo("V4 (V4__later.sql)");
        assertThat(doc.at("/otherDatabases/0/name").asText()).isEqualTo(target);
        assertThat(doc.at("/otherDatabases/0/current").asBoolean()).isTrue();
        assertThat(doc.at("/problems").toString()).contains("rename yours before merging").contains("merge main");
        assertThat(json.log()).doesNotContain(s.password);

        MavenRunner.Result ci = MavenRunner.run(wt, "worktree-db:status", "-Dworktree-db.failOn=collision");
        assertThat(ci.succeeded()).isFalse();
        assertThat(ci.errors()).contains("version collision(s) with the main branch: V3: here V3__mine.sql, on main V3__theirs.sql");
    }

    @Test
    void cleanupShowsThePlanInBatchModeAndDropsOnlyTheStaleOwnedDatabaseWhenConfirmed() throws Exception {
        Sample s = Sample.create("cleanup");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path live = s.worktree("feature/live");
        Path merged = s.worktree("feature/merged");
        Path busy = s.worktree("feature/busy");
        for (Path wt : new Path[] {live, merged, busy}) {
            assertThat(MavenRunner.run(wt, "worktree-db:clone").succeeded()).isTrue();
        }
        PG.createDatabase(s.main + "_feature_lookalike", s.role, null);
        s.repo.git("worktree", "remove", "--force", merged.toString());
        s.repo.git("branch", "-D", "feature/merged");
        s.repo.git("worktree", "remove", "--force", busy.toString());
        s.repo.git("branch", "-D", "feature/busy");

        try (Connection session = PG.connect(s.main + "_feature_busy", s.role, s.password)) {
            MavenRunner.Result plan = MavenRunner.run(live, "worktree-db:cleanup");
            assertThat(plan.succeeded()).as(plan.log()).isTrue();
            assertThat(plan.log()).containsPattern(s.main + "_feature_merged +[0-9.]+ [kMG]?B +branch feature/merged is gone")
                    .contains("kept " + s.main + "_feature_busy: branch feature/busy is gone, but 1 session(s) are open on it")
                    .contains("kept " + s.main + "_feature_live: this worktree's database")
                    .contains("Add -Dworktree-db.yes=true to confirm.");
            assertThat(PG.exists(s.main + "_feature_merged")).isTrue();

            MavenRunner.Result asJson = MavenRunner.run(live, "-q", "worktree-db:cleanup", "-Dworktree-db.format=json");
            JsonNode doc = JSON.readTree(asJson.log());
            assertThat(doc.at("/candidates/0/name").asText()).isEqualTo(s.main + "_feature_merged");
            assertThat(doc.at("/candidates/0/reason").asText()).isEqualTo("branch feature/merged is gone");
            assertThat(doc.at("/confirmed").asBoolean()).isFalse();
            assertThat(doc.at("/dropped").size()).isZero();

            MavenRunner.Result yes = MavenRunner.run(live, "worktree-db:cleanup", "-Dworktree-db.yes=true");
            assertThat(yes.succeeded()).as(yes.log()).isTrue();
            assertThat(yes.log()).contains("Dropped " + s.main + "_feature_merged").contains("cleanup: dropped 1 database(s)");
            assertThat(session.isValid(2)).isTrue();
        }
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main, s.main + "_feature_busy",
                s.main + "_feature_live", s.main + "_feature_lookalike");
    }

    @Test
    void boundToPostIntegrationTestItRemovesTheJobsDatabase() {
        Sample s = Sample.create("ci-job", """
                <executions>
                  <execution>
                    <id>job-database</id>
                    <goals><goal>clone</goal></goals>
                  </execution>
                  <execution>
                    <id>drop-job-database</id>
                    <phase>post-integration-test</phase>
                    <goals><goal>cleanup</goal></goals>
                    <configuration>
                      <includeCurrent>true</includeCurrent>
                      <yes>true</yes>
                    </configuration>
                  </execution>
                </executions>
                """);
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        s.repo.git("checkout", "-q", "-b", "ci/job-42"); // a CI checkout: the main worktree on the job's branch
        MavenRunner.Result r = MavenRunner.run(s.repo.root(), "verify");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("Cloned " + s.main + " → " + s.main + "_ci_job_42")
                .contains("Dropped " + s.main + "_ci_job_42 (").contains("this worktree's database (asked for)");
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main);
    }
}
