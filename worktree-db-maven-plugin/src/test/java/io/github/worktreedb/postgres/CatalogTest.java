package io.github.worktreedb.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The catalog's statements against the real test server: names and comments quoted on the client by the driver
 * reach the server exactly as given, whatever they contain, and the facts of several databases come in one query.
 */
class CatalogTest {

    static final TestPostgres PG = TestPostgres.get();

    /** Names a branch or a configuration could produce, each hostile to naive SQL building in its own way. */
    private static final List<String> HOSTILE = List.of("Mixed Case", "quote\"inside", "it's", "semi;colon DROP DATABASE x",
            "back\\slash", "dollar$$quote", "ünïcødé-名前", "trailing space ");

    @Test
    void hostileNamesAreCreatedRenamedCommentedAndDroppedExactlyAsGiven() throws SQLException {
        try (Connection conn = PG.admin()) {
            Catalog catalog = new Catalog(conn);
            for (String hostile : HOSTILE) {
                String name = TestPostgres.uniqueName("cat") + hostile;
                String renamed = name + "_r";
                String comment = "{\"note\":\"" + hostile + "' \\\\ ''; --\"}";
                try {
                    catalog.createEmpty(name, null);
                    assertThat(PG.exists(name)).as(name).isTrue();
                    catalog.setComment(name, comment);
                    assertThat(PG.comment(name)).as(name).isEqualTo(comment);
                    catalog.renameWithComment(name, renamed, comment);
                    assertThat(PG.exists(name)).as(name).isFalse();
                    assertThat(catalog.facts(renamed).comment()).as(renamed).isEqualTo(comment);
                    catalog.drop(renamed, true);
                    assertThat(PG.exists(renamed)).as(renamed).isFalse();
                } finally {
                    PG.dropDatabase(name);
                    PG.dropDatabase(renamed);
                }
            }
        }
    }

    @Test
    void aRenameThatFailsChangesNothingAndLeavesTheSessionUsable() throws SQLException {
        String from = TestPostgres.uniqueName("cat_from");
        String taken = TestPostgres.uniqueName("cat_taken");
        try (Connection conn = PG.admin()) {
            Catalog catalog = new Catalog(conn);
            catalog.createEmpty(from, null);
            catalog.setComment(from, "before");
            catalog.createEmpty(taken, null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> catalog.renameWithComment(from, taken, "after"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("already exists");
            assertThat(catalog.facts(from).comment()).isEqualTo("before");
            assertThat(catalog.facts(taken).comment()).isNull();
        } finally {
            PG.dropDatabase(from);
            PG.dropDatabase(taken);
        }
    }

    @Test
    void aCommentWithBackslashesSurvivesWhenTheSessionDoesNotUseStandardConformingStrings() throws SQLException {
        String name = TestPostgres.uniqueName("cat_scs");
        String comment = "C:\\temp\\n it's \\' done";
        try (Connection conn = PG.admin(); Statement st = conn.createStatement()) {
            st.execute("SET standard_conforming_strings = off"); // the driver learns it from the server's ParameterStatus
            Catalog catalog = new Catalog(conn);
            catalog.createEmpty(name, null);
            catalog.setComment(name, comment);
            assertThat(PG.comment(name)).isEqualTo(comment);
        } finally {
            PG.dropDatabase(name);
        }
    }

    @Test
    void factsComeInTheOrderAskedWithAbsentDatabasesMarkedAsSuch() throws SQLException {
        var db = PG.createOwnedDatabase("cat", r -> "pw", "SELECT 1");
        String missing = TestPostgres.uniqueName("cat_missing");
        try (Connection conn = PG.admin()) {
            Catalog catalog = new Catalog(conn);
            catalog.setComment(db.database(), "not a marker");
            Map<String, Catalog.DatabaseFacts> facts = catalog.facts(missing, db.database());
            assertThat(facts.keySet()).containsExactly(missing, db.database());
            assertThat(facts.get(missing)).isEqualTo(new Catalog.DatabaseFacts(missing, false, null, false, null));
            Catalog.DatabaseFacts there = facts.get(db.database());
            assertThat(there.exists()).isTrue();
            assertThat(there.owner()).isEqualTo(db.role());
            assertThat(there.ownerIsMine()).isTrue(); // the admin is a superuser: member of every role
            assertThat(there.comment()).isEqualTo("not a marker");
            assertThat(there.marker()).isEmpty();
        }
        try (Connection conn = PG.connect(db.database(), db.role(), db.password())) {
            assertThat(new Catalog(conn).facts("postgres").ownerIsMine()).as("a plain role is no member of the bootstrap "
                    + "superuser").isFalse();
        }
    }

    @Test
    void aForcedDropGetsPastASessionItMayNotEndOnceThatSessionLeaves() throws Exception {
        // like an autovacuum worker (no role) or another user's session: WITH (FORCE) refuses to signal it (42501)
        var db = PG.createOwnedDatabase("cat_drop", r -> "pw", "SELECT 1");
        String other = TestPostgres.uniqueName("cat_other");
        PG.createRole(other, "pw-other");
        Connection visitor = PG.connect(db.database(), other, "pw-other");
        Thread leaves = new Thread(() -> {
            try {
                Thread.sleep(1_000);
                visitor.close();
            } catch (InterruptedException | SQLException ignored) {
                // the test fails on its own if the session stays
            }
        });
        try (Connection conn = PG.connect("postgres", db.role(), db.password())) {
            leaves.start();
            new Catalog(conn).drop(db.database(), true);
            assertThat(PG.exists(db.database())).isFalse();
        } finally {
            leaves.join();
        }
    }

    @Test
    void aForcedDropOfADatabaseSomeoneElseKeepsUsingFailsAndLeavesIt() throws Exception {
        var db = PG.createOwnedDatabase("cat_busy", r -> "pw", "SELECT 1");
        String other = TestPostgres.uniqueName("cat_other");
        PG.createRole(other, "pw-other");
        try (Connection visitor = PG.connect(db.database(), other, "pw-other");
                Connection conn = PG.connect("postgres", db.role(), db.password())) {
            assertThatThrownBy(() -> new Catalog(conn).drop(db.database(), true)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("is being accessed by other users");
            assertThat(PG.exists(db.database())).isTrue();
            assertThat(visitor.isValid(2)).isTrue();
        }
    }

    @Test
    void theServerVersionFromTheLoginMatchesWhatTheServerSays() throws SQLException {
        try (Connection conn = PG.admin()) {
            Catalog catalog = new Catalog(conn);
            assertThat(catalog.serverVersionNum()).isEqualTo(PG.serverVersionNum());
            assertThat(catalog.serverVersion()).isEqualTo(PG.serverVersion());
        }
    }

    @Test
    void aNameWithANulCharacterIsRefusedBeforeAnythingIsSent() throws SQLException {
        try (Connection conn = PG.admin()) {
            assertThatThrownBy(() -> new Catalog(conn).drop("bad\0name", false)).isInstanceOf(SQLException.class);
        }
    }

    /**
     * An autovacuum worker connected to a database is not a session: nobody opened it, and the server ends it itself
     * for CREATE, DROP and RENAME. Counting it made reset say it "ended 1 open session" that never was (seen in CI
     * right after a test deleted rows). A table whose vacuum is throttled to a crawl keeps a worker there.
     */
    @Test
    void anAutovacuumWorkerIsNotASession() throws Exception {
        String db = TestPostgres.uniqueName("cat_av");
        PG.createDatabase(db, "postgres", """
                CREATE TABLE big(id int, pad text) WITH (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
                    autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1);
                INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g;
                DELETE FROM big;
                """);
        // the server's own setting from postgresql.auto.conf, put back afterwards (on a server given to the tests too)
        String before = PG.queryIn("postgres", "SELECT setting FROM pg_file_settings WHERE name = 'autovacuum_naptime' "
                + "AND sourcefile LIKE '%postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1");
        PG.sql("ALTER SYSTEM SET autovacuum_naptime = '1s'");
        PG.sql("SELECT pg_reload_conf()");
        try (Connection conn = PG.admin()) {
            Catalog catalog = new Catalog(conn);
            long deadline = System.nanoTime() + 60_000_000_000L;
            String workers = "0";
            while (workers.equals("0") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                workers = PG.queryIn("postgres", "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db
                        + "' AND backend_type = 'autovacuum worker'");
            }
            assertThat(workers).as("an autovacuum worker came to " + db).isNotEqualTo("0");
            assertThat(catalog.sessions(db)).isEmpty();
            assertThat(catalog.terminateSessions(db)).isZero();
        } finally {
            PG.sql(before == null ? "ALTER SYSTEM RESET autovacuum_naptime"
                    : "ALTER SYSTEM SET autovacuum_naptime = '" + before.replace("'", "''") + "'");
            PG.sql("SELECT pg_reload_conf()");
            PG.dropDatabase(db);
        }
    }
}
