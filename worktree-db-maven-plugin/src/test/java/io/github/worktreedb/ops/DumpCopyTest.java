package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import io.github.worktreedb.transfer.CopyEngine;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dump-based copy with the host's real pg_dump and pg_restore. The host has Debian's postgresql-client 15, and
 * pg_dump refuses servers newer than itself, so these tests need a server of major 15 or older: the suite's default
 * embedded server is 15.x for this reason. On a newer server (-Dembedded-postgres-binaries.version=18...) the copying
 * tests are skipped, and the version-mismatch report is what is tested instead.
 */
class DumpCopyTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    TestPostgres.OwnedDatabase main;
    GitRepo repo;
    final RecordingLog log = new RecordingLog();

    @BeforeEach
    void mainDatabase() {
        main = PG.createOwnedDatabase("dump", r -> "pw-" + r + "-'$", """
                CREATE TABLE customer(id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE orders(id int PRIMARY KEY, customer_id int REFERENCES customer, total numeric(10,2));
                CREATE INDEX orders_customer ON orders(customer_id);
                CREATE FUNCTION n() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
                INSERT INTO customer SELECT g, 'c' || g FROM generate_series(1, 2000) g;
                INSERT INTO orders SELECT g, 1 + g % 2000, g FROM generate_series(1, 20000) g;
                """);
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
    }

    private static boolean hostDumpFits() {
        ClientTools.Tools newest = ClientTools.candidates(null).stream().map(ClientTools::probe)
                .filter(java.util.Objects::nonNull).max(java.util.Comparator.comparingInt(ClientTools.Tools::major)).orElse(null);
        return newest != null && newest.major() >= PG.serverVersionNum() / 10000;
    }

    private CloneOperation.Result clone(WorktreeDbConfig config) {
        return new CloneOperation(WorktreeContext.resolve(config, Log.NONE), log, Confirmation.NOBODY, "test").run();
    }

    @Test
    void strategyDumpMakesAnIdenticalCopyWithoutExclusiveAccess() throws Exception {
        assumeTrue(hostDumpFits(), "the host's pg_dump is older than the test server");
        Path wt = repo.addWorktree(tmp.resolve("wt-dump"), "feature/dump");
        String target = main.database() + "_feature_dump";
        try (Connection app = PG.connect(main.database(), main.role(), main.password())) {
            CloneOperation.Result r = clone(WorktreeDbConfig.builder(wt).strategy(Strategy.DUMP).build());
            assertThat(r.method().label()).isEqualTo("dump");
            assertThat(app.isValid(2)).isTrue();
        }
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("20000");
        assertThat(PG.queryIn(target, "SELECT n()")).isEqualTo("20000");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_customer'")).isEqualTo("1");
        assertThat(PG.owner(target)).isEqualTo(main.role());
        assertThat(Marker.parse(PG.comment(target)).orElseThrow().strategy()).isEqualTo("dump");
        assertThat(PG.databasesStartingWith(CopyEngine.TEMP_PREFIX)).noneMatch(n -> n.contains(main.database()));
        assertThat(String.join("\n", log.lines())).doesNotContain(main.password());
    }

    @Test
    void autoWaitsBrieflyThenFallsBackToADumpAndLeavesTheApplicationConnected() throws Exception {
        assumeTrue(hostDumpFits(), "the host's pg_dump is older than the test server");
        Path wt = repo.addWorktree(tmp.resolve("wt-busy"), "feature/busy");
        try (Connection app = PG.connect(main.database(), main.role(), main.password())) {
            app.createStatement().execute("SET application_name = 'shop-dev-server'");
            CloneOperation.Result r = clone(WorktreeDbConfig.builder(wt).build());
            assertThat(r.method().label()).isEqualTo("dump");
            assertThat(app.isValid(2)).isTrue();
        }
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("INFO " + main.database() + " is in use; waiting up to 3 s"));
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("WARN " + main.database() + " is in use, so it cannot be "
                + "copied on the server; copying it with pg_dump | pg_restore instead").contains("shop-dev-server")
                .contains("-Dworktree-db.terminateConnections=true"));
        assertThat(PG.queryIn(main.database() + "_feature_busy", "SELECT count(*) FROM orders")).isEqualTo("20000");
        assertThat(PG.queryIn(main.database() + "_feature_busy", "SELECT sum(total) FROM orders"))
                .isEqualTo(PG.queryIn(main.database(), "SELECT sum(total) FROM orders"));
    }

    @Test
    void aHalfFinishedCopyLeftByACrashIsDroppedByTheNextRun() {
        Path wt = repo.addWorktree(tmp.resolve("wt-crash"), "feature/crash");
        String target = main.database() + "_feature_crash";
        String temp = CopyEngine.tempName(target);
        // what a run killed in the middle of pg_restore leaves: the temporary database with its in-progress marker
        PG.createDatabase(temp, main.role(), "CREATE TABLE customer(id int)");
        PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", temp, new Marker(Marker.TOOL, "t", main.database(), "feature/crash",
                wt.toString(), Instant.now().toString(), Marker.LEGACY_IN_PROGRESS, null, false).toJson()));
        assertThat(PG.exists(target)).isFalse();

        CloneOperation.Result r = clone(WorktreeDbConfig.builder(wt).build());
        assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
        assertThat(PG.exists(temp)).isFalse();
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("WARN Dropping " + temp + ", a half-finished copy"));
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("20000");
    }

    @Test
    void toolsOlderThanTheServerAreReportedWithWhatWasFoundAndHowToFixIt() {
        // the real tools on this machine, against a server major none of them supports
        assertThatThrownBy(() -> ClientTools.find(null, 99, "99.1"))
                .hasMessageContaining("needs pg_dump and pg_restore of PostgreSQL 99 or newer (the server is 99.1")
                .hasMessageContaining("Found: ")
                .hasMessageContaining("postgresql-client-99")
                .hasMessageContaining("-Dworktree-db.pgBin");
        assertThatThrownBy(() -> ClientTools.find(tmp.toString(), 15, "15.19"))
                .hasMessageContaining("worktree-db.pgBin=" + tmp + " holds no pg_dump and pg_restore");
    }

    @Test
    void tempNamesAreRecognisableShortAndDistinct() {
        String a = CopyEngine.tempName("shop_" + "x".repeat(80) + "_a");
        String b = CopyEngine.tempName("shop_" + "x".repeat(80) + "_b");
        assertThat(a).startsWith(CopyEngine.TEMP_PREFIX).hasSizeLessThanOrEqualTo(63).isNotEqualTo(b);
    }
}
