package io.github.worktreedb.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.PgConnector;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The drop of a replaced database outlives the JVM that started it: a real second JVM tells the detached session to
 * drop a database that a lock keeps the DROP waiting on, and exits at once; once the lock is let go, the server finishes
 * the DROP on its own.
 */
class DetachedDropTest {

    static final TestPostgres PG = TestPostgres.get();

    /** The second JVM: prepares the detached drop of args[1] on the server of the URL args[0], lets it go, exits. */
    public static void main(String[] args) throws Exception {
        PgConnector server = new PgConnector(DatabaseUrls.parse(args[0]), "a test", Duration.ofSeconds(5));
        Endpoint endpoint = new Endpoint(server, "postgres");
        try (Connection c = server.connectMaintenance("postgres")) {
            Catalog catalog = new Catalog(c);
            DetachedDrop drop = DetachedDrop.prepare(endpoint, "postgres", args[1], catalog.serverVersionNum(), Log.NONE);
            drop.go(catalog);
            System.out.println("went " + PG_EXISTS_MARK);
        }
        System.exit(0); // at once: the daemon thread holding the dropping session dies with the JVM
    }

    private static final String PG_EXISTS_MARK = "returned";

    @Test
    void theDropGoesOnOnTheServerAfterTheJvmThatStartedItHasExited() throws Exception {
        TestPostgres.OwnedDatabase db = PG.createOwnedDatabase("detached", r -> "pw-" + r, "CREATE TABLE t AS SELECT 1");
        String victim = db.database() + "_aside";
        PG.createDatabase(victim, db.role(), "CREATE TABLE t AS SELECT 1");
        Path out = java.nio.file.Files.createTempFile("detached-drop", ".log");
        try (Connection holder = PG.admin()) {
            holder.setAutoCommit(false);
            // a lock on the database's catalog object, which DROP DATABASE must wait for
            holder.createStatement().execute(PG.format("COMMENT ON DATABASE %I IS 'held'", victim));
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), DetachedDropTest.class.getName(), PG.url(db), victim)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            // (a child that fell back to dropping synchronously would wait for this lock: bounded, then killed)
            boolean exited = child.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                child.destroyForcibly();
            }
            String said = java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
            assertThat(exited).as(said).isTrue();
            assertThat(child.exitValue()).as(said).isZero();
            assertThat(said).contains("went " + PG_EXISTS_MARK);
            // the JVM is gone, its DROP waits for the lock on the server
            assertThat(PG.exists(victim)).isTrue();
            assertThat(PG.queryIn("postgres", "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'DROP DATABASE%' "
                    + "AND state = 'active' AND wait_event_type = 'Lock'")).isEqualTo("1");
            holder.rollback();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (PG.exists(victim) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(PG.exists(victim)).as("dropped by the server after the client left").isFalse();
    }
}
