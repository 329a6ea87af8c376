package io.github.worktreedb.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server says during a real migration reaches the goal's log at the level it has on the server. */
class FlywayLoggingTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    @Test
    void serverNoticesAreInfoAndServerWarningsStayWarnings() throws Exception {
        TestPostgres.OwnedDatabase db = PG.createOwnedDatabase("fl", r -> "pw-" + r, null);
        Files.writeString(tmp.resolve("V1__notices.sql"), """
                CREATE TABLE IF NOT EXISTS t(x int);
                CREATE TABLE IF NOT EXISTS t(x int);
                DROP TABLE IF EXISTS not_there;
                DO $$ BEGIN RAISE WARNING 'this one is a warning'; END $$;
                """);
        RecordingLog log = new RecordingLog();
        try (AutoCloseable routing = FlywayLogging.to(log)) {
            Migrations.flyway(DatabaseUrls.parse(PG.url(db)), new MigrationSettings(List.of("filesystem:" + tmp), List.of(),
                    null, Map.of(), false, "1", false, true, false)).migrate();
        } finally {
            PG.dropDatabase(db.database());
        }
        // NOTICE relation "t" already exists, skipping (SQLSTATE 42P07): Flyway relays it as a warning
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("INFO [flyway] DB: relation \"t\" already exists"));
        assertThat(log.lines()).noneSatisfy(l -> assertThat(l).startsWith("WARN").contains("already exists"));
        // WARNING (SQLSTATE 01000) stays a warning
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("WARN [flyway] DB: this one is a warning"));
    }
}
