package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rehearsal's schema-only copy (what a remote target gets), on the real test server: schema and Flyway history are
 * copied, the rows are not; exactly the pending migrations run on it; it is dropped; the target is only read.
 */
class RehearsalTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    @Test
    void aSchemaOnlyCopyHasTheHistoryButNoRowsAndRunsExactlyThePendingMigrations() throws Exception {
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase("reh", r -> "pw-" + r,
                "CREATE TABLE customer(id int PRIMARY KEY, name text); INSERT INTO customer SELECT g, 'c' FROM generate_series(1, 500) g");
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        repo.write("src/main/resources/db/migration/V2__points.sql", "ALTER TABLE customer ADD COLUMN points int;\n");
        repo.commitAll("V2");
        Path wt = repo.addWorktree(tmp.resolve("shop-reh"), "feature/reh");
        String target = main.database() + "_feature_reh";
        WorktreeDbConfig config = WorktreeDbConfig.builder(wt).migration(new MigrationSettings(
                List.of("filesystem:" + wt.resolve("src/main/resources/db/migration")), List.of(), null, Map.of(), true, "1",
                false, true, false)).build();
        new CloneOperation(WorktreeContext.resolve(config, Log.NONE), Log.NONE, Confirmation.NOBODY, "test").run();
        new MigrateOperation(WorktreeContext.resolve(config, Log.NONE), Log.NONE, Confirmation.NOBODY).run();
        // V3 records what it sees: on a schema-only copy the table is there, its rows are not
        Files.writeString(wt.resolve("src/main/resources/db/migration/V3__probe.sql"),
                "CREATE TABLE probe AS SELECT count(*) AS customers FROM customer;\n"
                        + "DO $$ BEGIN IF (SELECT customers FROM probe) <> 0 THEN RAISE 'rows were copied'; END IF; END $$;\n");

        RecordingLog log = new RecordingLog();
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        List<Rehearsal.Step> steps;
        try (Connection c = ctx.target().connector().connectMaintenance("postgres")) {
            steps = new Rehearsal(ctx, log).run(new Catalog(c), ctx.target().spec(), true);
        }
        assertThat(steps).extracting(Rehearsal.Step::migration).containsExactly("V3 probe");
        assertThat(steps.get(0).locks()).anyMatch(l -> l.startsWith("probe "));
        assertThat(log.lines()).anyMatch(l -> l.startsWith("INFO Rehearsing on wtdb_rehearse_")
                && l.contains("a schema-only copy (no rows but the Flyway history"));
        assertThat(PG.databasesStartingWith("wtdb_rehearse_")).isEmpty();
        assertThat(PG.queryIn(target, "SELECT to_regclass('probe') IS NULL")).isEqualTo("t");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("500");
        assertThat(String.join("\n", log.lines())).doesNotContain(main.password());
    }
}
