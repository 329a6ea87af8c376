package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code isolation=server} in real builds, as root: three worktrees with servers of their own at once, stop and start,
 * recovery after {@code kill -9}, a foreign process on the port, two simultaneous starts, and cleanup removing exactly
 * the gone worktree's server. One sample and one chain of builds, to stay lean.
 */
class ServerIsolationIT {

    private static final Pattern PORT = Pattern.compile("This worktree's server localhost:(\\d+) \\(PostgreSQL ([0-9.]+)\\): (\\w+)");

    @Test
    void worktreeServersLiveRestartRecoverRefuseStrangersAndAreCleanedUp() throws Exception {
        int base = Sample.freeServerBase();
        Sample s = Sample.create("server", "<configuration><isolation>server</isolation><serverPort>" + base
                + "</serverPort></configuration>");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\nDB_HOST=localhost\nDB_PORT=" + Sample.PG.port() + "\nDB_NAME="
                + s.main + "\n");
        Path a = s.worktree("feature/a");
        Path b = s.worktree("feature/b");
        Path c = s.worktree("feature/c");
        Path servers = s.repo.root().resolve(".git/worktree-db/servers");
        try {
            // three worktrees at once: a copies main, b and c start empty
            List<Process> builds = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (Path wt : List.of(a, b, c)) {
                Path log = Files.createTempFile("server-it", ".log");
                logs.add(log);
                builds.add(MavenRunner.start(wt, log, "worktree-db:clone", "worktree-db:rewrite-env",
                        "-Dworktree-db.serverSource=" + (wt == a ? "main" : "empty")));
            }
            Set<Integer> ports = new HashSet<>();
            int[] portOf = new int[3];
            for (int i = 0; i < 3; i++) {
                MavenRunner.Result r = MavenRunner.finished(builds.get(i), logs.get(i));
                assertThat(r.succeeded()).as(r.log()).isTrue();
                Matcher m = PORT.matcher(r.log());
                assertThat(m.find()).as(r.log()).isTrue();
                portOf[i] = Integer.parseInt(m.group(1));
                ports.add(portOf[i]);
                assertThat(m.group(3)).isEqualTo("created");
                assertThat(r.log()).doesNotContain(s.password);
            }
            assertThat(ports).containsExactlyInAnyOrder(base + 10, base + 20, base + 30);
            int pa = portOf[0];
            int pb = portOf[1];
            int pc = portOf[2];
            assertThat(query(s, pa, "SELECT count(*) FROM customer")).isEqualTo("1000");
            assertThat(query(s, pb, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).isEqualTo("0");
            // the env file points at the worktree's own server: only the ports changed
            assertThat(Files.readString(a.resolve(".env"))).isEqualTo(Files.readString(s.repo.root().resolve(".env"))
                    .replace(":" + Sample.PG.port() + "/", ":" + pa + "/").replace("DB_PORT=" + Sample.PG.port(), "DB_PORT=" + pa));
            // the main database is untouched, and nothing was made on the main server
            assertThat(Sample.PG.databasesStartingWith(s.main)).containsExactly(s.main);

            // stop, then two simultaneous starts: one server
            MavenRunner.Result stop = MavenRunner.run(a, "worktree-db:stop");
            assertThat(stop.log()).contains("Stopped this worktree's server localhost:" + pa);
            assertThat(Files.exists(dataOf(servers, a).resolve("postmaster.pid"))).isFalse();
            Path l1 = Files.createTempFile("start1", ".log");
            Path l2 = Files.createTempFile("start2", ".log");
            Process s1 = MavenRunner.start(a, l1, "worktree-db:start");
            Process s2 = MavenRunner.start(a, l2, "worktree-db:start");
            MavenRunner.Result r1 = MavenRunner.finished(s1, l1);
            MavenRunner.Result r2 = MavenRunner.finished(s2, l2);
            assertThat(r1.succeeded()).as(r1.log()).isTrue();
            assertThat(r2.succeeded()).as(r2.log()).isTrue();
            List<String> outcomes = new ArrayList<>();
            for (MavenRunner.Result r : List.of(r1, r2)) {
                Matcher m = PORT.matcher(r.log());
                assertThat(m.find()).isTrue();
                outcomes.add(m.group(3));
            }
            assertThat(outcomes).containsExactlyInAnyOrder("started", "running");
            assertThat(query(s, pa, "SELECT count(*) FROM customer")).isEqualTo("1000");

            // kill -9: recognised and started again, data kept
            long pidB = pid(servers, b);
            ProcessHandle.of(pidB).orElseThrow().destroyForcibly();
            ProcessHandle.of(pidB).ifPresent(h -> h.onExit().join());
            MavenRunner.Result status = MavenRunner.run(b, "worktree-db:status");
            assertThat(status.log()).contains("Server         localhost:" + pb + "  [!!] stale");
            // a foreign process took the port meanwhile: refused, naming the port and the process
            try (ServerSocket foreign = new ServerSocket(pb, 50, InetAddress.getByName("127.0.0.1"))) {
                MavenRunner.Result refused = MavenRunner.run(b, "worktree-db:start");
                MavenRunner.assertCleanFailure(refused, "Port " + pb + " is in use by pid " + ProcessHandle.current().pid());
            }
            MavenRunner.Result restart = MavenRunner.run(b, "worktree-db:start");
            assertThat(restart.succeeded()).as(restart.log()).isTrue();
            assertThat(restart.log()).contains("process " + pidB + " is gone");
            assertThat(pid(servers, b)).isNotEqualTo(pidB);
            assertThat(query(s, pb, "SELECT 1")).isEqualTo("1");

            // cleanup: c's worktree and branch are gone; exactly its (running) server is stopped and removed
            s.repo.git("worktree", "remove", "--force", c.toString());
            s.repo.git("branch", "-D", "feature/c");
            Path cDir = dataOf(servers, c).getParent();
            long pidC = pid(servers, c);
            MavenRunner.Result cleanup = MavenRunner.run(a, "worktree-db:cleanup", "-Dworktree-db.yes=true");
            assertThat(cleanup.succeeded()).as(cleanup.log()).isTrue();
            assertThat(cleanup.log()).contains("Removed server localhost:" + pc);
            assertThat(cDir).doesNotExist();
            assertThat(ProcessHandle.of(pidC).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(dataOf(servers, a)).exists();
            assertThat(dataOf(servers, b)).exists();
            assertThat(query(s, pa, "SELECT 1")).isEqualTo("1");
            assertThat(query(s, pb, "SELECT 1")).isEqualTo("1");
        } finally {
            stopAll(servers);
        }
    }

    private static String query(Sample s, int port, String sql) throws Exception {
        try (Connection conn = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + s.main, s.role,
                s.password); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The data directory of a worktree's server (its directory name starts with the worktree's). */
    private static Path dataOf(Path servers, Path worktree) throws Exception {
        try (var dirs = Files.list(servers)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(worktree.getFileName() + "-")
                    && !d.getFileName().toString().endsWith(".lock")).findFirst().orElseThrow().resolve("data");
        }
    }

    private static long pid(Path servers, Path worktree) throws Exception {
        return Long.parseLong(Files.readAllLines(dataOf(servers, worktree).resolve("postmaster.pid")).get(0).strip());
    }

    /** The servers outlive builds by design: the test ends them (SIGTERM, PostgreSQL's smart shutdown). */
    private static void stopAll(Path servers) throws Exception {
        if (!Files.isDirectory(servers)) {
            return;
        }
        try (var dirs = Files.list(servers)) {
            for (Path d : dirs.toList()) {
                Path pidFile = d.resolve("data/postmaster.pid");
                if (Files.exists(pidFile)) {
                    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
                }
            }
        }
    }
}
