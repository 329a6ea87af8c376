package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.ops.Snapshots;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code snapshot} and {@code restore} in real builds, in real worktrees, against a real PostgreSQL: one sample project
 * for the class, a worktree per test.
 */
class SnapshotIT {

    static final TestPostgres PG = TestPostgres.get();

    static final String CONFIG = """
            <configuration>
              <baselineOnMigrate>true</baselineOnMigrate>
            </configuration>
            <executions>
              <execution>
                <id>database</id>
                <goals><goal>clone</goal><goal>migrate</goal></goals>
              </execution>
            </executions>
            """;

    static Sample s;

    @BeforeAll
    static void sample() {
        s = Sample.create("snapshots", CONFIG);
        s.repo.write("src/main/resources/db/migration/V2__loyalty.sql", "ALTER TABLE customer ADD COLUMN points int NOT NULL DEFAULT 0;\n");
        s.repo.commitAll("a migration");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
    }

    /** Rows and schema of the sample's tables, as one text to compare. */
    private static String state(String database) {
        return PG.queryIn(database, "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM ("
                + "SELECT 'c' || c::text AS x FROM customer c UNION ALL SELECT 'o' || o::text FROM orders o UNION ALL "
                + "SELECT 't ' || table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns "
                + "WHERE table_schema = 'public' UNION ALL SELECT 'i ' || indexname FROM pg_indexes WHERE schemaname = 'public') t");
    }

    private static void exec(String database, String sql) throws Exception {
        try (Connection c = PG.admin(database); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void restoreGivesBackExactlyTheSavedRowsAndSchemaAndStatusListsTheSnapshots() throws Exception {
        Path wt = s.worktree("feature/snap");
        String target = s.main + "_feature_snap";
        assertThat(MavenRunner.run(wt, "verify").succeeded()).isTrue();
        String saved = state(target);

        MavenRunner.Result snap = MavenRunner.run(wt, "worktree-db:snapshot", "-Dworktree-db.snapshot=before refactor");
        assertThat(snap.succeeded()).as(snap.log()).isTrue();
        String snapDb = Snapshots.databaseName(target, "before refactor");
        assertThat(snap.log()).contains("Snapshot: " + target + " saved as snapshot 'before refactor' (" + snapDb + ", ")
                .contains("Flyway version 2");

        exec(target, "DELETE FROM orders WHERE id > 4000; UPDATE customer SET name = 'changed' WHERE id < 10; "
                + "ALTER TABLE customer ADD COLUMN email text; DROP INDEX orders_customer; CREATE TABLE junk(x int)");
        assertThat(state(target)).isNotEqualTo(saved);

        MavenRunner.Result restore = MavenRunner.run(wt, "worktree-db:restore", "-Dworktree-db.snapshot=before refactor",
                "-Dworktree-db.yes=true");
        assertThat(restore.succeeded()).as(restore.log()).isTrue();
        assertThat(restore.log()).contains("Restore: " + target + " restored to snapshot 'before refactor' of ");
        assertThat(state(target)).isEqualTo(saved);
        assertThat(Marker.parse(PG.comment(target)).orElseThrow().kind()).isEqualTo(Marker.Kind.WORKTREE);
        assertThat(PG.owner(target)).isEqualTo(s.role);

        // retention and a hostile name: the newest is kept, the older one dropped and said in one line
        String hostile = "'; DROP TABLE customer; --";
        MavenRunner.Result second = MavenRunner.run(wt, "worktree-db:snapshot", "-Dworktree-db.snapshot=" + hostile,
                "-Dworktree-db.maxSnapshots=1");
        assertThat(second.succeeded()).as(second.log()).isTrue();
        assertThat(second.log()).contains("Dropped the oldest snapshot of " + target
                + " to keep 1 (worktree-db.maxSnapshots): 'before refactor' (");
        String hostileDb = Snapshots.databaseName(target, hostile);
        assertThat(hostileDb).matches("[a-z_][a-z0-9_]{0,62}");
        assertThat(PG.exists(snapDb)).isFalse();
        assertThat(PG.queryIn(hostileDb, "SELECT count(*) FROM customer")).isEqualTo("1000");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("1000");

        MavenRunner.Result status = MavenRunner.run(wt, "worktree-db:status");
        assertThat(status.log()).contains("Snapshots").containsPattern("  '; DROP TABLE customer; -- +\\d{4}-\\d\\d-\\d\\dT[^ ]+ +"
                + "[0-9.]+ [kMG]?B +2");
    }

    /**
     * A restore killed (like kill -9) while the server copies the snapshot: the worktree database is untouched, and the
     * next restore works. The copy is held in progress by a session that keeps the snapshot's catalog entry locked (as
     * ReliabilityIT holds a clone).
     */
    @Test
    void aRestoreKilledMidwayLeavesTheWorktreeDatabaseIntact() throws Exception {
        Path wt = s.worktree("feature/killed");
        String target = s.main + "_feature_killed";
        assertThat(MavenRunner.run(wt, "verify").succeeded()).isTrue();
        assertThat(MavenRunner.run(wt, "worktree-db:snapshot", "-Dworktree-db.snapshot=base").succeeded()).isTrue();
        exec(target, "INSERT INTO customer(id, name) VALUES (5000, 'after the snapshot')");
        String now = state(target);
        String marker = PG.comment(target);
        String snapDb = Snapshots.databaseName(target, "base");
        Path log = Files.createTempFile("killed-restore", ".log");
        try (Connection holder = PG.admin(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute(PG.format("COMMENT ON DATABASE %I IS %L", snapDb, PG.comment(snapDb)));
            Process build = MavenRunner.start(wt, log, "worktree-db:restore", "-Dworktree-db.yes=true");
            String copier;
            try {
                copier = awaitCopyWaitingOnLock(target, build, log);
            } finally {
                build.descendants().forEach(ProcessHandle::destroyForcibly);
                build.destroyForcibly();
                build.waitFor(30, TimeUnit.SECONDS);
            }
            awaitBackendGone(copier, 15_000);
            holder.rollback();
            awaitBackendGone(copier, 30_000);
        }
        assertThat(state(target)).isEqualTo(now);
        assertThat(PG.comment(target)).isEqualTo(marker);

        MavenRunner.Result again = MavenRunner.run(wt, "worktree-db:restore", "-Dworktree-db.yes=true");
        assertThat(again.succeeded()).as(again.log()).isTrue();
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer WHERE id = 5000")).isEqualTo("0");
        assertThat(PG.databasesStartingWithAfterDrops("wtdb_")).noneMatch(n -> n.endsWith(target));
    }

    /** snapshotBefore: a failed migrate names the snapshot and the command; that command undoes it; cleanup drops both. */
    @Test
    void snapshotBeforeAFailingMigrationAndTheRestoreItSuggests() throws Exception {
        Path wt = s.worktree("feature/risky");
        String target = s.main + "_feature_risky";
        assertThat(MavenRunner.run(wt, "verify").succeeded()).isTrue();
        Files.writeString(wt.resolve("src/main/resources/db/migration/V3__tiers.sql"), "CREATE TABLE tiers(name text PRIMARY KEY);\n");
        Files.writeString(wt.resolve("src/main/resources/db/migration/V4__broken.sql"),
                "ALTER TABLE customer ADD COLUMN tier text REFERENCES no_such_table(name);\n");
        MavenRunner.Result failed = MavenRunner.run(wt, "verify", "-Dworktree-db.snapshotBefore=true");
        assertThat(failed.succeeded()).isFalse();
        Matcher m = Pattern.compile(Pattern.quote(target) + " was saved just before this migrate as snapshot '(before_migrate_"
                + "\\d{8}_\\d{6})'\\. To undo what the migration left behind, run: (mvn worktree-db:restore -Dworktree-db\\.snapshot="
                + "before_migrate_\\d{8}_\\d{6})").matcher(failed.log());
        assertThat(m.find()).as(failed.log()).isTrue();
        assertThat(PG.queryIn(target, "SELECT to_regclass('tiers') IS NOT NULL")).isEqualTo("t");

        String[] command = m.group(2).split(" ");
        MavenRunner.Result undone = MavenRunner.run(wt, command[1], command[2], "-Dworktree-db.yes=true");
        assertThat(undone.succeeded()).as(undone.log()).isTrue();
        assertThat(PG.queryIn(target, "SELECT to_regclass('tiers') IS NULL")).isEqualTo("t");
        assertThat(PG.queryIn(target, "SELECT max(version) FROM flyway_schema_history WHERE success")).isEqualTo("2");

        // the worktree goes: cleanup drops its database and its snapshot, and nothing of another worktree
        String snapDb = Snapshots.databaseName(target, m.group(1));
        s.repo.git("worktree", "remove", "--force", wt.toString());
        s.repo.git("branch", "-D", "feature/risky");
        MavenRunner.Result cleanup = MavenRunner.run(s.repo.root(), "worktree-db:cleanup", "-Dworktree-db.yes=true");
        assertThat(cleanup.succeeded()).as(cleanup.log()).isTrue();
        assertThat(cleanup.log()).contains("Dropped " + snapDb + " (").contains("snapshot '" + m.group(1) + "' of " + target
                + ": branch feature/risky is gone");
        assertThat(PG.exists(target)).isFalse();
        assertThat(PG.exists(snapDb)).isFalse();
    }

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
        throw new AssertionError("the restore's CREATE DATABASE was not waiting within 2 minutes:\n" + Files.readString(log));
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
}
