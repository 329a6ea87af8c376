package io.github.worktreedb.transfer;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.Sizes;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Moves a database to and from a {@link DumpFile}: {@code export} (pg_dump into the file, and the {@link Manifest}
 * beside it, both from one snapshot), and the two ways of {@code import}: a whole database restored into an empty one
 * ({@link #restoreInto}, pg_restore in parallel, or a plain SQL file run over JDBC), or a data-only file loaded into
 * existing tables in the caller's transaction ({@link #loadData}). Progress goes to the {@link ProgressListener}.
 */
public final class FileTransfer {

    private static final long POLL_MILLIS = 1_000;

    private final CopyEngine.Settings settings;
    private final Log log;
    private final ProgressListener progress;

    public FileTransfer(CopyEngine.Settings settings, Log log, ProgressListener progress) {
        this.settings = settings;
        this.log = log;
        this.progress = progress;
    }

    /** pg_dump and pg_restore of at least {@code major}: one clear message when they are missing or too old. */
    public ClientTools.Tools tools(int major, String serverVersion) {
        return tools(major, serverVersion, "An export or import");
    }

    /** As {@link #tools(int, String)}; {@code purpose} starts the message when none fits ("An export or import needs …"). */
    public ClientTools.Tools tools(int major, String serverVersion, String purpose) {
        return ClientTools.find(settings.pgBin(), major, serverVersion, purpose);
    }

    /** How many jobs pg_restore runs at once for a full import: the cores, at most 4. */
    public static int jobs() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    // ---------------------------------------------------------------- export

    /**
     * Dumps {@code source} into {@code file} (written under a temporary name and moved into place once complete) and
     * writes its manifest; the manifest's tables and row counts are read in the snapshot pg_dump dumps.
     *
     * @param skipData tables whose data a data export leaves out (names, in any schema): the Flyway and seed history
     *     tables, which belong to the target's schema
     */
    public Manifest export(ClientTools.Tools tools, Endpoint source, ExportType type, DumpFile file, String flywayTable,
            List<String> skipData, String pluginVersion) {
        log.info("Exporting " + source.database() + " (" + type.id() + ") with pg_dump " + tools.version() + " to "
                + file.path());
        // one name per run: two builds exporting to the same file never write into one partial file
        Path partial = file.path().resolveSibling(file.path().getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Long.toHexString(System.nanoTime()) + ".partial");
        String password = source.connector().spec().password();
        try (Connection snap = source.connector().connect(source.database());
                Connection watch = source.connector().connect(source.database())) {
            Files.createDirectories(file.path().toAbsolutePath().getParent());
            snap.setAutoCommit(false);
            String snapshot;
            try (Statement st = snap.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                // the manifest's row counts run beside pg_dump: one process, not a parallel scan that takes the cores
                // pg_dump and its server process need (1 GB: export 1.19× raw pg_dump with parallel counts)
                st.execute("SET LOCAL max_parallel_workers_per_gather = 0");
                try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                    rs.next();
                    snapshot = rs.getString(1);
                }
            }
            List<String> cmd = new ArrayList<>(List.of(tools.pgDump().toString(), "--format=" + type.dumpFormat(),
                    "--no-owner", "--no-privileges", "--snapshot=" + snapshot, "--file=" + partial));
            verbose(cmd);
            if (type == ExportType.SCHEMA) {
                cmd.add("--schema-only");
            } else if (type == ExportType.DATA) {
                cmd.add("--data-only");
            }
            if (type == ExportType.DATA) {
                for (String t : skipData) {
                    cmd.add("--exclude-table-data=" + quotedPattern(t));
                }
            }
            cmd.addAll(DumpRestore.connection(source));
            TransferWatch w = new TransferWatch("export " + source.database(), type.id(), 0, Map.of(), progress);
            // the manifest's tables and row counts are read in pg_dump's snapshot while pg_dump runs: the counts cost
            // no wall time of their own
            CompletableFuture<Manifest> described = CompletableFuture.supplyAsync(() -> {
                try {
                    Manifest d = describe(snap, source.database(), type, tools.version(), flywayTable, skipData,
                            pluginVersion);
                    if (type != ExportType.SCHEMA) {
                        Map<String, Long> rows = new LinkedHashMap<>();
                        d.tables().forEach(t -> rows.put(t.qualified(), Math.max(0, t.rows())));
                        w.totals(d.tables().size(), rows);
                    }
                    return d;
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            RuntimeException dumpFailed = null;
            try {
                run(cmd, source, w, watch, source.database(), "pg_dump", password);
            } catch (RuntimeException e) {
                dumpFailed = e;
            }
            described.handle((d, e) -> null).join(); // never leave the snapshot's session busy behind us
            Manifest m;
            try {
                m = described.join();
            } catch (CompletionException e) {
                // the manifest's failure comes first: it ends the snapshot's transaction, which makes pg_dump fail too
                // ("could not import the requested snapshot"), and that would hide the cause
                if (dumpFailed != null) {
                    e.getCause().addSuppressed(dumpFailed);
                }
                if (e.getCause() instanceof SQLException q) {
                    throw q;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
            if (dumpFailed != null) {
                throw dumpFailed;
            }
            snap.commit();
            Files.move(partial, file.path(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Manifest done = m.withFile(file.size(), file.sha256());
            done.write(file.manifestPath());
            w.finished(type == ExportType.SCHEMA ? 0 : done.totalRows());
            return done;
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Export of " + source.database() + " failed: "
                    + Secrets.redact(e.getMessage(), password), e);
        } catch (IOException e) {
            throw WorktreeDbException.environment("Export of " + source.database() + " failed: cannot write "
                    + file.path() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // left beside the file, named .partial
            }
        }
    }

    private static String quotedPattern(String table) {
        return "*.\"" + table + "\"";
    }

    /**
     * What the manifest says of the database {@code conn} is connected to (in its transaction's snapshot): versions,
     * encoding, extensions, Flyway history, tables with columns and row counts (not counted for a schema export).
     */
    public static Manifest describe(Connection conn, String database, ExportType type, String toolVersion,
            String flywayTable, List<String> skipData, String pluginVersion) throws SQLException {
        Catalog c = new Catalog(conn);
        String encoding;
        String collate;
        String ctype;
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_encoding_to_char(encoding), datcollate, datctype "
                + "FROM pg_database WHERE datname = current_database()"); ResultSet rs = ps.executeQuery()) {
            rs.next();
            encoding = rs.getString(1);
            collate = rs.getString(2);
            ctype = rs.getString(3);
        }
        List<Manifest.Extension> extensions = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT extname, extversion FROM pg_extension ORDER BY extname")) {
            while (rs.next()) {
                extensions.add(new Manifest.Extension(rs.getString(1), rs.getString(2)));
            }
        }
        List<Manifest.Table> tables = new ArrayList<>();
        for (Manifest.Table t : tables(conn)) {
            if (type == ExportType.DATA && skipData.contains(t.name())) {
                continue;
            }
            long rows = type == ExportType.SCHEMA ? -1 : count(conn, c, t);
            tables.add(new Manifest.Table(t.schema(), t.name(), t.columns(), rows));
        }
        return new Manifest(Manifest.FORMAT, type.id(), type.dumpFormat(), database,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), pluginVersion, c.serverVersion(),
                c.serverVersionNum(), toolVersion, encoding, collate, ctype, extensions,
                flyway(conn, flywayTable).orElse(null), tables, 0, null);
    }

    private static long count(Connection conn, Catalog c, Manifest.Table t) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(c.sql("SELECT count(*) FROM %I.%I", t.schema(), t.name()))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The user's tables (ordinary and partitioned, not partitions' parents twice) and their columns, in order. */
    public static List<Manifest.Table> tables(Connection conn) throws SQLException {
        Map<List<String>, List<Manifest.Column>> columns = new LinkedHashMap<>(); // (schema, name): either may hold a dot
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                        + "a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' "
                        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                        + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                        + "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
                        + "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') "
                        + "ORDER BY n.nspname, c.relname, a.attnum")) {
            while (rs.next()) {
                columns.computeIfAbsent(List.of(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                        .add(new Manifest.Column(rs.getString(3), rs.getString(4), rs.getBoolean(5), rs.getBoolean(6)));
            }
        }
        List<Manifest.Table> out = new ArrayList<>();
        columns.forEach((name, cols) -> out.add(new Manifest.Table(name.get(0), name.get(1), cols, -1)));
        return out;
    }

    /** The applied migrations in the Flyway history table {@code table} (first schema that has it), or empty. */
    public static Optional<Manifest.Flyway> flyway(Connection conn, String table) throws SQLException {
        String schema = null;
        try (PreparedStatement ps = conn.prepareStatement("SELECT n.nspname FROM pg_class c JOIN pg_namespace n "
                + "ON n.oid = c.relnamespace WHERE c.relname = ? AND c.relkind IN ('r', 'p') ORDER BY n.nspname = "
                + "current_schema() DESC, n.nspname LIMIT 1")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    schema = rs.getString(1);
                }
            }
        }
        if (schema == null) {
            return Optional.empty();
        }
        List<Manifest.Migration> migrations = new ArrayList<>();
        String latest = null;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(new Catalog(conn).sql(
                "SELECT version, description, checksum FROM %I.%I WHERE success AND type <> 'DELETE' "
                        + "ORDER BY installed_rank", schema, table))) {
            while (rs.next()) {
                Integer checksum = rs.getObject(3) == null ? null : rs.getInt(3);
                migrations.add(new Manifest.Migration(rs.getString(1), rs.getString(2), checksum));
                if (rs.getString(1) != null) {
                    latest = rs.getString(1);
                }
            }
        }
        return Optional.of(new Manifest.Flyway(schema + "." + table, latest, migrations));
    }

    // ---------------------------------------------------------------- import

    /**
     * Restores a whole database (full or schema) from {@code file} into {@code temp}, which is empty: a custom archive
     * with pg_restore in {@link #jobs} parallel jobs, a plain SQL file over JDBC in one transaction.
     */
    public void restoreInto(ClientTools.Tools tools, DumpFile file, Endpoint temp, Optional<Manifest> manifest,
            DumpFile.Contents contents) throws SQLException {
        Map<String, Long> rows = rowsOf(manifest);
        if (!file.isCustom()) {
            try (Connection conn = temp.connector().connect(temp.database())) {
                conn.setAutoCommit(false);
                loadScript(conn, file, Files::newBufferedReader, "schema", rows);
                conn.commit();
            }
            return;
        }
        String password = temp.connector().spec().password();
        List<String> cmd = new ArrayList<>(List.of(tools.pgRestore().toString(), "--exit-on-error", "--no-owner",
                "--no-privileges", "--jobs=" + jobs()));
        verbose(cmd);
        cmd.addAll(DumpRestore.connection(temp));
        cmd.add(file.path().toString());
        TransferWatch w = new TransferWatch("import " + file.path().getFileName(), "restore", contents.items(), rows,
                progress);
        try (Connection watch = temp.connector().connect(temp.database())) {
            run(cmd, temp, w, watch, temp.database(), "pg_restore", password);
        } catch (WorktreeDbException e) {
            throw WorktreeDbException.environment("The dump file " + file.path() + " could not be restored: "
                    + e.getMessage() + ". Nothing was changed; the half-restored copy is dropped.", e);
        }
        w.finished(Math.max(0, rows.values().stream().mapToLong(Long::longValue).sum()));
    }

    /**
     * Loads a data-only {@code file} on {@code conn}, in the caller's transaction (the caller commits): the archive is
     * turned into SQL by {@code pg_restore -f -} (no connection of its own) and its COPYs are streamed over JDBC.
     *
     * @return the rows loaded
     */
    public long loadData(ClientTools.Tools tools, Connection conn, DumpFile file, Optional<Manifest> manifest)
            throws SQLException {
        return loadData(tools, conn, file, manifest, new ArrayList<>());
    }

    /** As {@link #loadData(ClientTools.Tools, Connection, DumpFile, Optional)}; adds the tables it loaded to {@code copied}. */
    public long loadData(ClientTools.Tools tools, Connection conn, DumpFile file, Optional<Manifest> manifest,
            List<String> copied) throws SQLException {
        Map<String, Long> rows = rowsOf(manifest);
        if (!file.isCustom()) {
            return loadScript(conn, file, Files::newBufferedReader, "data", rows, copied);
        }
        return loadScript(conn, file, p -> {
            Process proc = new ProcessBuilder(tools.pgRestore().toString(), "--data-only", "--file=-", p.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8), 1 << 16) {
                @Override
                public void close() throws IOException {
                    // closed early (a failed statement), pg_restore meets a closed pipe and ends; read to the end, its
                    // exit code says whether the archive was whole (one cut short ends its output early, cleanly)
                    super.close();
                    try {
                        if (!proc.waitFor(10, TimeUnit.SECONDS)) {
                            proc.destroyForcibly();
                            return;
                        }
                        if (proc.exitValue() != 0) {
                            throw file.corrupt("pg_restore stopped with exit code " + proc.exitValue());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        proc.destroyForcibly();
                    }
                }
            };
        }, "data", rows, copied);
    }

    private interface Opener {
        BufferedReader open(Path p) throws IOException;
    }

    private long loadScript(Connection conn, DumpFile file, Opener opener, String phase, Map<String, Long> rows)
            throws SQLException {
        return loadScript(conn, file, opener, phase, rows, new ArrayList<>());
    }

    private long loadScript(Connection conn, DumpFile file, Opener opener, String phase, Map<String, Long> rows,
            List<String> copied) throws SQLException {
        long total = rows.isEmpty() ? -1 : rows.values().stream().mapToLong(Long::longValue).sum();
        String subject = "import " + file.path().getFileName();
        long start = System.nanoTime();
        progress.on(new ProgressEvent(ProgressEvent.Phase.STARTED, subject, ProgressEvent.Unit.ROWS, 0, total,
                Duration.ZERO, phase));
        long loaded = 0;
        String searchPath;
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('search_path')")) {
            rs.next();
            searchPath = rs.getString(1);
        }
        try (BufferedReader in = opener.open(file.path())) {
            ScriptLoader loader = new ScriptLoader(conn, file.path().toString(), n -> progress.on(new ProgressEvent(
                    ProgressEvent.Phase.RUNNING, subject, ProgressEvent.Unit.ROWS, n, total,
                    Duration.ofNanos(System.nanoTime() - start), phase)));
            loaded = loader.run(in);
            copied.addAll(loader.copyTargets());
        } catch (IOException e) {
            throw WorktreeDbException.user("Cannot read the dump file " + file.path() + ": " + e.getMessage());
        } finally {
            progress.on(new ProgressEvent(ProgressEvent.Phase.FINISHED, subject, ProgressEvent.Unit.ROWS, loaded, total,
                    Duration.ofNanos(System.nanoTime() - start), phase));
        }
        // the script empties search_path for its session; the caller's statements after it need it back
        try (PreparedStatement ps = conn.prepareStatement("SELECT set_config('search_path', ?, false)")) {
            ps.setString(1, searchPath);
            ps.execute();
        }
        return loaded;
    }

    private static Map<String, Long> rowsOf(Optional<Manifest> manifest) {
        Map<String, Long> rows = new LinkedHashMap<>();
        manifest.ifPresent(m -> m.tables().forEach(t -> rows.put(t.qualified(), Math.max(0, t.rows()))));
        return rows;
    }

    /** The tools say what they do (the items for progress) only when someone listens. */
    private void verbose(List<String> cmd) {
        if (progress != ProgressListener.NONE) {
            cmd.add("--verbose");
        }
    }

    /** Runs a client tool, one progress event a second; one clear error with its last lines when it fails. */
    private void run(List<String> cmd, Endpoint endpoint, TransferWatch w, Connection watch, String database,
            String tool, String password) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        DumpRestore.environment(pb, endpoint.connector().spec(), settings);
        log.debug(String.join(" ", cmd));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot start " + tool + ": " + e.getMessage(), e);
        }
        Thread killer = new Thread(p::destroyForcibly, "worktree-db " + tool + " cleanup");
        Runtime.getRuntime().addShutdownHook(killer);
        w.started();
        Thread reader = w.readErrors(p.getErrorStream());
        try {
            if (progress == ProgressListener.NONE) {
                p.waitFor();
            }
            while (!p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                w.poll(watch, database);
            }
            reader.join(5_000);
            if (p.exitValue() != 0) {
                throw WorktreeDbException.environment(tool + " failed (exit " + p.exitValue() + "): "
                        + Secrets.redact(w.errors(), password), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorktreeDbException.environment(tool + " was interrupted", e);
        } finally {
            p.destroyForcibly();
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
    }

    /** {@code 12.0 MB}, for messages. */
    static String human(long bytes) {
        return Sizes.human(bytes);
    }
}
