package io.github.worktreedb.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.postgres.PgConnector;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The copy engine on its own, between endpoints, against the real test server (and a second one). */
class CopyEngineTest {

    static final TestPostgres PG = TestPostgres.get();

    private final RecordingLog log = new RecordingLog();
    private final List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());

    private static CopyEngine.Settings settings(Strategy strategy) {
        return new CopyEngine.Settings(strategy, false, null, "postgres", Duration.ofSeconds(5));
    }

    private static Marker marker(String source) {
        return new Marker(Marker.TOOL, "t", source, "b", "/w", "2026-11-30T00:00:00Z", null, "/w/.git", false);
    }

    private static PgConnector connector(TestPostgres pg, TestPostgres.OwnedDatabase db) {
        return new PgConnector(DatabaseUrls.parse(pg.url(db)), "a test", Duration.ofSeconds(5));
    }

    /**
     * While {@code CREATE DATABASE} runs (held on a lock on main's catalog entry, as in ReliabilityIT), the copy exists
     * only under its temporary name; the final name appears already marked.
     */
    @Test
    void theCopyIsMadeUnderATemporaryNameAndTheFinalNameAppearsOnlyWithTheMarker() throws Exception {
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase("eng", r -> "pw-" + r, "CREATE TABLE t AS SELECT 1 AS x");
        PgConnector server = connector(PG, main);
        Endpoint source = new Endpoint(server, main.database());
        Endpoint target = source.withDatabase(main.database() + "_copy");
        CopyEngine engine = new CopyEngine(settings(Strategy.WAL_LOG), log, events::add);
        CompletableFuture<CopyEngine.Copied> copy;
        try (Connection holder = PG.admin(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute(PG.format("COMMENT ON DATABASE %I IS 'held by a test'", main.database()));
            copy = CompletableFuture.supplyAsync(() -> {
                try (Connection c = server.connectMaintenance("postgres")) {
                    Catalog catalog = new Catalog(c);
                    catalog.lock(target.database());
                    return engine.copy(catalog, engine.plan(catalog, source, target), main.role(), marker(main.database()));
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            String query = null;
            for (long deadline = System.currentTimeMillis() + 30_000; query == null && System.currentTimeMillis() < deadline; ) {
                query = PG.queryIn("postgres", "SELECT query FROM pg_stat_activity WHERE application_name = 'worktree-db' "
                        + "AND wait_event_type = 'Lock' AND query LIKE 'CREATE DATABASE%'");
                Thread.sleep(20);
            }
            assertThat(query).as("the copy's CREATE DATABASE, waiting").isNotNull()
                    .contains(CopyEngine.tempName(target.database()));
            assertThat(PG.exists(target.database())).isFalse();
            holder.rollback();
        }
        CopyEngine.Copied copied = copy.get(60, TimeUnit.SECONDS);
        assertThat(copied.method()).isIn(CopyMethod.WAL_LOG, CopyMethod.FILE_COPY);
        Marker m = Marker.parse(PG.comment(target.database())).orElseThrow();
        assertThat(m.kind()).isEqualTo(Marker.Kind.WORKTREE);
        assertThat(m.strategy()).isEqualTo(copied.method().label());
        assertThat(PG.exists(CopyEngine.tempName(target.database()))).isFalse();
        assertThat(PG.queryIn(target.database(), "SELECT x FROM t")).isEqualTo("1");
        assertThat(events).extracting(ProgressEvent::phase)
                .containsExactly(ProgressEvent.Phase.STARTED, ProgressEvent.Phase.FINISHED);
    }

    @Test
    void aLeftoverInProgressCopyIsDroppedAndAnUnmarkedOneUnderTheTemporaryNameIsNot() throws Exception {
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase("left", r -> "pw-" + r, "SELECT 1");
        String temp = CopyEngine.tempName(main.database() + "_x");
        CopyEngine engine = new CopyEngine(settings(Strategy.AUTO), log, ProgressListener.NONE);
        PG.createDatabase(temp, main.role(), "SELECT 1");
        PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", temp,
                marker(main.database()).as(Marker.Kind.IN_PROGRESS, "dump").toJson()));
        try (Connection c = PG.admin()) {
            Catalog catalog = new Catalog(c);
            engine.dropLeftover(catalog, catalog.facts(temp));
            assertThat(PG.exists(temp)).isFalse();

            PG.createDatabase(temp, main.role(), "SELECT 1");
            assertThatThrownBy(() -> engine.dropLeftover(catalog, catalog.facts(temp)))
                    .isInstanceOf(WorktreeDbException.class)
                    .hasMessageContaining("exists without the in-progress marker")
                    .hasMessageContaining("DROP DATABASE \"" + temp + "\"");
            assertThat(PG.exists(temp)).isTrue();
        } finally {
            PG.dropDatabase(temp);
        }
    }

    /** The seam for a worktree's own server: source and target on two servers, copied with a dump. */
    @Test
    void twoServersAreCopiedBetweenWithADump() throws Exception {
        ClientTools.Tools newest = ClientTools.candidates(null).stream().map(ClientTools::probe)
                .filter(java.util.Objects::nonNull).max(java.util.Comparator.comparingInt(ClientTools.Tools::major))
                .orElse(null);
        assumeTrue(newest != null && newest.major() >= PG.serverVersionNum() / 10000,
                "the host's pg_dump is older than the test server");
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase("xsrv", r -> "pw-" + r,
                "CREATE TABLE t AS SELECT g AS x FROM generate_series(1, 1000) g");
        TestPostgres other = TestPostgres.startEmbedded(new TestPostgres.EmbeddedOptions(null, null, 0, false));
        try {
            other.createRole(main.role(), main.password());
            Endpoint source = new Endpoint(connector(PG, main), main.database());
            PgConnector otherServer = new PgConnector(DatabaseUrls.parse(PG.url(main).replace(":" + PG.port() + "/",
                    ":" + other.port() + "/")), "a test", Duration.ofSeconds(5));
            Endpoint target = new Endpoint(otherServer, main.database() + "_there");
            assertThat(source.sameServer(target)).isFalse();
            CopyEngine engine = new CopyEngine(settings(Strategy.AUTO), Log.NONE, events::add);
            try (Connection c = otherServer.connectMaintenance("postgres")) {
                Catalog catalog = new Catalog(c);
                CopyEngine.Plan plan = engine.plan(catalog, source, target);
                assertThat(plan.method()).isEqualTo(CopyMethod.DUMP);
                assertThat(engine.copy(catalog, plan, null, marker(main.database())).method()).isEqualTo(CopyMethod.DUMP);
            }
            assertThat(other.queryIn(target.database(), "SELECT sum(x) FROM t")).isEqualTo("500500");
            assertThat(Marker.parse(other.comment(target.database())).orElseThrow().kind()).isEqualTo(Marker.Kind.WORKTREE);
            assertThat(PG.exists(target.database())).isFalse();
        } finally {
            other.close();
        }
    }
    /**
     * {@code replace}: the target's name holds the complete new copy afterwards, with the caller's marker kind; a
     * session on the old target is ended; the replaced database is gone. A copy that fails leaves the target as it was.
     */
    @Test
    void replaceSwapsTheNewCopyInAndAFailedCopyLeavesTheTargetAsItWas() throws Exception {
        Replaceable r = replaceable("repl", "CREATE TABLE t AS SELECT 2 AS x",
                "CREATE TABLE t AS SELECT 1 AS x; CREATE TABLE mine (y int)");
        TestPostgres.OwnedDatabase main = r.main();
        PgConnector server = r.server();
        Endpoint source = r.source();
        Endpoint target = r.target();
        CopyEngine engine = new CopyEngine(settings(Strategy.WAL_LOG), log, ProgressListener.NONE);
        try (Connection user = PG.connect(target.database(), main.role(), main.password());
                Connection c = server.connectMaintenance("postgres")) {
            Catalog catalog = new Catalog(c);
            Marker snapshotKind = marker(main.database()).as(Marker.Kind.SNAPSHOT, null);
            CopyEngine.Copied copied = engine.replace(catalog, engine.plan(catalog, source, target), main.role(),
                    snapshotKind);
            assertThat(copied.method()).isEqualTo(CopyMethod.WAL_LOG);
            assertThat(user.isValid(2)).as("the session on the replaced database was ended").isFalse();
        }
        assertThat(PG.queryIn(target.database(), "SELECT x FROM t")).isEqualTo("2");
        assertThat(PG.queryIn(target.database(), "SELECT count(*) FROM pg_class WHERE relname = 'mine'")).isEqualTo("0");
        assertThat(PG.owner(target.database())).isEqualTo(main.role());
        Marker m = Marker.parse(PG.comment(target.database())).orElseThrow();
        assertThat(m.kind()).isEqualTo(Marker.Kind.SNAPSHOT);
        assertThat(m.strategy()).isEqualTo("wal-log");
        // the replaced database is dropped by a session the run does not wait for: gone within moments
        awaitGone(CopyEngine.asideName(target.database()));
        assertThat(PG.exists(CopyEngine.tempName(target.database()))).isFalse();

        Endpoint missing = source.withDatabase(main.database() + "_nonexistent");
        try (Connection c = server.connectMaintenance("postgres")) {
            Catalog catalog = new Catalog(c);
            CopyEngine.Plan plan = new CopyEngine.Plan(missing, target, CopyMethod.WAL_LOG, 0, catalog.serverVersionNum(),
                    catalog.serverVersion(), catalog.serverVersionNum());
            assertThatThrownBy(() -> engine.replace(catalog, plan, main.role(), marker(main.database())))
                    .isInstanceOf(java.sql.SQLException.class);
        }
        assertThat(PG.queryIn(target.database(), "SELECT x FROM t")).isEqualTo("2");
        assertThat(Marker.parse(PG.comment(target.database())).orElseThrow().kind()).isEqualTo(Marker.Kind.SNAPSHOT);
        assertThat(PG.exists(CopyEngine.tempName(target.database()))).isFalse();
    }

    /**
     * Under auto, a copy that replaces a database is made with FILE_COPY even when it is small enough for WAL_LOG: the
     * replaced database's DROP forces a checkpoint that would write WAL_LOG's pages out again. A chosen strategy stays.
     */
    @Test
    void autoReplacesWithFileCopyWhileAChosenStrategyIsKept() throws Exception {
        Replaceable r = replaceable("replauto", "CREATE TABLE t AS SELECT 3 AS x", "CREATE TABLE t AS SELECT 1 AS x");
        TestPostgres.OwnedDatabase main = r.main();
        PgConnector server = r.server();
        Endpoint source = r.source();
        Endpoint target = r.target();
        try (Connection c = server.connectMaintenance("postgres")) {
            Catalog catalog = new Catalog(c);
            CopyEngine auto = new CopyEngine(settings(Strategy.AUTO), log, ProgressListener.NONE);
            CopyEngine.Plan plan = auto.plan(catalog, source, target);
            if (catalog.serverVersionNum() >= 150000 && catalog.serverVersionNum() < 180000) {
                assertThat(plan.method()).as("a clone of a small database").isEqualTo(CopyMethod.WAL_LOG);
            }
            assertThat(auto.replace(catalog, plan, main.role(), marker(main.database())).method())
                    .isIn(CopyMethod.FILE_COPY, CopyMethod.FILE_COPY_CLONE); // clone: PostgreSQL 18 where the file system can
            awaitGone(CopyEngine.asideName(target.database())); // the first replace's detached drop
            if (catalog.serverVersionNum() >= 150000) {
                CopyEngine walLog = new CopyEngine(settings(Strategy.WAL_LOG), log, ProgressListener.NONE);
                assertThat(walLog.replace(catalog, walLog.plan(catalog, source, target), main.role(),
                        marker(main.database())).method()).isEqualTo(CopyMethod.WAL_LOG);
            }
        }
        assertThat(PG.queryIn(target.database(), "SELECT x FROM t")).isEqualTo("3");
    }

    /** A main database and a marked worktree database of it, {@code <main>_wt}, for the replace tests. */
    private record Replaceable(TestPostgres.OwnedDatabase main, PgConnector server, Endpoint source, Endpoint target) {}

    private static Replaceable replaceable(String prefix, String mainSql, String targetSql) {
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase(prefix, role -> "pw-" + role, mainSql);
        PgConnector server = connector(PG, main);
        Endpoint source = new Endpoint(server, main.database());
        Endpoint target = source.withDatabase(main.database() + "_wt");
        PG.createDatabase(target.database(), main.role(), targetSql);
        PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", target.database(), marker(main.database()).toJson()));
        return new Replaceable(main, server, source, target);
    }

    /** Waits up to 10 s for a database to be gone (a detached drop runs on after the run returns). */
    static void awaitGone(String database) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (PG.exists(database) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(PG.exists(database)).as(database + " dropped within 10 s").isFalse();
    }
}
