package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Dotenv;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

/** {@code rewrite-env} in real builds and real linked worktrees. */
class RewriteEnvIT {

    static final TestPostgres PG = TestPostgres.get();

    static final String BOUND = """
            <executions>
              <execution>
                <goals><goal>clone</goal><goal>rewrite-env</goal></goals>
              </execution>
            </executions>
            """;

    @Test
    void boundWithCloneItGivesANewWorktreeWorkingEnvFilesAndStaysPutOnTheNextBuild() throws Exception {
        Sample s = Sample.create("rewrite", BOUND);
        String backend = "# backend\nexport DATABASE_URL=\"" + s.databaseUrl() + "\"\nANALYTICS_DATABASE_URL=postgres://x@localhost:"
                + PG.port() + "/analytics\nPORT=8080\n";
        String frontend = "VITE_API=http://localhost:8080\r\nDB_HOST=localhost\r\nDB_PORT=" + PG.port() + "\r\nDB_NAME=" + s.main
                + "\r\n";
        s.repo.write("backend/.env", backend);
        s.repo.write("frontend/.env.local", frontend);
        Path wt = s.worktree("feature/rewrite");
        String target = s.main + "_feature_rewrite";

        MavenRunner.Result first = MavenRunner.run(wt, "initialize");
        assertThat(first.succeeded()).as(first.log()).isTrue();
        assertThat(first.log()).contains("Copied backend/.env from the main worktree")
                .contains("Copied frontend/.env.local from the main worktree")
                .contains("rewrite-env: changed 2 value(s) in 2 file(s) for " + target);
        assertThat(Files.readString(wt.resolve("backend/.env"))).isEqualTo(backend.replace("/" + s.main + "\"", "/" + target + "\""));
        assertThat(Files.readString(wt.resolve("frontend/.env.local"))).isEqualTo(frontend.replace("DB_NAME=" + s.main, "DB_NAME=" + target));
        assertThat(Files.readString(s.repo.root().resolve("backend/.env"))).isEqualTo(backend);
        assertThat(Files.readString(s.repo.root().resolve("frontend/.env.local"))).isEqualTo(frontend);

        // what the application would now connect to is this worktree's database, with the same credentials
        String url = Dotenv.load(wt.resolve("backend/.env"), "backend/.env").get("DATABASE_URL").orElseThrow().value();
        var spec = DatabaseUrls.parse(url);
        try (Connection c = PG.connect(spec.database(), spec.user(), spec.password())) {
            assertThat(c.getCatalog()).isEqualTo(target);
        }

        MavenRunner.Result second = MavenRunner.run(wt, "initialize");
        assertThat(second.succeeded()).as(second.log()).isTrue();
        // the file that was read, by its real path: the original rewrite-env kept in the worktree's git dir
        Path backup = Path.of(Files.readString(wt.resolve(".git")).replace("gitdir:", "").strip())
                .resolve("worktree-db/backup/backend/.env");
        assertThat(backup).hasContent(backend);
        assertThat(second.log()).contains("Main database " + s.main + " found in " + backup + ":2 (DATABASE_URL) - the "
                        + "original of backend/.env, kept by rewrite-env")
                .contains("Database " + target + " already exists")
                .contains("already point(s) at " + target + "; nothing to change");
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main, target);
    }

    @Test
    void dryRunShowsAMaskedDiffAndChangesNothing() throws Exception {
        Sample s = Sample.create("rewrite-dry");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/dry");
        MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:rewrite-env", "-Dworktree-db.dryRun=true");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("[dry run] Would copy .env from the main worktree")
                .contains("-DATABASE_URL=postgres://" + s.role + ":****@localhost:" + PG.port() + "/" + s.main)
                .contains("+DATABASE_URL=postgres://" + s.role + ":****@localhost:" + PG.port() + "/" + s.main + "_feature_dry");
        assertThat(wt.resolve(".env")).doesNotExist();
    }

    @Test
    void aCommittedEnvFileIsLeftAndTheOverrideIsExplained() throws Exception {
        Sample s = Sample.create("rewrite-tracked");
        String committed = "DB_HOST=localhost\nDB_PORT=" + PG.port() + "\nDB_NAME=" + s.main + "\nDB_USER=" + s.role + "\n";
        s.repo.write("backend/.env", committed);
        String props = "spring.datasource.url=jdbc:postgresql://localhost:" + PG.port() + "/" + s.main + "\n";
        s.repo.write("src/main/resources/application.properties", props);
        s.repo.git("add", "-f", "backend/.env");
        s.repo.commitAll("commit the backend settings");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/tracked");
        // a committed env file names the main database: the goal fails (nothing else would stop the application from
        // using main), says which file and line, and how to override it; nothing is written
        MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:rewrite-env");
        MavenRunner.assertCleanFailure(r, "rewrite-env cannot point every env value at " + s.main + "_feature_tracked:");
        assertThat(r.log()).contains("backend/.env:3 is tracked by git, so rewrite-env never changes it, but it names the "
                + "main database " + s.main).contains("DB_NAME=" + s.main + "_feature_tracked")
                .contains("-Dworktree-db.overrideEnvFile=.env.local");
        assertThat(Files.readString(wt.resolve("backend/.env"))).isEqualTo(committed);
        assertThat(wt.resolve(".env")).doesNotExist();

        MavenRunner.Result withOverride = MavenRunner.run(wt, "worktree-db:rewrite-env", "-Dworktree-db.overrideEnvFile=.env.local");
        assertThat(withOverride.succeeded()).as(withOverride.log()).isTrue();
        assertThat(withOverride.log()).contains("src/main/resources/application.properties:1 (spring.datasource.url) names "
                + "the main database " + s.main);
        assertThat(Files.readString(wt.resolve(".env.local"))).isEqualTo("""
                # for this worktree's database, written by worktree-db rewrite-env
                DB_NAME=%s_feature_tracked
                SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:%d/%s_feature_tracked
                """.formatted(s.main, PG.port(), s.main));
        assertThat(Files.readString(wt.resolve("backend/.env"))).isEqualTo(committed);
        assertThat(Files.readString(wt.resolve("src/main/resources/application.properties"))).isEqualTo(props);
        assertThat(s.repo.git("-C", wt.toString(), "status", "--porcelain")).isEmpty();
    }

    @Test
    void portsAreSpreadPerWorktreeAndStayPut() throws Exception {
        Sample s = Sample.create("rewrite-ports");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\nPORT=3000\nVITE_PORT=\"5173\"\nOTHER_PORT=9000\n");
        Path first = s.worktree("feature/one");
        Path second = s.worktree("feature/two");
        String[] args = {"worktree-db:rewrite-env", "-Dworktree-db.ports=PORT,VITE_PORT"};
        assertThat(MavenRunner.run(first, args).succeeded()).isTrue();
        MavenRunner.Result r = MavenRunner.run(second, args);
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("Port index of this worktree: 2 (PORT, VITE_PORT + 20)");
        assertThat(Files.readString(first.resolve(".env"))).contains("PORT=3010\nVITE_PORT=\"5183\"\nOTHER_PORT=9000\n");
        assertThat(Files.readString(second.resolve(".env"))).contains("PORT=3020\nVITE_PORT=\"5193\"\nOTHER_PORT=9000\n");
        String before = Files.readString(first.resolve(".env"));
        assertThat(MavenRunner.run(first, args).log()).contains("already point(s) at");
        assertThat(Files.readString(first.resolve(".env"))).isEqualTo(before);
        assertThat(Files.readString(s.repo.root().resolve(".env"))).contains("PORT=3000\nVITE_PORT=\"5173\"");
    }
}
