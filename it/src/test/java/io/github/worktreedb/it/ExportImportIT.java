package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code export} and {@code import} in real builds of one sample project, in real worktrees, against a real PostgreSQL,
 * with the host's pg_dump and pg_restore. The host has Debian's postgresql-client 15, and pg_dump refuses newer servers:
 * on a PostgreSQL 16+ suite server the export must fail with the exact "client tools too old" message instead, and that
 * is what is asserted then.
 */
class ExportImportIT {

    static final TestPostgres PG = TestPostgres.get();

    private static String schema(String database) {
        return PG.queryIn(database, "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY "
                + "table_name, ordinal_position) FROM information_schema.columns WHERE table_schema = 'public'");
    }

    private static String counts(String database) {
        return PG.queryIn(database, "SELECT (SELECT count(*) FROM customer) || '/' || (SELECT count(*) FROM orders)");
    }

    private final StringBuilder timings = new StringBuilder();

    /** A build, its wall time noted for the summary line (what this class costs the suite). */
    private MavenRunner.Result run(Path dir, String... args) {
        MavenRunner.Result r = MavenRunner.run(dir, args);
        String goals = String.join("+", java.util.Arrays.stream(args).filter(g -> g.startsWith("worktree-db:"))
                .map(g -> g.substring("worktree-db:".length())).toList());
        timings.append(String.format(java.util.Locale.ROOT, " %s %.1f s;", goals, r.millis() / 1000.0));
        return r;
    }

    @Test
    void roundTripsRefusalsAndAKilledImportLeaveEveryDatabaseWholeAndNoPasswordInAnyFile() throws Exception {
        Sample s = Sample.create("export-import");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path a = s.worktree("feature/a");
        Path b = s.worktree("feature/b");
        String dbA = s.main + "_feature_a";
        String dbB = s.main + "_feature_b";

        MavenRunner.Result full = run(a, "worktree-db:clone", "worktree-db:export");
        int major = PG.serverVersionNum() / 10000;
        if (major > 15) {
            // the host's pg_dump (15) refuses this server: the exact message, and no file
            MavenRunner.assertCleanFailure(full, "needs pg_dump and pg_restore of PostgreSQL " + major + " or newer");
            assertThat(a.resolve("target/worktree-db")).doesNotExist();
            return;
        }
        assertThat(full.succeeded()).as(full.log()).isTrue();
        Path fullFile = a.resolve("target/worktree-db/" + dbA + "-full.dump");
        assertThat(full.log()).contains("Exported " + dbA + ": full, 6000 row(s) in 2 table(s)")
                .contains("mvn worktree-db:import -Dworktree-db.file=" + fullFile);
        try (Connection c = PG.admin(dbA)) {
            c.createStatement().execute("DELETE FROM orders WHERE id > 4000; ALTER TABLE customer ADD COLUMN vip boolean");
        }
        assertThat(run(a, "worktree-db:export", "-Dworktree-db.exportType=data").succeeded()).isTrue();
        assertThat(run(a, "worktree-db:export", "-Dworktree-db.exportType=schema").succeeded()).isTrue();
        Path dataFile = a.resolve("target/worktree-db/" + dbA + "-data.dump");
        Path schemaFile = a.resolve("target/worktree-db/" + dbA + "-schema.sql");

        // full, into a fresh clone in the same build: B gets A's rows and schema as they were at the first export, and
        // stays the plugin's (marker, owner)
        MavenRunner.Result imported = run(b, "worktree-db:clone", "worktree-db:import",
                "-Dworktree-db.file=" + fullFile, "-Dworktree-db.yes=true");
        assertThat(imported.succeeded()).as(imported.log()).isTrue();
        assertThat(imported.log()).contains("Imported " + fullFile.getFileName() + " (full, ")
                .contains(" into " + dbB + ": 6000 row(s)");
        assertThat(counts(dbB)).isEqualTo("1000/5000");
        assertThat(schema(dbB)).isEqualTo(schema(s.main));
        assertThat(PG.comment(dbB)).contains("\"kind\":\"worktree\"").contains("\"strategy\":\"import\"");
        assertThat(PG.owner(dbB)).isEqualTo(s.role);

        // schema, then data: B ends with A's current schema and rows
        MavenRunner.Result schemaOnly = run(b, "worktree-db:import", "-Dworktree-db.file=" + schemaFile,
                "-Dworktree-db.yes=true");
        assertThat(schemaOnly.succeeded()).as(schemaOnly.log()).isTrue();
        assertThat(schema(dbB)).isEqualTo(schema(dbA));
        assertThat(counts(dbB)).isEqualTo("0/0");
        MavenRunner.Result data = run(b, "worktree-db:import", "-Dworktree-db.file=" + dataFile,
                "-Dworktree-db.yes=true");
        assertThat(data.succeeded()).as(data.log()).isTrue();
        assertThat(counts(dbB)).isEqualTo(counts(dbA)).isEqualTo("1000/4000");
        assertThat(PG.queryIn(dbB, "SELECT sum(total) FROM orders")).isEqualTo(PG.queryIn(dbA, "SELECT sum(total) FROM orders"));

        // the main worktree: export reads the main database; import into it is refused (same build, same file)
        s.addEvents(200_000);
        Path big = a.resolve("target/worktree-db/big.dump");
        MavenRunner.Result intoMain = run(s.repo.root(), "worktree-db:export", "worktree-db:import",
                "-Dworktree-db.file=" + big, "-Dworktree-db.yes=true");
        MavenRunner.assertCleanFailure(intoMain, "Refusing to import into " + s.main + ": it is the main database");
        assertThat(intoMain.log()).contains("Exported " + s.main + ": full, 206000 row(s) in 3 table(s)");

        // killed like kill -9 in the middle of a full import: B is as it was
        Path log = Files.createTempFile("import-killed", ".log");
        Process build = MavenRunner.start(b, log, "worktree-db:import", "-Dworktree-db.file=" + big, "-Dworktree-db.yes=true");
        String temp = null;
        long deadline = System.currentTimeMillis() + 60_000;
        while (temp == null && System.currentTimeMillis() < deadline && build.isAlive()) {
            for (String t : PG.databasesStartingWith("wtdb_tmp_")) {
                if (t.endsWith(dbB) && Long.parseLong(PG.queryIn("postgres", PG.format("SELECT pg_database_size(%L)", t)))
                        > 6L * 1024 * 1024) {
                    temp = t;
                }
            }
            Thread.sleep(50);
        }
        assertThat(temp).as("the import was under way:\n" + Files.readString(log)).isNotNull();
        build.descendants().forEach(ProcessHandle::destroyForcibly); // the JVM and pg_restore: like kill -9
        build.destroyForcibly();
        build.waitFor(30, TimeUnit.SECONDS);
        assertThat(counts(dbB)).isEqualTo("1000/4000");
        assertThat(PG.queryIn(dbB, "SELECT to_regclass('events') IS NULL")).isEqualTo("t");

        // data that does not fit: refused naming table.column, B unchanged; the killed run's leftover is dropped first
        try (Connection c = PG.admin(dbB)) {
            c.createStatement().execute("ALTER TABLE orders ALTER total TYPE text; DELETE FROM orders WHERE id > 10");
        }
        MavenRunner.Result misfit = run(b, "worktree-db:import", "-Dworktree-db.file=" + dataFile,
                "-Dworktree-db.yes=true");
        MavenRunner.assertCleanFailure(misfit, "does not fit " + dbB,
                "public.orders.total (numeric(10,2) in the file, text in " + dbB + ")");
        assertThat(misfit.log()).contains("Dropping " + temp + ", a half-finished copy left by an earlier run");
        assertThat(PG.exists(temp)).isFalse();
        assertThat(counts(dbB)).isEqualTo("1000/10");

        // a file cut short: refused naming it; B unchanged
        Path cut = a.resolve("target/worktree-db/cut.dump");
        byte[] bytes = Files.readAllBytes(fullFile);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        Files.copy(fullFile.resolveSibling(fullFile.getFileName() + ".manifest.json"),
                cut.resolveSibling("cut.dump.manifest.json"));
        MavenRunner.Result corrupt = run(b, "worktree-db:import", "-Dworktree-db.file=" + cut,
                "-Dworktree-db.yes=true");
        MavenRunner.assertCleanFailure(corrupt, "The dump file " + cut + " is damaged or incomplete");
        assertThat(counts(dbB)).isEqualTo("1000/10");

        System.out.println("ExportImportIT builds:" + timings);

        // no password in any file the goals wrote
        try (Stream<Path> files = Files.list(a.resolve("target/worktree-db"))) {
            for (Path f : files.toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(s.password);
            }
        }
        assertThat(Files.readString(fullFile.resolveSibling(fullFile.getFileName() + ".manifest.json")))
                .contains("\"sha256\"").contains("\"rows\" : 5000").doesNotContain("postgres://");
    }
}
