package io.github.worktreedb.it;

import static io.github.worktreedb.it.MavenRunner.assertCleanFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server goes away under a running goal, and the server's disk fills up. The stop tests use a PostgreSQL of
 * their own (the suite's default version, 15, because the dump-based copy needs the host's pg_dump 15), stopped the
 * way {@code pg_ctl stop -m fast} does it (sessions end with 57P01) and started again on the same data and port.
 */
class ServerFaultsIT {

    static TestPostgres server;

    @BeforeAll
    static void ownServer() {
        server = TestPostgres.startEmbedded(new TestPostgres.EmbeddedOptions(null, null, 0, false));
    }

    @AfterAll
    static void stopIt() throws Exception {
        server.close();
    }

    private static void await(String what, Process build, Path log, BooleanSupplier condition) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (!condition.getAsBoolean()) {
            assertThat(build.isAlive()).as(what + " before the build ended:\n" + Files.readString(log)).isTrue();
            assertThat(System.currentTimeMillis()).as(what + " within 2 minutes").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void theServerStoppingDuringADumpCopyLeavesNothingUnderTheFinalNameAndTheNextRunRecovers() throws Exception {
        Sample s = Sample.on(server, "stop-dump");
        Sample.CopyUnderWay copy = s.startDumpCloneAndAwaitCopy("feature/stopped");
        Path wt = copy.worktree();
        String target = copy.target();
        server.stopServer();
        MavenRunner.Result failed = MavenRunner.finished(copy.build(), copy.log());
        server.startServer();

        assertCleanFailure(failed, "The dump-based copy of " + s.main + " failed", "Nothing was left under the final name");
        assertThat(failed.log()).doesNotContain(s.password);
        assertThat(server.exists(target)).isFalse();

        MavenRunner.Result next = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(next.succeeded()).as(next.log()).isTrue();
        assertThat(server.queryIn(target, "SELECT count(*) FROM events")).isEqualTo("1500000");
        assertThat(server.databasesStartingWith("wtdb_tmp_")).noneMatch(n -> n.endsWith(target));
    }

    @Test
    void theServerStoppingDuringAMigrationFailsCleanlyAndTheNextMigrateAppliesIt() throws Exception {
        Sample s = Sample.on(server, "stop-migrate");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        s.repo.write("src/main/resources/db/migration/V2__slow.sql", """
                CREATE TABLE audit(id bigint PRIMARY KEY, what text);
                INSERT INTO audit VALUES (1, 'created by V2');
                SELECT pg_sleep(6);
                """);
        s.repo.commitAll("a slow migration");
        Path wt = s.worktree("feature/slow");
        String target = s.main + "_feature_slow";
        MavenRunner.Result cloned = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(cloned.succeeded()).as(cloned.log()).isTrue();

        Path log = Files.createTempFile("stopped-migrate", ".log");
        Process build = MavenRunner.start(wt, log, "worktree-db:migrate", "-Dworktree-db.baselineOnMigrate=true");
        await("V2 is running", build, log, () -> "1".equals(server.queryIn("postgres",
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(6)%' AND pid <> pg_backend_pid()")));
        server.stopServer();
        MavenRunner.Result failed = MavenRunner.finished(build, log);
        server.startServer();

        assertCleanFailure(failed, "The connection to the server broke while applying", "V2__slow.sql",
                "PostgreSQL rolled this migration back and nothing was recorded for it",
                "Run migrate again once the server is back");
        assertThat(server.queryIn(target, "SELECT to_regclass('audit')")).isNull();

        MavenRunner.Result next = MavenRunner.run(wt, "worktree-db:migrate", "-Dworktree-db.baselineOnMigrate=true");
        assertThat(next.succeeded()).as(next.log()).isTrue();
        assertThat(next.log()).contains("Applied V2 slow");
        assertThat(server.queryIn(target, "SELECT what FROM audit")).isEqualTo("created by V2");
        assertThat(server.queryIn(target, "SELECT count(*) FROM flyway_schema_history WHERE NOT success")).isEqualTo("0");
    }

    /**
     * The main database lives in a tablespace on a 40 MB tmpfs, so its copy (which PostgreSQL puts in the same
     * tablespace) runs out of space; WAL stays on the big disk, so the server itself keeps running. Needs root to mount
     * the tmpfs (CI runs as root); skipped, saying why, where mounting is not allowed.
     */
    @Test
    void aFullDiskIsReportedAndNothingIsLeftAndTheNextRunSucceedsOnceThereIsSpace() throws Exception {
        Path small = Files.createTempDirectory("wtdb-small-disk");
        String refused = mount(small, "size=40m");
        org.junit.jupiter.api.Assumptions.assumeTrue(refused == null,
                "mounting a tmpfs needs root and a sandbox that allows mount: " + refused);
        String tablespace = TestPostgres.uniqueName("small_disk");
        Sample s = Sample.on(server, "disk-full");
        String target = s.main + "_feature_full";
        try {
            try (Connection c = server.admin(s.main)) {
                c.createStatement().execute("SET ROLE " + s.role + "; CREATE TABLE filler AS SELECT g AS id, md5(g::text) "
                        + "AS payload FROM generate_series(1, 220000) g");
            }
            server.sql("CREATE TABLESPACE " + tablespace + " LOCATION '" + small + "'");
            server.sql("ALTER DATABASE " + s.main + " SET TABLESPACE " + tablespace);
            s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
            Path wt = s.worktree("feature/full");

            MavenRunner.Result full = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.strategy=file-copy");
            assertCleanFailure(full, "The server ran out of disk space while copying " + s.main + " into " + target,
                    "No space left on device", "PostgreSQL removed the partial copy", "Free space");
            assertThat(server.exists(target)).isFalse();

            assertThat(mount(small, "remount,size=200m")).as("growing the tmpfs").isNull();
            MavenRunner.Result next = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.strategy=file-copy");
            assertThat(next.succeeded()).as(next.log()).isTrue();
            assertThat(server.queryIn(target, "SELECT count(*) FROM filler")).isEqualTo("220000");
        } finally {
            server.dropDatabase(target);
            server.dropDatabase(s.main);
            server.sql("DROP TABLESPACE IF EXISTS " + tablespace);
            new ProcessBuilder("umount", small.toString()).inheritIO().start().waitFor();
        }
    }

    /** Mounts (or remounts) a tmpfs; {@code null} when it worked, else what mount said. */
    private static String mount(Path dir, String options) throws Exception {
        Process p = new ProcessBuilder(List.of("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return p.waitFor() == 0 ? null : "mount -t tmpfs -o " + options + ": " + out.strip();
    }
}
