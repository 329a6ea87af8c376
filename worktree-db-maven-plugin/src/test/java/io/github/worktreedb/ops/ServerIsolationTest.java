package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.Isolation;
import io.github.worktreedb.config.ServerSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.StateDir;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.server.WorktreeServer;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code isolation=server} through the operations: a real main server, real git worktrees, real worktree servers. */
class ServerIsolationTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    TestPostgres.OwnedDatabase main;
    GitRepo repo;
    final RecordingLog log = new RecordingLog();

    @BeforeEach
    void mainDatabase() {
        main = PG.createOwnedDatabase("srv", r -> "pw-" + r + "-'$ x", """
                CREATE TABLE customer(id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO customer SELECT g, 'c' || g FROM generate_series(1, 500) g;
                """);
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
    }

    @AfterEach
    void stopServers() {
        for (WorktreeServer s : WorktreeServer.list(StateDir.of(GitWorktree.of(repo.root(), null)), Log.NONE)) {
            s.stop();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private WorktreeDbConfig config(Path wt, int port, ServerSettings.Source source, String pgBin) {
        // the first linked worktree has port index 1: its server listens on serverPort + 1 × portStep
        return WorktreeDbConfig.builder(wt).isolation(Isolation.SERVER).portStep(10).pgBin(pgBin)
                .server(new ServerSettings(port - 10, source, null, null)).build();
    }

    private String query(int port, String database, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + database, main.role(),
                main.password()); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void cloneMakesTheWorktreesOwnServerWithACopyOfMainUnderMainsNameAndCredentials() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("wt-copy"), "feature/copy");
        int port = freePort();
        WorktreeContext ctx = WorktreeContext.resolve(config(wt, port, ServerSettings.Source.MAIN, null), log);
        assertThat(ctx.ownServer()).isTrue();
        assertThat(ctx.databaseSpec().jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:" + port + "/" + main.database());
        assertThat(ctx.server().server().dataDir().toString()).startsWith(repo.root().resolve(".git/worktree-db/servers").toString());

        // a table of main owned by, and granted to, roles the worktree's server does not have: the copy still restores
        String other = main.role() + "_other";
        try (Connection c = PG.admin(main.database()); Statement st = c.createStatement()) {
            st.execute(PG.format("CREATE ROLE %I; CREATE TABLE audit AS SELECT 1 AS x; ALTER TABLE audit OWNER TO %I; "
                    + "GRANT SELECT ON audit TO %I, %I", other, other, main.role(), other));
        }
        CloneOperation.Result r = new CloneOperation(ctx, log, Confirmation.NOBODY, "test").run();
        assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
        assertThat(r.method().label()).isEqualTo("dump");
        assertThat(query(port, main.database(), "SELECT count(*) || ' ' || pg_get_userbyid(relowner) FROM pg_class "
                + "JOIN audit ON true WHERE relname = 'audit' GROUP BY relowner")).isEqualTo("1 " + main.role());
        assertThat(query(port, main.database(), "SELECT count(*) FROM customer")).isEqualTo("500");
        assertThat(query(port, main.database(), "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                + "WHERE datname = current_database()")).satisfies(c -> assertThat(Marker.parse(c)).isPresent());
        assertThat(PG.queryIn(main.database(), "SELECT count(*) FROM customer")).isEqualTo("500");
        assertThat(PG.databasesStartingWith(main.database())).containsExactly(main.database()); // nothing on main's server
        assertThat(log.lines()).anyMatch(l -> l.contains("This worktree's server localhost:" + port) && l.contains("created"));
        assertThat(String.join("\n", log.lines())).doesNotContain(main.password());

        // again: the server runs and the database exists, so nothing is made
        CloneOperation.Result again = new CloneOperation(WorktreeContext.resolve(config(wt, port, ServerSettings.Source.MAIN,
                null), log), log, Confirmation.NOBODY, "test").run();
        assertThat(again.outcome()).isEqualTo(CloneOperation.Outcome.EXISTS);

        // stop and start: the data stays
        assertThat(WorktreeServers.stop(ctx, log)).isTrue();
        assertThat(ctx.server().server().status().state()).isEqualTo(WorktreeServer.State.STOPPED);
        assertThat(WorktreeServers.ensureRunning(ctx, log, "test").started()).isTrue();
        assertThat(query(port, main.database(), "SELECT count(*) FROM customer")).isEqualTo("500");

        // reset acts on the worktree's server: main is copied into it again, and the change made there is gone
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + main.database(),
                main.role(), main.password()); Statement st = c.createStatement()) {
            st.execute("DELETE FROM customer WHERE id > 100");
        }
        WorktreeDbConfig yes = WorktreeDbConfig.builder(wt).isolation(Isolation.SERVER).portStep(10).yes(true)
                .server(new ServerSettings(port - 10, ServerSettings.Source.MAIN, null, null)).build();
        assertThat(new ResetOperation(WorktreeContext.resolve(yes, log), log, Confirmation.NOBODY, "test").run().done())
                .isTrue();
        assertThat(query(port, main.database(), "SELECT count(*) FROM customer")).isEqualTo("500");
        assertThat(PG.queryIn(main.database(), "SELECT count(*) FROM customer")).isEqualTo("500");
    }

    @Test
    void serverSourceEmptyMakesAnEmptyMarkedDatabase() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("wt-empty"), "feature/empty");
        int port = freePort();
        long t0 = System.nanoTime();
        CloneOperation.Result r = new CloneOperation(WorktreeContext.resolve(config(wt, port, ServerSettings.Source.EMPTY,
                null), log), log, Confirmation.NOBODY, "test").run();
        System.out.println("[bench] worktree server ready (serverSource=empty, template existing or not): "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
        assertThat(query(port, main.database(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).isEqualTo("0");
        assertThat(Marker.parse(query(port, "postgres", "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                + "WHERE datname = '" + main.database() + "'")).orElseThrow().strategy()).isEqualTo("empty");
    }

    @Test
    void missingClientToolsAreSaidWithTheWayOutServerSourceEmpty() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("wt-notools"), "feature/notools");
        Path noTools = Files.createDirectories(tmp.resolve("no-tools"));
        assertThatThrownBy(() -> new CloneOperation(WorktreeContext.resolve(config(wt, freePort(),
                ServerSettings.Source.MAIN, noTools.toString()), log), log, Confirmation.NOBODY, "test").run())
                .hasMessageContaining("holds no pg_dump and pg_restore")
                .hasMessageContaining("-Dworktree-db.serverSource=empty");
    }

    @Test
    void rewriteEnvPointsTheWorktreesEnvFileAtItsServerChangingOnlyThePort() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("wt-env"), "feature/env");
        int port = freePort();
        String before = Files.readString(repo.root().resolve(".env"));
        RewriteEnvOperation.Result r = new RewriteEnvOperation(WorktreeContext.resolve(config(wt, port,
                ServerSettings.Source.MAIN, null), log), log).run();
        assertThat(r.valuesChanged()).isEqualTo(1);
        assertThat(Files.readString(wt.resolve(".env")))
                .isEqualTo(before.replace(":" + PG.port() + "/", ":" + port + "/"));
        assertThat(Files.readString(repo.root().resolve(".env"))).isEqualTo(before);
    }

    @Test
    void statusShowsTheServersAndCleanupRemovesExactlyTheGoneWorktreesServer() throws Exception {
        Path a = repo.addWorktree(tmp.resolve("wt-a"), "feature/a");
        Path b = repo.addWorktree(tmp.resolve("wt-b"), "feature/b");
        int port = freePort();
        WorktreeContext ca = WorktreeContext.resolve(config(a, port, ServerSettings.Source.EMPTY, null), log);
        WorktreeContext cb = WorktreeContext.resolve(config(b, port, ServerSettings.Source.EMPTY, null), log);
        assertThat(cb.server().port()).isEqualTo(port + 10);
        new CloneOperation(ca, log, Confirmation.NOBODY, "test").run();
        new CloneOperation(cb, log, Confirmation.NOBODY, "test").run();
        long pidB = cb.server().server().status().pid();

        StatusReport r = new StatusOperation(ca, log, true).run();
        assertThat(r.servers()).extracting(StatusReport.Server::port, StatusReport.Server::state, StatusReport.Server::current)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(port, "running", true),
                        org.assertj.core.groups.Tuple.tuple(port + 10, "running", false));
        assertThat(r.servers().get(0).pid()).isEqualTo(ca.server().server().status().pid());
        assertThat(r.servers().get(0).dataBytes()).isPositive();
        assertThat(String.join("\n", StatusText.render(r))).contains("Server         localhost:" + port + "  [ok] running, pid ")
                .contains("Coordination  (isolation=server)");

        WorktreeServers.stop(ca, log);
        StatusReport stopped = new StatusOperation(ca, log, false).run();
        assertThat(stopped.servers().get(0).state()).isEqualTo("stopped");
        assertThat(stopped.problems()).contains("this worktree's server (localhost:" + port + ") is stopped: run mvn "
                + "worktree-db:start");
        WorktreeServers.ensureRunning(ca, log, "test");

        // a detached worktree: its marker's "branch" is its directory name, never a branch; it lives, so its server stays
        Path wc = repo.addDetachedWorktree(tmp.resolve("wt-c"));
        WorktreeContext cc = WorktreeContext.resolve(config(wc, port, ServerSettings.Source.EMPTY, null), log);
        new CloneOperation(cc, log, Confirmation.NOBODY, "test").run();

        repo.git("worktree", "remove", "--force", b.toString());
        repo.git("branch", "-D", "feature/b");
        WorktreeDbConfig batch = WorktreeDbConfig.builder(a).isolation(Isolation.SERVER)
                .server(new ServerSettings(port - 10, ServerSettings.Source.EMPTY, null, null)).build();
        CleanupOperation.Result plan = new CleanupOperation(WorktreeContext.resolve(batch, log), log, Confirmation.NOBODY,
                CleanupOperation.When.BRANCH_GONE, false).run(true);
        assertThat(plan.servers()).singleElement().satisfies(c -> {
            assertThat(c.worktree()).isEqualTo(b.toString());
            assertThat(c.reason()).isEqualTo("branch feature/b and worktree " + b + " are gone");
        });
        assertThat(plan.skipped()).anySatisfy(k -> assertThat(k.reason()).isEqualTo("worktree " + wc
                + " remains: a server belongs to its worktree and goes with it"));
        assertThat(plan.removedServers()).isEmpty();
        assertThat(cb.server().server().dir()).exists();

        WorktreeDbConfig yes = WorktreeDbConfig.builder(a).isolation(Isolation.SERVER).yes(true)
                .server(new ServerSettings(port - 10, ServerSettings.Source.EMPTY, null, null)).build();
        CleanupOperation.Result done = new CleanupOperation(WorktreeContext.resolve(yes, log), log, Confirmation.NOBODY,
                CleanupOperation.When.BRANCH_GONE, false).run(true);
        assertThat(done.removedServers()).hasSize(1);
        assertThat(cb.server().server().dir()).doesNotExist();
        assertThat(ProcessHandle.of(pidB).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ca.server().server().status().state()).isEqualTo(WorktreeServer.State.RUNNING);
        assertThat(cc.server().server().status().state()).as("the detached worktree's server")
                .isEqualTo(WorktreeServer.State.RUNNING);
        assertThat(query(port, main.database(), "SELECT 1")).isEqualTo("1");
        WorktreeServers.stop(cc, log);
    }

    @Test
    void theMainWorktreeStaysOnTheMainServer() {
        WorktreeContext ctx = WorktreeContext.resolve(config(repo.root(), 6000, ServerSettings.Source.MAIN, null), log);
        assertThat(ctx.ownServer()).isFalse();
        assertThat(ctx.usesMainDatabase()).isTrue();
        assertThatThrownBy(() -> WorktreeServers.stop(ctx, log)).hasMessageContaining("only a linked worktree has");
    }

    /** A server port that falls on main's own port is refused before anything starts, naming both. */
    @Test
    void aWorktreeServerOnMainsPortIsRefusedSayingSo() {
        Path wt = repo.addWorktree(tmp.resolve("wt-clash"), "feature/clash");
        // index 1: serverPort + 1 × 10 = main's port
        WorktreeDbConfig clash = WorktreeDbConfig.builder(wt).isolation(Isolation.SERVER).portStep(10)
                .server(new ServerSettings(PG.port() - 10, ServerSettings.Source.EMPTY, null, null)).build();
        assertThatThrownBy(() -> WorktreeContext.resolve(clash, log))
                .hasMessageContaining("This worktree's server would listen on port " + PG.port() + " (" + (PG.port() - 10)
                        + " + 1 × 10), the port of the main database's server ")
                .hasMessageContaining("-Dworktree-db.serverPort");
    }
}
