package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.SeedSettings;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.flyway.SqlFiles;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.DatabaseLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.postgresql.util.PSQLException;

/**
 * {@code seed}: applies the {@code *.sql} files of the seed directories in file-name order, each in its own
 * transaction, statements split by Flyway's PostgreSQL parser. Each applied file is recorded with its SHA-256 in a
 * history table, so a second run applies nothing; a changed file is reported and re-applied only when asked.
 */
public final class SeedOperation {

    /** What {@code seed} did. */
    public record Result(int applied, int alreadyApplied, List<String> changed) {}

    /** A seed file: its name (the history key) and where it is. */
    public record SeedFile(String name, Path path) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;
    private DatabaseLock heldLock;
    private Boolean protectedNow;
    private Consent.Stakes stakesNow;

    public SeedOperation(WorktreeContext ctx, Log log, Confirmation confirmation) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
    }

    SeedOperation underLock(DatabaseLock lock) {
        this.heldLock = lock;
        return this;
    }

    /** The seed files, in the order they are applied (by file name; the first directory wins a tie). */
    public static List<SeedFile> files(SeedSettings settings) {
        List<SeedFile> out = new ArrayList<>();
        for (Path dir : settings.directories()) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> (f.getFileName().toString().endsWith(".sql")
                        || f.getFileName().toString().endsWith(".dump")) && Files.isRegularFile(f))
                        .forEach(f -> out.add(new SeedFile(f.getFileName().toString(), f)));
            } catch (IOException e) {
                throw WorktreeDbException.user("Cannot list the seed directory " + dir + ": " + e.getMessage());
            }
        }
        out.sort(Comparator.comparing(SeedFile::name));
        return out;
    }

    public Result run() {
        long start = System.nanoTime();
        SeedSettings settings = ctx.config().seed();
        List<SeedFile> files = files(settings);
        ConnectionSpec db = ctx.databaseSpec();
        Guards.refuseConfirmForAnotherDatabase(ctx, db.database());
        if (files.isEmpty()) {
            log.info("No seed files (*.sql) in " + settings.directories() + "; nothing to seed.");
            return new Result(0, 0, List.of());
        }
        DatabaseLock lock = heldLock != null ? heldLock
                : DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(), db.database(), log);
        try (Connection conn = ctx.target().connector().connect(db.database())) {
            Map<String, String[]> history = history(conn, settings.table());
            List<SeedFile> toApply = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            int already = 0;
            for (SeedFile f : files) {
                String[] seen = history.get(f.name());
                String checksum = checksum(f.path());
                if (seen == null) {
                    toApply.add(f);
                } else if (seen[0].equals(checksum)) {
                    already++;
                } else if (settings.reapplyChanged()) {
                    toApply.add(f);
                } else {
                    changed.add(f.name());
                    log.warn("Seed " + f.name() + " changed since it was applied (" + seen[1] + "); not applied again. "
                            + "Re-apply changed seeds with -D" + PropertyNames.REAPPLY_CHANGED_SEEDS + "=true (the file then "
                            + "runs again, so it should be idempotent).");
                }
            }
            if (!toApply.isEmpty() && !confirmedForMainOrRemote(db, toApply)) {
                if (!ctx.config().dryRun()) {
                    Audit.record(ctx, "seed", db.database(), "declined", toApply.size() + " seed file(s) not applied",
                            toApply.stream().map(SeedFile::name).toList(), protectedNow,
                            Duration.ofNanos(System.nanoTime() - start), log);
                }
                return new Result(0, already, changed);
            }
            if (ctx.config().dryRun() && !toApply.isEmpty()) {
                log.info("[dry run] Would apply to " + db.database() + ": "
                        + String.join(", ", toApply.stream().map(SeedFile::name).toList()));
                return new Result(0, already, changed);
            }
            Timeouts timeouts = stakesNow == null ? new Timeouts(null, null) : Timeouts.of(ctx.config().safety(), stakesNow);
            if (timeouts.any()) {
                try (Statement st = conn.createStatement()) {
                    st.execute(timeouts.initSql("worktree-db seed"));
                }
                log.info("Seeding " + db.database() + " with" + timeouts.describe().replace("\n", " "));
            }
            for (SeedFile f : toApply) {
                apply(conn, settings.table(), f);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            log.info("Seeded " + db.database() + ": " + toApply.size() + " file(s) applied, " + already + " already applied"
                    + (changed.isEmpty() ? "" : ", " + changed.size() + " changed and not applied again") + " ("
                    + Sizes.seconds(took) + ")");
            if (!toApply.isEmpty()) {
                Audit.record(ctx, "seed", db.database(), "applied", toApply.size() + " seed file(s)",
                        toApply.stream().map(SeedFile::name).toList(), protectedNow, took, log, "applied " + String.join(", ",
                                toApply.stream().map(SeedFile::name).toList()));
            }
            return new Result(toApply.size(), already, changed);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Seeding " + db.database() + " failed: "
                    + Secrets.redact(e.getMessage(), db.password()), e);
        } finally {
            if (heldLock == null) {
                lock.close();
            }
        }
    }

    private boolean confirmedForMainOrRemote(ConnectionSpec db, List<SeedFile> toApply) {
        Consent.Stakes stakes = new Consent.Stakes(Protection.read(ctx.target().connector(), db.database()), ctx.usesMainDatabase(),
                !db.isLocal());
        protectedNow = stakes.protection().isPresent();
        stakesNow = stakes;
        if (!stakes.any()) {
            return true;
        }
        String plan = "Seed " + (stakes.main() ? "the main database " : "") + db.database()
                + (stakes.remote() ? " on " + db.primary().display() + ", which is not this machine," : "") + " with "
                + String.join(", ", toApply.stream().map(SeedFile::name).toList()) + ".";
        return Consent.decide(ctx, confirmation, db.database(), stakes, plan, log).go();
    }

    private Map<String, String[]> history(Connection conn, String table) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(new Catalog(conn).sql("CREATE TABLE IF NOT EXISTS %I (file text PRIMARY KEY, checksum text NOT NULL, "
                    + "applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL)", table));
        }
        return readHistory(conn, table);
    }

    /** The seed history: file → {checksum, applied at}; empty when the table does not exist. Read-only. */
    static Map<String, String[]> readHistory(Connection conn, String table) throws SQLException {
        Map<String, String[]> out = new HashMap<>();
        if (!tableExists(conn, table)) {
            return out;
        }
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(new Catalog(conn).sql("SELECT file, checksum, applied_at FROM %I", table))) {
            while (rs.next()) {
                out.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
            }
        }
        return out;
    }

    private static boolean tableExists(Connection conn, String table) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT to_regclass(quote_ident(?)) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void apply(Connection conn, String table, SeedFile f) throws SQLException {
        if (f.name().endsWith(".dump")) {
            applyDump(conn, table, f);
            return;
        }
        String sql;
        try {
            sql = Files.readString(f.path(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw WorktreeDbException.user("Cannot read the seed file " + f.path() + ": " + e.getMessage());
        }
        List<SqlFiles.Statement> statements = SqlFiles.statements(sql);
        for (SqlFiles.Statement s : statements) {
            if (!s.canRunInTransaction()) {
                throw WorktreeDbException.user("Seed " + f.path() + " line " + s.line() + " cannot run inside a transaction "
                        + "(e.g. CREATE INDEX CONCURRENTLY, VACUUM), and every seed file runs in one. Move it to a migration.");
            }
        }
        long start = System.nanoTime();
        boolean autoCommit = conn.getAutoCommit();
        conn.setAutoCommit(false);
        SqlFiles.Statement current = null;
        try (Statement st = conn.createStatement()) {
            for (SqlFiles.Statement s : statements) {
                current = s;
                st.execute(s.sql());
            }
            int ms = (int) ((System.nanoTime() - start) / 1_000_000);
            try (PreparedStatement ps = conn.prepareStatement(new Catalog(conn).sql("INSERT INTO %I (file, checksum, execution_ms) "
                    + "VALUES (?, ?, ?) ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, applied_at = now(), "
                    + "execution_ms = excluded.execution_ms", table))) {
                ps.setString(1, f.name());
                ps.setString(2, checksum(f.path()));
                ps.setInt(3, ms);
                ps.executeUpdate();
            }
            conn.commit();
            log.info("Applied seed " + f.name() + " (" + statements.size() + " statement(s)) in " + ms + " ms");
        } catch (SQLException e) {
            conn.rollback();
            throw WorktreeDbException.user("Seed " + f.path() + " failed at line " + lineOf(current, e) + ": "
                    + Secrets.redact(firstLine(e.getMessage()), ctx.main().spec().password()) + ". It was rolled back; "
                    + "the seed files before it stay applied, the ones after it were not run. Fix it and run again.");
        } finally {
            conn.setAutoCommit(autoCommit);
        }
    }

    /**
     * A data-only export ({@code export -Dworktree-db.exportType=data}) as a seed file: checked like a data import (it
     * must fit the tables), its rows loaded and the history row written in one transaction.
     */
    private void applyDump(Connection conn, String table, SeedFile f) throws SQLException {
        long start = System.nanoTime();
        Catalog catalog = new Catalog(conn);
        io.github.worktreedb.transfer.FileTransfer transfer = new io.github.worktreedb.transfer.FileTransfer(
                io.github.worktreedb.transfer.CopyEngine.Settings.of(ctx.config()), log,
                new io.github.worktreedb.transfer.ProgressLog(log));
        io.github.worktreedb.postgres.ClientTools.Tools tools = transfer.tools(catalog.serverVersionNum() / 10000,
                catalog.serverVersion());
        io.github.worktreedb.transfer.DumpFile dump = new io.github.worktreedb.transfer.DumpFile(f.path());
        io.github.worktreedb.transfer.ImportCheck check = io.github.worktreedb.transfer.ImportCheck.ofFile(dump, tools);
        if (check.type() != io.github.worktreedb.transfer.ExportType.DATA) {
            throw WorktreeDbException.user("Seed " + f.path() + " is a " + check.type().id() + " dump; a seed file must be "
                    + "a data-only export (mvn worktree-db:export -D" + PropertyNames.EXPORT_TYPE + "=data).");
        }
        check.against(dump, conn, catalog.serverVersionNum(), catalog.serverVersion(), conn, ctx.databaseSpec().database(),
                Optional.empty());
        boolean autoCommit = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try {
            long rows = transfer.loadData(tools, conn, dump, check.manifest());
            int ms = (int) ((System.nanoTime() - start) / 1_000_000);
            try (PreparedStatement ps = conn.prepareStatement(catalog.sql("INSERT INTO %I (file, checksum, execution_ms) "
                    + "VALUES (?, ?, ?) ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, applied_at = now(), "
                    + "execution_ms = excluded.execution_ms", table))) {
                ps.setString(1, f.name());
                ps.setString(2, checksum(f.path()));
                ps.setInt(3, ms);
                ps.executeUpdate();
            }
            conn.commit();
            log.info("Applied seed " + f.name() + " (" + rows + " row(s)) in " + ms + " ms");
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            if (e instanceof WorktreeDbException w) {
                throw w;
            }
            throw WorktreeDbException.user("Seed " + f.path() + " failed: " + Secrets.redact(firstLine(e.getMessage()),
                    ctx.main().spec().password()) + ". It was rolled back; the seed files before it stay applied, the ones "
                    + "after it were not run.");
        } finally {
            conn.setAutoCommit(autoCommit);
        }
    }

    /** The file line of the error: the statement's first line, plus PostgreSQL's position inside the statement. */
    static int lineOf(SqlFiles.Statement s, SQLException e) {
        if (s == null) {
            return 0;
        }
        int line = s.line();
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null && p.getServerErrorMessage().getPosition() > 0) {
            int pos = Math.min(p.getServerErrorMessage().getPosition() - 1, s.sql().length());
            line += (int) s.sql().substring(0, pos).chars().filter(c -> c == '\n').count();
        }
        return line;
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    static String checksum(Path file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (java.io.InputStream in = new java.security.DigestInputStream(Files.newInputStream(file), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream()); // streamed: a data-only dump may be large
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw WorktreeDbException.user("Cannot read the seed file " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
