package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Busy databases, many worktrees at once, and a build killed in the middle of a copy. The dump-based cases use the
 * host's pg_dump 15 (Debian's postgresql-client), which refuses newer servers: they run on the suite's default
 * PostgreSQL 15 server for that reason.
 */
class ReliabilityIT {

    static final TestPostgres PG = TestPostgres.get();

    @Test
    void aBusyMainDatabaseIsCopiedWithADumpAndStrategyDumpWorksToo() throws Exception {
        Sample s = Sample.create("busy-dump");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path busy = s.worktree("feature/busy");
        Path forced = s.worktree("feature/forced");
        try (Connection app = PG.connect(s.main, s.role, s.password)) {
            app.createStatement().execute("SET application_name = 'shop-dev-server'");
            MavenRunner.Result r = MavenRunner.run(busy, "worktree-db:clone");
            assertThat(r.succeeded()).as(r.log()).isTrue();
            assertThat(r.log()).contains("is in use, so it cannot be copied on the server; copying it with pg_dump | pg_restore")
                    .contains("shop-dev-server").containsPattern("Cloned " + s.main + " → " + s.main + "_feature_busy \\(.*, dump, ");
            assertThat(app.isValid(2)).isTrue();

            MavenRunner.Result dump = MavenRunner.run(forced, "worktree-db:clone", "-Dworktree-db.strategy=dump");
            assertThat(dump.succeeded()).as(dump.log()).isTrue();
        }
        for (String copy : List.of(s.main + "_feature_busy", s.main + "_feature_forced")) {
            assertThat(PG.queryIn(copy, "SELECT count(*) FROM orders")).isEqualTo("5000");
            assertThat(PG.queryIn(copy, "SELECT count(*) FROM customer")).isEqualTo("1000");
            assertThat(PG.queryIn(copy, "SELECT sum(total) FROM orders")).isEqualTo(PG.queryIn(s.main, "SELECT sum(total) FROM orders"));
        }
    }

    @Test
    void aDumpBasedCloneKilledMidwayLeavesNothingUnderTheFinalNameAndTheNextRunSucceeds() throws Exception {
        Sample s = Sample.create("killed");
        Sample.CopyUnderWay copy = s.startDumpCloneAndAwaitCopy("feature/killed");
        Process build = copy.build();
        Path wt = copy.worktree();
        String target = copy.target();
        String temp = copy.temp();
        build.descendants().forEach(ProcessHandle::destroyForcibly); // the JVM, pg_dump and pg_restore: like kill -9
        build.destroyForcibly();
        build.waitFor(30, TimeUnit.SECONDS);
        assertThat(PG.exists(target)).isFalse();

        MavenRunner.Result next = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(next.succeeded()).as(next.log()).isTrue();
        assertThat(next.log()).contains("Dropping " + temp + ", a half-finished copy left by an earlier run");
        assertThat(PG.exists(temp)).isFalse();
        assertThat(PG.queryIn(target, "SELECT count(*) FROM events")).isEqualTo("1500000");
    }

    /**
     * A build killed (like kill -9) while the server runs its {@code CREATE DATABASE ... TEMPLATE}: the server must not
     * finish the copy on its own, or a complete database without the plugin's marker would sit under the final name,
     * one the plugin may then never reset, re-create or clean up. To hold the copy in progress for as long as the test
     * needs, another session keeps main's catalog entry locked ({@code COMMENT ON DATABASE} in an open transaction), so
     * the clone's {@code CREATE DATABASE} waits on that lock; once the build is dead the lock is let go. Without
     * {@code client_connection_check_interval} on the copying session the server then creates the database.
     */
    @Test
    void aServerSideCloneKilledMidwayLeavesNothingUnderTheFinalName() throws Exception {
        Sample s = Sample.create("killed-srv");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/killed-srv");
        String target = s.main + "_feature_killed_srv";
        Path log = java.nio.file.Files.createTempFile("killed-srv", ".log");
        try (Connection holder = PG.admin(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute(PG.format("COMMENT ON DATABASE %I IS 'held by a test'", s.main));
            Process build = MavenRunner.start(wt, log, "worktree-db:clone");
            String copier;
            try {
                copier = awaitCopyWaitingOnLock(target, build, log);
            } finally { // like kill -9, and never a build left behind
                build.descendants().forEach(ProcessHandle::destroyForcibly);
                build.destroyForcibly();
                build.waitFor(30, TimeUnit.SECONDS);
            }
            long killed = System.nanoTime();
            boolean gone = awaitBackendGone(copier, 15_000);
            System.out.printf("server-side copy: its session ended %.1f s after the build was killed (%s)%n",
                    (System.nanoTime() - killed) / 1e9, gone ? "while the lock was still held" : "not while the lock was held");
            holder.rollback(); // the copy may go on now, if its session is still there
            awaitBackendGone(copier, 30_000);
        }
        assertThat(PG.exists(target)).as("a database under the final name after the build was killed").isFalse();

        MavenRunner.Result next = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(next.succeeded()).as(next.log()).isTrue();
        assertThat(next.log()).contains("Cloned " + s.main + " → " + target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("5000");
    }

    /** The pid of the build's session once its CREATE DATABASE waits on a lock. */
    private static String awaitCopyWaitingOnLock(String target, Process build, Path log) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && build.isAlive()) {
            String pid = PG.queryIn("postgres", PG.format("SELECT pid FROM pg_stat_activity WHERE application_name = "
                    + "'worktree-db' AND wait_event_type = 'Lock' AND query LIKE %L", "CREATE DATABASE %" + target + "%"));
            if (pid != null) {
                return pid;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the clone's CREATE DATABASE was not waiting within 2 minutes:\n"
                + java.nio.file.Files.readString(log));
    }

    private static boolean awaitBackendGone(String pid, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (PG.queryIn("postgres", "SELECT 1 FROM pg_stat_activity WHERE pid = " + Integer.parseInt(pid)) == null) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Test
    void sixWorktreesCloneAtOnce() throws Exception {
        Sample s = Sample.create("parallel");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        List<Path> worktrees = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            worktrees.add(s.worktree("agent/task-" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<MavenRunner.Result>> runs = new ArrayList<>();
            for (Path wt : worktrees) {
                runs.add(pool.submit(() -> MavenRunner.run(wt, "worktree-db:clone")));
            }
            for (Future<MavenRunner.Result> f : runs) {
                MavenRunner.Result r = f.get(5, TimeUnit.MINUTES);
                assertThat(r.succeeded()).as(r.log()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 1; i <= 6; i++) {
            assertThat(PG.queryIn(s.main + "_agent_task_" + i, "SELECT count(*) FROM orders")).isEqualTo("5000");
        }
    }

    @Test
    void twoSimultaneousClonesOfOneWorktreeMakeOneDatabase() throws Exception {
        Sample s = Sample.create("same-worktree");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/twice");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<MavenRunner.Result> results = new ArrayList<>();
        try {
            Future<MavenRunner.Result> a = pool.submit(() -> MavenRunner.run(wt, "worktree-db:clone"));
            Future<MavenRunner.Result> b = pool.submit(() -> MavenRunner.run(wt, "worktree-db:clone"));
            results.add(a.get(5, TimeUnit.MINUTES));
            results.add(b.get(5, TimeUnit.MINUTES));
        } finally {
            pool.shutdownNow();
        }
        assertThat(results).allMatch(MavenRunner.Result::succeeded);
        assertThat(results.stream().filter(r -> r.log().contains("Cloned " + s.main + " → "))).hasSize(1);
        assertThat(results.stream().filter(r -> r.log().contains("already exists"))).hasSize(1);
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main, s.main + "_feature_twice");
    }
}
