package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.SeedSettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import io.github.worktreedb.testing.TestPostgres;
import io.github.worktreedb.transfer.CopyEngine;
import io.github.worktreedb.transfer.ExportType;
import io.github.worktreedb.transfer.Manifest;
import io.github.worktreedb.transfer.ProgressEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * export and import against the real test server with the host's real pg_dump and pg_restore, in real git worktrees.
 * The host has Debian's postgresql-client 15, and pg_dump refuses newer servers: on a PostgreSQL 16+ test server
 * (-Dembedded-postgres-binaries.version=18...) each test asserts the exact "client tools too old" message instead of
 * the round trip, and that nothing was changed.
 */
class ExportImportTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    TestPostgres.OwnedDatabase main;
    GitRepo repo;
    Path wtA;
    Path wtB;
    String dbA;
    String dbB;
    final RecordingLog log = new RecordingLog();
    final List<ProgressEvent> events = new ArrayList<>();

    @BeforeEach
    void twoWorktrees() {
        main = PG.createOwnedDatabase("exp", r -> "pw-" + r + "-'$", """
                CREATE TABLE flyway_schema_history(installed_rank int PRIMARY KEY, version text, description text,
                  type text, script text, checksum int, installed_by text, installed_on timestamp DEFAULT now(),
                  execution_time int, success boolean);
                INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 11, 'me', now(), 1, true),
                  (2, '2', 'orders', 'SQL', 'V2__orders.sql', 22, 'me', now(), 1, true);
                CREATE TABLE customer(id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE orders(id bigserial PRIMARY KEY, customer_id int REFERENCES customer, total numeric(10,2));
                CREATE FUNCTION n() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders; $$;
                INSERT INTO customer SELECT g, 'c' || g FROM generate_series(1, 2000) g;
                INSERT INTO orders(customer_id, total) SELECT 1 + g % 2000, g FROM generate_series(1, 25000) g;
                """);
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        repo.commitAll("env");
        wtA = repo.addWorktree(tmp.resolve("wt-a"), "feature/a");
        wtB = repo.addWorktree(tmp.resolve("wt-b"), "feature/b");
        dbA = main.database() + "_feature_a";
        dbB = main.database() + "_feature_b";
        new CloneOperation(context(wtA, false), Log.NONE, Confirmation.NOBODY, "test").run();
        new CloneOperation(context(wtB, false), Log.NONE, Confirmation.NOBODY, "test").run();
    }

    private WorktreeContext context(Path wt, boolean yes) {
        return WorktreeContext.resolve(WorktreeDbConfig.builder(wt).yes(yes).build(), Log.NONE);
    }

    private static void exec(String database, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = PG.admin(database)) {
            c.createStatement().execute(sql);
        }
    }

    /** Runs {@code sql} as the databases' owner (the role in the env file), so that export and import may read it. */
    private void asOwner(String database, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = PG.connect(database, main.role(), main.password())) {
            c.createStatement().execute(sql);
        }
    }

    private static boolean hostDumpFits() {
        ClientTools.Tools newest = ClientTools.candidates(null).stream().map(ClientTools::probe).filter(Objects::nonNull)
                .max(java.util.Comparator.comparingInt(ClientTools.Tools::major)).orElse(null);
        return newest != null && newest.major() >= PG.serverVersionNum() / 10000;
    }

    private ExportOperation.Result export(Path wt, ExportType type, String file) {
        return new ExportOperation(context(wt, false), log, "test", events::add).run(type, file);
    }

    private ImportOperation.Result importInto(Path wt, String file) {
        return new ImportOperation(context(wt, true), log, Confirmation.NOBODY, "test", events::add).run(file);
    }

    /** On a server newer than the host's pg_dump: the exact message, and no file written. */
    private boolean toolsTooOld(Path wt) {
        if (hostDumpFits()) {
            return false;
        }
        int major = PG.serverVersionNum() / 10000;
        assertThatThrownBy(() -> export(wt, ExportType.FULL, "out.dump"))
                .hasMessageContaining("needs pg_dump and pg_restore of PostgreSQL " + major + " or newer (the server is ");
        assertThat(wt.resolve("out.dump")).doesNotExist();
        return true;
    }

    @Test
    void fullRoundTripGivesTheSameRowsSchemaMarkerAndOwnerAndAManifestWithoutPassword() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", dbB, PG.comment(dbB))); // unchanged marker, read below
        Marker before = Marker.parse(PG.comment(dbB)).orElseThrow();
        PG.queryIn(dbA, "WITH d AS (DELETE FROM orders WHERE id > 20000 RETURNING 1) SELECT count(*) FROM d");
        PG.queryIn(dbB, "WITH d AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM d");

        ExportOperation.Result out = export(wtA, ExportType.FULL, null);
        Path file = wtA.resolve("target/worktree-db/" + dbA + "-full.dump");
        assertThat(out.file().path()).isEqualTo(file);
        Manifest m = out.manifest();
        assertThat(m.exportType()).isEqualTo("full");
        assertThat(m.sha256()).isEqualTo(out.file().sha256()).hasSize(64);
        assertThat(m.table("public.orders").orElseThrow().rows()).isEqualTo(20000);
        assertThat(m.table("public.orders").orElseThrow().columns()).extracting(Manifest.Column::type)
                .containsExactly("bigint", "integer", "numeric(10,2)");
        assertThat(m.flyway().version()).isEqualTo("2");
        assertThat(m.encoding()).isEqualTo("UTF8");
        String manifestText = Files.readString(out.file().manifestPath());
        assertThat(manifestText).doesNotContain(main.password()).doesNotContain("postgres://");
        assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(main.password());

        ImportOperation.Result r = importInto(wtB, file.toString());
        assertThat(r.done()).isTrue();
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("20000");
        assertThat(PG.queryIn(dbB, "SELECT n()")).isEqualTo("20000");
        assertThat(PG.queryIn(dbB, "SELECT sum(total) FROM orders")).isEqualTo(PG.queryIn(dbA, "SELECT sum(total) FROM orders"));
        assertThat(PG.queryIn(dbB, "SELECT nextval('orders_id_seq')")).isEqualTo("25001");
        Marker after = Marker.parse(PG.comment(dbB)).orElseThrow();
        assertThat(after.kind()).isEqualTo(Marker.Kind.WORKTREE);
        assertThat(after.strategy()).isEqualTo("import");
        assertThat(after.branch()).isEqualTo(before.branch());
        assertThat(PG.owner(dbB)).isEqualTo(main.role());
        assertThat(PG.databasesStartingWith(CopyEngine.TEMP_PREFIX)).noneMatch(n -> n.contains(main.database()));
        assertThat(PG.databasesStartingWithAfterDrops(CopyEngine.ASIDE_PREFIX)).noneMatch(n -> n.contains(main.database()));
        assertThat(log.lines()).anyMatch(l -> l.startsWith("INFO Flyway: the file and the target are both at version 2"));
        assertThat(String.join("\n", log.lines())).doesNotContain(main.password());
    }

    @Test
    void dataRoundTripInOneTransactionWithProgressAndTheHistoryTablesLeftOut() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        PG.queryIn(dbB, "WITH d AS (DELETE FROM orders WHERE id <= 100 RETURNING 1) SELECT count(*) FROM d");
        ExportOperation.Result out = export(wtA, ExportType.DATA, "data.dump");
        assertThat(out.manifest().tables()).extracting(Manifest.Table::qualified)
                .containsExactlyInAnyOrder("public.customer", "public.orders");
        events.clear();
        importInto(wtB, "../wt-a/data.dump");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("25000");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM flyway_schema_history")).isEqualTo("2");
        assertThat(events).filteredOn(e -> e.phase() == ProgressEvent.Phase.RUNNING).isNotEmpty()
                .allSatisfy(e -> {
                    assertThat(e.unit()).isEqualTo(ProgressEvent.Unit.ROWS);
                    assertThat(e.total()).isEqualTo(27000);
                    assertThat(e.done()).isBetween(1L, 27000L);
                });
        assertThat(events).last().satisfies(e -> assertThat(e.done()).isEqualTo(27000));
    }

    /** With snapshotBefore, the state the import replaces is saved first: one restore undoes the import. */
    @Test
    void snapshotBeforeSavesTheTargetFirst() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        PG.queryIn(dbB, "WITH d AS (DELETE FROM orders WHERE id <= 100 RETURNING 1) SELECT count(*) FROM d");
        export(wtA, ExportType.DATA, "data.dump");
        WorktreeContext ctx = WorktreeContext.resolve(WorktreeDbConfig.builder(wtB).yes(true)
                .snapshots(new io.github.worktreedb.config.SnapshotSettings(null, 5, true)).build(), Log.NONE);
        new ImportOperation(ctx, log, Confirmation.NOBODY, "test", events::add).run("../wt-a/data.dump");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("25000");
        List<Snapshots.Snap> saved;
        try (java.sql.Connection c = PG.admin()) {
            saved = Snapshots.of(c, ctx, dbB);
        }
        assertThat(saved).singleElement().satisfies(snap -> {
            assertThat(snap.marker().snapshot().name()).startsWith("before_import_");
            assertThat(PG.queryIn(snap.database(), "SELECT count(*) FROM orders")).isEqualTo("24900");
        });
    }

    @Test
    void aDataImportThatDoesNotFitIsRefusedNamingTheColumnAndChangesNothing() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        export(wtA, ExportType.DATA, "data.dump");
        exec(dbB, "ALTER TABLE orders ALTER total TYPE text; DELETE FROM orders WHERE id > 10");
        assertThatThrownBy(() -> importInto(wtB, "../wt-a/data.dump"))
                .hasMessageContaining("does not fit " + dbB)
                .hasMessageContaining("public.orders.total (numeric(10,2) in the file, text in " + dbB + ")")
                .hasMessageContaining("Nothing was changed");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("10");
    }

    @Test
    void aTruncatedOrAlteredFileIsRefusedNamingItAndTheTargetIsUnchanged() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        export(wtA, ExportType.FULL, "full.dump");
        Path file = wtA.resolve("full.dump");
        PG.queryIn(dbB, "WITH d AS (DELETE FROM orders WHERE id > 7 RETURNING 1) SELECT count(*) FROM d");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> importInto(wtB, file.toString()))
                .hasMessageContaining("The dump file " + file + " is damaged or incomplete: it has " + bytes.length / 2
                        + " bytes, its manifest full.dump.manifest.json says " + bytes.length);
        // without its manifest the cut-short archive still fails, in the temporary database: the target is untouched
        Files.delete(Manifest.pathFor(file));
        assertThatThrownBy(() -> importInto(wtB, file.toString()))
                .hasMessageContaining("The dump file " + file + " could not be restored: pg_restore failed");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("7");
        assertThat(Marker.parse(PG.comment(dbB)).orElseThrow().strategy()).isNotEqualTo("import");
        assertThat(PG.databasesStartingWith(CopyEngine.TEMP_PREFIX)).noneMatch(n -> n.contains(main.database()));
        assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN Not checked, for want of a manifest: checksum"));
    }

    @Test
    void aCutShortDataFileWithoutManifestIsRolledBackWhole() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        export(wtA, ExportType.DATA, "data.dump");
        Path file = wtA.resolve("data.dump");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        Files.delete(Manifest.pathFor(file));
        exec(dbB, "DELETE FROM orders WHERE id > 5");
        // the file's tables are emptied first in the same transaction: a failure must bring their rows back
        assertThatThrownBy(() -> importInto(wtB, file.toString())).hasMessageContaining(file.toString());
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("5");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM customer")).isEqualTo("2000");
    }

    /**
     * Without a manifest the tables come from pg_restore -l, which prints schema, table and owner separated by spaces:
     * the data of "order items" must reload "order items", not empty a table "order" that the file has no data for.
     */
    @Test
    void aDataFileWithoutManifestReloadsATableWhoseNameHasSpacesAndNoOtherTable() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        String create = "CREATE SCHEMA \"odd.schema\"; CREATE TABLE \"order items\"(id int PRIMARY KEY); "
                + "CREATE TABLE \"odd.schema\".\"x y\"(id int); ";
        asOwner(dbA, create + "INSERT INTO \"order items\" VALUES (1), (2), (3); INSERT INTO \"odd.schema\".\"x y\" VALUES (7)");
        asOwner(dbB, create + "CREATE TABLE \"order\"(id int); INSERT INTO \"order\" SELECT generate_series(1, 5); "
                + "INSERT INTO \"order items\" VALUES (10), (11); INSERT INTO \"odd.schema\".\"x y\" VALUES (8), (9)");
        export(wtA, ExportType.DATA, "data.dump");
        Files.delete(Manifest.pathFor(wtA.resolve("data.dump")));
        importInto(wtB, "../wt-a/data.dump");
        assertThat(PG.queryIn(dbB, "SELECT count(*) || ' ' || max(id) FROM \"order items\"")).isEqualTo("3 3");
        assertThat(PG.queryIn(dbB, "SELECT string_agg(id::text, ',') FROM \"odd.schema\".\"x y\"")).isEqualTo("7");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM \"order\"")).isEqualTo("5");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("25000");
    }

    /**
     * An owner with a space makes pg_restore -l's line ambiguous: "public order items R" is the data of "order"
     * (owner "items R") but reads as "order items" (owner "R"). The rows going into another table than the one
     * emptied are caught before the commit, and nothing changes.
     */
    @Test
    void aTableOfContentsThatNamesTheWrongTableIsCaughtBeforeTheCommit() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        String owner = "items " + main.role(); // "public order items <role>" also reads as "order items", owner <role>
        exec(dbA, PG.format("CREATE ROLE %I; CREATE TABLE \"order\"(id int); INSERT INTO \"order\" VALUES (1); "
                + "ALTER TABLE \"order\" OWNER TO %I; GRANT SELECT ON \"order\" TO %I", owner, owner, main.role()));
        asOwner(dbB, "CREATE TABLE \"order\"(id int); INSERT INTO \"order\" VALUES (5), (6); "
                + "CREATE TABLE \"order items\"(id int); INSERT INTO \"order items\" VALUES (7)");
        export(wtA, ExportType.DATA, "data.dump");
        Files.delete(Manifest.pathFor(wtA.resolve("data.dump")));
        assertThatThrownBy(() -> importInto(wtB, "../wt-a/data.dump"))
                .hasMessageContaining("names its tables ambiguously").hasMessageContaining("Nothing was changed in " + dbB);
        assertThat(PG.queryIn(dbB, "SELECT string_agg(id::text, ',' ORDER BY id) FROM \"order\"")).isEqualTo("5,6");
        assertThat(PG.queryIn(dbB, "SELECT string_agg(id::text, ',') FROM \"order items\"")).isEqualTo("7");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("25000");
    }

    @Test
    void schemaExportIsPlainSqlAndImportsIntoAnEmptySchema() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        exec(dbA, "ALTER TABLE orders ADD COLUMN note text");
        ExportOperation.Result out = export(wtA, ExportType.SCHEMA, null);
        assertThat(out.file().path().getFileName().toString()).isEqualTo(dbA + "-schema.sql");
        assertThat(Files.readString(out.file().path())).contains("CREATE TABLE public.orders").doesNotContain("COPY ");
        importInto(wtB, out.file().path().toString());
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("0");
        assertThat(PG.queryIn(dbB, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                + "information_schema.columns WHERE table_name = 'orders'")).isEqualTo("id,customer_id,total,note");
        assertThat(PG.queryIn(dbB, "SELECT n()")).isEqualTo("0");
    }

    @Test
    void importIntoTheMainDatabaseIsRefused() {
        Path mainWorktree = repo.root();
        assertThatThrownBy(() -> importInto(mainWorktree, "whatever.dump"))
                .hasMessageStartingWith("Refusing to import into " + main.database() + ": it is the main database");
    }

    /** A protected database is never imported into, even with yes; the refusal is on its audit record. */
    @Test
    void importIntoAProtectedDatabaseIsRefusedAndAudited() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        export(wtA, ExportType.DATA, "data.dump");
        new ProtectOperation(context(wtB, true), Log.NONE, Confirmation.NOBODY).protect();
        String before = PG.queryIn(dbB, "SELECT count(*) FROM orders");
        assertThatThrownBy(() -> importInto(wtB, "../wt-a/data.dump"))
                .hasMessageStartingWith("Refusing to import into " + dbB + ": it is protected");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo(before);
        assertThat(PG.queryIn(dbB, "SELECT string_agg(goal || ':' || outcome, ',' ORDER BY id) FROM worktree_db.audit"))
                .isEqualTo("protect:protected,import:refused");
    }

    /** The guard reset, restore and import share: a database the plugin did not make, or of another kind, is never replaced. */
    @Test
    void importIntoAnUnmarkedDatabaseOrOneOfAnotherKindIsRefused() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        export(wtA, ExportType.DATA, "data.dump");
        String marker = PG.comment(dbB);
        PG.sql(PG.format("COMMENT ON DATABASE %I IS NULL", dbB));
        assertThatThrownBy(() -> importInto(wtB, "../wt-a/data.dump")).hasMessage("Refusing to import into " + dbB
                + ": it was not created by worktree-db (it has no worktree-db marker), so the plugin never replaces or "
                + "drops it.");
        PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", dbB,
                Marker.parse(marker).orElseThrow().as(Marker.Kind.SNAPSHOT, "wal-log").toJson()));
        assertThatThrownBy(() -> importInto(wtB, "../wt-a/data.dump"))
                .hasMessageStartingWith("Refusing to import into " + dbB + ": its worktree-db marker says it is not a "
                        + "worktree's database (kind SNAPSHOT)");
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("25000");
    }

    @Test
    void aDeclinedImportSaysNotDoneAndChangesNothing() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        export(wtA, ExportType.FULL, "full.dump");
        PG.queryIn(dbB, "WITH d AS (DELETE FROM orders WHERE id > 3 RETURNING 1) SELECT count(*) FROM d");
        ImportOperation.Result r = new ImportOperation(context(wtB, false), log, q -> Confirmation.Answer.NO, "test",
                events::add).run("../wt-a/full.dump");
        assertThat(r.done()).isFalse();
        assertThat(log.lines()).anyMatch(l -> l.startsWith("WARN Not done: "));
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("3");
    }

    @Test
    void seedTakesADataOnlyExport() throws Exception {
        if (toolsTooOld(wtA)) {
            return;
        }
        Files.createDirectories(wtB.resolve("seeds"));
        new ExportOperation(context(wtA, false), log, "test", events::add).run(ExportType.DATA, "../wt-b/seeds/010_data.dump");
        exec(dbB, "TRUNCATE orders, customer");
        WorktreeDbConfig config = WorktreeDbConfig.builder(wtB)
                .seed(new SeedSettings(List.of(wtB.resolve("seeds")), false, null)).build();
        SeedOperation.Result r = new SeedOperation(WorktreeContext.resolve(config, Log.NONE), log, Confirmation.NOBODY).run();
        assertThat(r.applied()).isEqualTo(1);
        assertThat(PG.queryIn(dbB, "SELECT count(*) FROM orders")).isEqualTo("25000");
        assertThat(log.lines()).anyMatch(l -> l.matches("INFO Applied seed 010_data.dump \\(27000 row\\(s\\)\\) in \\d+ ms"));
        SeedOperation.Result again = new SeedOperation(WorktreeContext.resolve(config, Log.NONE), log, Confirmation.NOBODY).run();
        assertThat(again.applied()).isZero();
    }
}
