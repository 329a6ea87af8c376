package io.github.worktreedb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Looking for the main database on a real server when no env file names one. */
class CandidateScanTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    @Test
    void listsDatabasesNamedLikeTheProjectAndThoseWhoseFlywayHistoryMatchesItsMigrations() throws Exception {
        String project = TestPostgres.uniqueName("inventory");
        String byName = project + "_dev";
        String byHistory = TestPostgres.uniqueName("legacy");
        String unrelated = TestPostgres.uniqueName("other");
        TestPostgres.OwnedDatabase owner = PG.createOwnedDatabase("scan", r -> "pw-" + r, null);
        PG.createDatabase(byName, owner.role(), null);
        PG.createDatabase(byHistory, owner.role(), """
                CREATE TABLE flyway_schema_history(installed_rank int, version varchar(50), success boolean);
                INSERT INTO flyway_schema_history VALUES (1, '1', true), (2, '2', true), (3, '7', true);
                """);
        PG.createDatabase(unrelated, owner.role(), "CREATE TABLE flyway_schema_history(version varchar(50), success boolean)");
        try {
            Path migrations = Files.createDirectories(tmp.resolve(project + "/src/main/resources/db/migration"));
            Files.writeString(migrations.resolve("V1__init.sql"), "SELECT 1;");
            Files.writeString(migrations.resolve("V2__more.sql"), "SELECT 1;");
            Files.writeString(migrations.resolve("V3__next.sql"), "SELECT 1;");
            WorktreeDbConfig config = WorktreeDbConfig.builder(tmp.resolve(project)).build();
            ConnectionSpec server = DatabaseUrls.parse(PG.url(owner)).withDatabase(null);
            List<CandidateScan.Candidate> found = CandidateScan.scan(server, config, List.of(project));
            assertThat(found).extracting(CandidateScan.Candidate::name).contains(byHistory, byName).doesNotContain(unrelated);
            // the Flyway history is the stronger evidence
            assertThat(found.get(0).name()).isEqualTo(byHistory);
            assertThat(found.get(0).why()).isEqualTo("its Flyway history has 2 of this project's 3 migration(s)");
            assertThat(found).filteredOn(c -> c.name().equals(byName)).singleElement()
                    .satisfies(c -> assertThat(c.why()).isEqualTo("name like '" + project + "'"));
        } finally {
            PG.dropDatabase(byName);
            PG.dropDatabase(byHistory);
            PG.dropDatabase(unrelated);
            PG.dropDatabase(owner.database());
        }
    }

    @Test
    void theServerIsLibpqsOwn() {
        WorktreeDbConfig config = WorktreeDbConfig.builder(tmp).build();
        ConnectionSpec fromEnv = CandidateScan.server(config, Map.of("PGHOST", "db.internal", "PGPORT", "6543", "PGUSER", "app"));
        assertThat(fromEnv.primary()).isEqualTo(new ConnectionSpec.HostPort("db.internal", 6543));
        assertThat(fromEnv.user()).isEqualTo("app");
        ConnectionSpec defaults = CandidateScan.server(config, Map.of());
        assertThat(defaults.primary()).isEqualTo(new ConnectionSpec.HostPort("localhost", 5432));
        assertThat(defaults.user()).isEqualTo(System.getProperty("user.name"));
    }

    @Test
    void aServerThatDoesNotAnswerIsNamedInOneLine() {
        WorktreeDbConfig config = WorktreeDbConfig.builder(tmp).build();
        String report = CandidateScan.report(config, io.github.worktreedb.git.GitWorktree.of(initRepo(), null),
                Map.of("PGHOST", "127.0.0.1", "PGPORT", "1"), io.github.worktreedb.core.Log.NONE);
        assertThat(report).startsWith("\nNo database server answered at 127.0.0.1:1 (from PGHOST/PGPORT) to look for "
                + "databases like this project's: Cannot reach PostgreSQL at 127.0.0.1:1");
    }

    private Path initRepo() {
        return io.github.worktreedb.testing.GitRepo.init(tmp.resolve("repo")).root();
    }
}
