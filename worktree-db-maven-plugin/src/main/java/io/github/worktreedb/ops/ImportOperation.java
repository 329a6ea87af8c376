package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.postgres.DatabaseLock;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.transfer.CopyEngine;
import io.github.worktreedb.transfer.DumpFile;
import io.github.worktreedb.transfer.ExportType;
import io.github.worktreedb.transfer.FileTransfer;
import io.github.worktreedb.transfer.ImportCheck;
import io.github.worktreedb.transfer.Manifest;
import io.github.worktreedb.transfer.ProgressListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code import}: replaces this worktree's database with a dump file's content. Checks first and changes nothing until
 * every check passed ({@link ImportCheck}); then all or nothing: a full or schema file is restored into a temporary
 * database that is swapped in for the target in one transaction ({@link CopyEngine#fill}), a data-only file is loaded
 * in one transaction (the tables it holds emptied first). Never the main database, a protected one or one without the
 * plugin's marker; destructive, so confirmed like {@code reset}. The imported database keeps the marker (and owner), so
 * reset, cleanup and status go on working on it.
 */
public final class ImportOperation {

    /** What {@code import} did. */
    public record Result(boolean done, ExportType type, long rows) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private final String pluginVersion;
    private final ProgressListener progress;

    public ImportOperation(WorktreeContext ctx, Log log, Confirmation confirmation, String pluginVersion,
            ProgressListener progress) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
        this.pluginVersion = pluginVersion;
        this.progress = progress;
    }

    public Result run(String file) {
        long start = System.nanoTime();
        Guards.refuseMainDatabase(ctx, "import into");
        Guards.refuseRemoteUnlessAllowed(ctx, "import into " + ctx.database());
        String target = ctx.database();
        Guards.refuseConfirmForAnotherDatabase(ctx, target);
        if (file == null || file.isBlank()) {
            throw WorktreeDbException.user("import needs the dump file: -D" + PropertyNames.FILE + "=path/to/file.dump "
                    + "(what export wrote; a plain pg_dump file is accepted too).");
        }
        DumpFile dump = new DumpFile(ctx.config().baseDir().resolve(file.strip()).normalize());
        FileTransfer transfer = new FileTransfer(CopyEngine.Settings.of(ctx.config()), log, progress);
        CopyEngine engine = new CopyEngine(CopyEngine.Settings.of(ctx.config()), log, progress);
        String password = ctx.main().spec().password();
        try (DatabaseLock lock = DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(), target,
                log)) {
            Catalog catalog = lock.catalog();
            ClientTools.Tools tools = transfer.tools(catalog.serverVersionNum() / 10000, catalog.serverVersion());
            ImportCheck check = ImportCheck.ofFile(dump, tools);
            String temp = CopyEngine.tempName(target);
            Map<String, Catalog.DatabaseFacts> facts = catalog.facts(target, temp);
            Catalog.DatabaseFacts targetFacts = facts.get(target);
            boolean exists = targetFacts.exists();
            Optional<Marker> marker = targetFacts.marker();
            Guards.refuseUnlessReplaceable(ctx, targetFacts, "import", "import into");
            engine.dropLeftover(catalog, facts.get(temp));
            engine.dropLeftover(catalog, catalog.facts(CopyEngine.asideName(target)));
            if (exists) {
                try (Connection conn = ctx.target().connector().connect(target)) {
                    check.against(dump, catalog.connection(), catalog.serverVersionNum(), catalog.serverVersion(), conn,
                            target, FileTransfer.flyway(conn, ctx.config().migration().table()));
                }
            } else {
                check.against(dump, catalog.connection(), catalog.serverVersionNum(), catalog.serverVersion(), null, target,
                        Optional.empty());
            }
            check.notes().forEach(log::info);
            if (!check.skipped().isEmpty()) {
                log.warn("Not checked, for want of a manifest: " + String.join("; ", check.skipped()));
            }
            List<Manifest.Table> tables = check.tables();
            int sessions = exists ? catalog.sessions(target).size() : 0;
            String ending = sessions > 0 ? ", ending its " + sessions + " open session(s)" : "";
            String what = dump.path().getFileName() + " (" + check.type().id() + ", " + Sizes.human(dump.size()) + ")";
            String plan = "Import " + what + " into " + target + ": " + (check.type() == ExportType.DATA
                    ? "empty and reload " + tables.size() + " table(s) in one transaction"
                    : exists ? "restore it into a new database and swap it in for the current one ("
                            + Sizes.human(catalog.size(target)) + ending + ")"
                            : "restore it as a new database")
                    + ".";
            boolean snapshotFirst = ctx.config().snapshots().before() && exists;
            if (snapshotFirst) {
                plan += "\nFirst save it as a snapshot (" + PropertyNames.SNAPSHOT_BEFORE + ").";
            }
            if (!Confirmation.proceed(ctx.config(), confirmation, plan, log)) {
                return new Result(false, check.type(), 0);
            }
            if (snapshotFirst) {
                new SnapshotOperation(ctx, log, pluginVersion, progress)
                        .take(catalog, Snapshots.beforeName("import", java.time.Instant.now()), false);
            }
            long rows;
            if (check.type() == ExportType.DATA) {
                rows = loadData(transfer, tools, dump, check, tables, target);
            } else {
                String owner = targetFacts.ownerIsMine() ? targetFacts.owner() : null;
                Marker kept = exists ? marker.get() : ctx.newMarker(pluginVersion);
                engine.fill(catalog, ctx.target(), exists, owner, kept,
                        tmp -> transfer.restoreInto(tools, dump, tmp, check.manifest(), check.contents()));
                // the file matched its manifest's SHA-256 and pg_restore stopped at the first error: these are its rows
                rows = check.manifest().map(Manifest::totalRows).orElse(-1L);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String outcome = "imported " + dump.path() + " (" + check.type().id() + (check.type() == ExportType.SCHEMA ? ""
                    : rows < 0 ? "" : ", " + rows + " row(s)") + ")" + (sessions > 0 ? "; ended its " + sessions + " open session(s)" : "");
            log.info("Imported " + what + " into " + target + ": " + (check.type() == ExportType.SCHEMA ? "schema only"
                    : rows < 0 ? "restored" : rows + " row(s)") + " (" + Sizes.seconds(took) + ")");
            Audit.record(ctx, "import", target, "imported", dump.path().toString(), null, false, took, log, outcome);
            return new Result(true, check.type(), rows);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Import into " + target + " failed: "
                    + Secrets.redact(e.getMessage(), password) + ". " + target + " is as it was.", e);
        }
    }

    /**
     * Before the commit: every table the file's rows went into was emptied first (else its rows would be doubled), and
     * every table emptied got rows from the file (else it would be left empty) — partitioned parents aside, whose rows
     * live in their partitions. Both are compared by the server's own resolution of the names. A difference (an entry of
     * a dump without manifest matched to the wrong table) rolls the whole import back.
     */
    private static void sameTables(Connection conn, List<Manifest.Table> emptied, List<String> copied, DumpFile dump,
            String target) throws SQLException {
        Set<Long> emptiedTables = new HashSet<>();
        Set<Long> copiedTables = new HashSet<>();
        try (PreparedStatement byName = conn.prepareStatement("SELECT c.oid::bigint, c.relkind = 'p' FROM pg_class c "
                + "WHERE c.oid = format('%I.%I', ?, ?)::regclass");
                PreparedStatement asWritten = conn.prepareStatement("SELECT ?::regclass::oid::bigint")) {
            for (Manifest.Table t : emptied) {
                byName.setString(1, t.schema());
                byName.setString(2, t.name());
                try (ResultSet rs = byName.executeQuery()) {
                    if (rs.next() && !rs.getBoolean(2)) {
                        emptiedTables.add(rs.getLong(1));
                    }
                }
            }
            for (String t : copied) {
                asWritten.setString(1, t);
                try (ResultSet rs = asWritten.executeQuery()) {
                    rs.next();
                    copiedTables.add(rs.getLong(1));
                }
            }
        }
        if (!emptiedTables.containsAll(copiedTables) || !copiedTables.containsAll(emptiedTables)) {
            throw WorktreeDbException.user("The data in " + dump.path() + " went into " + String.join(", ", copied)
                    + ", but the import emptied " + emptied.stream().map(Manifest.Table::qualified)
                            .collect(Collectors.joining(", ")) + " first: the file's table of contents "
                    + "names its tables ambiguously. Nothing was changed in " + target + ". Export the data with mvn "
                    + "worktree-db:export -D" + PropertyNames.EXPORT_TYPE + "=data (it writes a manifest).");
        }
    }

    /** Empties the file's tables and loads its rows, in one transaction: committed whole or not at all. */
    private long loadData(FileTransfer transfer, ClientTools.Tools tools, DumpFile dump, ImportCheck check,
            List<Manifest.Table> tables, String target) throws SQLException {
        try (Connection conn = ctx.target().connector().connect(target)) {
            conn.setAutoCommit(false);
            try {
                if (!tables.isEmpty()) {
                    Catalog c = new Catalog(conn);
                    List<String> quoted = new ArrayList<>();
                    for (Manifest.Table t : tables) {
                        quoted.add(c.sql("%I.%I", t.schema(), t.name()));
                    }
                    try (Statement st = conn.createStatement()) {
                        st.execute("TRUNCATE " + String.join(", ", quoted));
                    }
                }
                List<String> copied = new ArrayList<>();
                long rows = transfer.loadData(tools, conn, dump, check.manifest(), copied);
                sameTables(conn, tables, copied, dump, target);
                conn.commit();
                return rows;
            } catch (RuntimeException | SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }
}
