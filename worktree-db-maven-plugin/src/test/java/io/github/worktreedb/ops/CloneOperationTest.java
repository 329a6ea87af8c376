package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clone operation against the real test server, in real git worktrees. */
class CloneOperationTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    String role;
    String password;
    String main;
    GitRepo repo;
    final RecordingLog log = new RecordingLog();
    final List<String> lines = log.lines();

    @BeforeEach
    void mainDatabase() {
        var db = PG.createOwnedDatabase("app", r -> "pw-" + r + "-'\"$x", "CREATE TABLE item(id int PRIMARY KEY, name text); "
                + "INSERT INTO item SELECT g, 'item ' || g FROM generate_series(1, 500) g;");
        role = db.role();
        password = db.password();
        main = db.database();
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(db) + "\n");
    }

    private WorktreeDbConfig.Builder config(Path dir) {
        return WorktreeDbConfig.builder(dir);
    }

    private CloneOperation.Result clone(WorktreeDbConfig config) {
        return new CloneOperation(WorktreeContext.resolve(config, log), log, Confirmation.NOBODY, "test").run();
    }

    @Test
    void copiesTheMainDatabaseIntoALinkedWorktreeDatabaseAndMarksIt() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature/x");
        CloneOperation.Result r = clone(config(wt).build());

        String target = main + "_feature_x";
        assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
        assertThat(r.database()).isEqualTo(target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM item")).isEqualTo("500");
        assertThat(PG.owner(target)).isEqualTo(role);
        Marker marker = Marker.parse(PG.comment(target)).orElseThrow();
        assertThat(marker.source()).isEqualTo(main);
        assertThat(marker.branch()).isEqualTo("feature/x");
        assertThat(marker.worktree()).isEqualTo(wt.toAbsolutePath().normalize().toString());
        assertThat(marker.createdAt()).isNotBlank();
        assertThat(lines).anyMatch(l -> l.matches("INFO Cloned " + main + " → " + target + " \\(.* (wal-log|file-copy), .* s\\)"));
        assertThat(String.join("\n", lines)).doesNotContain(password);
    }

    @Test
    void secondRunLeavesTheDatabaseAndForceReCreatesItOnlyWhenConfirmed() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature/y");
        String target = main + "_feature_y";
        clone(config(wt).build());
        PG.sql(PG.format("ALTER DATABASE %I SET work_mem = '7MB'", target)); // a trace that re-creating removes
        PG.queryIn(target, "SELECT 1");
        try (Connection c = PG.admin(target)) {
            c.createStatement().execute("INSERT INTO item VALUES (1000, 'only in the copy')");
        }

        assertThat(clone(config(wt).build()).outcome()).isEqualTo(CloneOperation.Outcome.EXISTS);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM item")).isEqualTo("501");
        assertThat(lines).anyMatch(l -> l.startsWith("INFO Database " + target + " already exists (created ")
                && l.endsWith(" from " + main + "); leaving it as it is. Use -Dworktree-db.force=true to re-create it from "
                        + main + "."));

        // batch mode without yes: the plan is printed, nothing changes
        assertThat(clone(config(wt).force(true).build()).outcome()).isEqualTo(CloneOperation.Outcome.EXISTS);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM item")).isEqualTo("501");
        assertThat(lines).anyMatch(l -> l.startsWith("WARN Drop " + target));
        assertThat(lines).anyMatch(l -> l.startsWith("WARN Not done: ") && l.contains("-Dworktree-db.yes=true"));

        assertThat(clone(config(wt).force(true).yes(true).build()).outcome()).isEqualTo(CloneOperation.Outcome.RECREATED);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM item")).isEqualTo("500");
    }

    @Test
    void mainWorktreeOnMainBranchCopiesNothing() {
        CloneOperation.Result r = clone(config(repo.root()).build());
        assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.MAIN_WORKTREE);
        assertThat(r.database()).isEqualTo(main);
        assertThat(PG.databasesStartingWith(main)).containsExactly(main);
    }

    @Test
    void busyMainDatabaseNamesTheSessionsAndTerminateConnectionsEndsThem() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-busy"), "busy");
        try (Connection app = PG.connect(main, role, password)) {
            app.createStatement().execute("SET application_name = 'shop-web'");
            // a strategy that copies on the server cannot go ahead (auto would fall back to a dump: DumpCopyTest)
            assertThatThrownBy(() -> clone(config(wt).strategy(Strategy.FILE_COPY).build()))
                    .isInstanceOf(WorktreeDbException.class)
                    .hasMessageContaining("Cannot copy " + main + " while other sessions are connected")
                    .hasMessageContaining("shop-web")
                    .hasMessageContaining("-Dworktree-db.terminateConnections=true");
            assertThat(PG.exists(main + "_busy")).isFalse();

            CloneOperation.Result r = clone(config(wt).terminateConnections(true).build());
            assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
            assertThat(app.isValid(2)).isFalse();
        }
        assertThat(PG.queryIn(main + "_busy", "SELECT count(*) FROM item")).isEqualTo("500");
    }

    @Test
    void bothStrategiesProduceTheSameCopy() {
        for (Strategy s : List.of(Strategy.WAL_LOG, Strategy.FILE_COPY)) {
            Path wt = repo.addWorktree(tmp.resolve("wt-" + s.id()), "strategy-" + s.id());
            CloneOperation.Result r = clone(config(wt).strategy(s).build());
            if (PG.serverVersionNum() >= 150000) {
                assertThat(r.method().label()).isEqualTo(s.id());
            }
            assertThat(PG.queryIn(r.database(), "SELECT sum(id) FROM item")).isEqualTo("125250");
        }
    }

    @Test
    void hostileBranchNamesBecomeSafeDistinctNames() {
        // git refuses spaces and backslashes in branch names; everything else that breaks naive SQL is allowed
        String[] branches = {"fix/';DROP-DATABASE-postgres;--", "feat/ünï\"cøde$x%y", "a" + "b".repeat(240) + "1",
            "a" + "b".repeat(240) + "2"};
        List<String> made = new ArrayList<>();
        for (int i = 0; i < branches.length; i++) {
            Path wt = repo.addWorktree(tmp.resolve("hostile-" + i), branches[i]);
            CloneOperation.Result r = clone(config(wt).build());
            assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
            assertThat(r.database()).matches("[a-z_][a-z0-9_]{0,62}");
            assertThat(PG.queryIn(r.database(), "SELECT count(*) FROM item")).isEqualTo("500");
            made.add(r.database());
        }
        assertThat(made).doesNotHaveDuplicates();
        assertThat(PG.exists("postgres")).isTrue();
    }

    @Test
    void missingMainDatabaseListsWhatIsThere() {
        repo.write(".env", "DB_HOST=localhost\nDB_PORT=" + PG.port() + "\nDB_NAME=" + main + "x\nDB_USER=" + role
                + "\nDB_PASSWORD=\"" + password.replace("\"", "\\\"") + "\"\n");
        Path wt = repo.addWorktree(tmp.resolve("shop-missing"), "missing");
        assertThatThrownBy(() -> clone(config(wt).build()))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("The main database '" + main + "x'")
                .hasMessageContaining(".env:3 (DB_NAME)")
                .hasMessageContaining(main)
                .message().doesNotContain(password);
    }

    @Test
    void unmarkedDatabaseUnderTheNameIsNeverDropped() {
        Path wt = repo.addWorktree(tmp.resolve("shop-manual"), "manual");
        PG.createDatabase(main + "_manual", role, "CREATE TABLE mine(x int)");
        assertThat(clone(config(wt).build()).outcome()).isEqualTo(CloneOperation.Outcome.EXISTS);
        assertThatThrownBy(() -> clone(config(wt).force(true).yes(true).build()))
                .hasMessageContaining("was not created by worktree-db");
        assertThat(PG.queryIn(main + "_manual", "SELECT count(*) FROM mine")).isEqualTo("0");
    }

    @Test
    void twoSimultaneousClonesOfOneWorktreeCreateItOnce() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-race"), "race");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<CloneOperation.Result>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> {
                    start.await();
                    return new CloneOperation(WorktreeContext.resolve(config(wt).build(), Log.NONE), Log.NONE,
                            Confirmation.NOBODY, "test").run();
                }));
            }
            start.countDown();
            List<CloneOperation.Outcome> outcomes = new ArrayList<>();
            for (var f : runs) {
                outcomes.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS).outcome());
            }
            assertThat(outcomes).containsExactlyInAnyOrder(CloneOperation.Outcome.CREATED, CloneOperation.Outcome.EXISTS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(PG.queryIn(main + "_race", "SELECT count(*) FROM item")).isEqualTo("500");
    }

    @Test
    void theMainWorktreeOnAFeatureBranchGetsItsOwnDatabase() {
        repo.git("checkout", "-q", "-b", "feature/in-main");
        CloneOperation.Result r = clone(config(repo.root()).build());
        assertThat(r.outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
        assertThat(r.database()).isEqualTo(main + "_feature_in_main");
    }

    @Test
    void twoBranchesThatMapToOneNameAreToldApart() {
        Path first = repo.addWorktree(tmp.resolve("shop-a"), "feature/x");
        Path second = repo.addWorktree(tmp.resolve("shop-b"), "feature-x");
        clone(config(first).build());
        assertThatThrownBy(() -> clone(config(second).build()))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("already belongs to the worktree " + first.toAbsolutePath().normalize())
                .hasMessageContaining("-Dworktree-db.database=");
        assertThat(clone(config(second).database(main + "_feature_x2").build()).outcome())
                .isEqualTo(CloneOperation.Outcome.CREATED);
    }

    @Test
    void explicitDatabaseNameCannotBeTheMainDatabase() {
        Path wt = repo.addWorktree(tmp.resolve("shop-explicit"), "explicit");
        assertThatThrownBy(() -> clone(config(wt).database(main).build()))
                .hasMessageContaining("worktree-db.database='" + main + "' is the main database");
    }

    @Test
    void aRoleThatMayNotCreateDatabasesGetsOneClearErrorAndNothingIsCreated() {
        PG.sql(PG.format("ALTER ROLE %I NOCREATEDB", role));
        Path wt = repo.addWorktree(tmp.resolve("shop-perm"), "feature/perm");
        assertThatThrownBy(() -> clone(config(wt).build()))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("User '" + role + "' may not copy " + main)
                .hasMessageContaining("CREATEDB")
                .message().doesNotContain(password);
        assertThat(PG.databasesStartingWith(main)).containsExactly(main);
    }

    @Test
    void aStatementTimeoutFailsCleanlyAndTheNextRunSucceeds() {
        Path wt = repo.addWorktree(tmp.resolve("shop-timeout"), "feature/timeout");
        String url = "postgres://" + role + ":" + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8)
                + "@localhost:" + PG.port() + "/" + main;
        // the server cancels every statement after 1 ms: the copy itself cannot finish
        assertThatThrownBy(() -> clone(config(wt).url(url + "?options=-c%20statement_timeout%3D1").build()))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("statement timeout")
                .message().doesNotContain(password);
        assertThat(PG.exists(main + "_feature_timeout")).isFalse();
        assertThat(clone(config(wt).url(url).build()).outcome()).isEqualTo(CloneOperation.Outcome.CREATED);
    }
}
