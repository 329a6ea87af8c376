package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.naming.DatabaseNamer;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.Marker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A worktree database's snapshots: their database names, the ones on the server, and what a snapshot records about the
 * state it saved. A snapshot is a database with a {@code snapshot} marker naming the worktree database it saved
 * ({@code snapshotOf}); the user's name for it is in the marker, the database name is derived from both.
 */
public final class Snapshots {

    /** The longest name a user may give a snapshot. */
    public static final int MAX_NAME_LENGTH = 100;
    private static final int HASH_LENGTH = 8;
    private static final int MAX_PART = 24;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** One snapshot on the server. */
    public record Snap(String database, Marker marker, long sizeBytes) {
        public String name() {
            return marker.snapshot().name();
        }
    }

    private Snapshots() {}

    /** The name a snapshot gets when none is given: the time, {@code 20261130_142501} (UTC). */
    public static String defaultName(Instant now) {
        return STAMP.format(now);
    }

    /** The name {@code snapshotBefore} gives the snapshot it takes before {@code goal}. */
    public static String beforeName(String goal, Instant now) {
        return "before_" + goal + "_" + STAMP.format(now);
    }

    /**
     * The database that holds snapshot {@code name} of {@code worktreeDatabase}: {@code <database>__<name>} when the name
     * is already a plain identifier and it all fits in 63 bytes; otherwise both parts shortened and sanitised, followed by
     * 8 hex digits of a hash of the two names, so that names differing only in case, punctuation or after the cut still
     * get different databases. Any text is harmless here: quotes, semicolons, slashes, dots and non-Latin letters never
     * reach SQL or a path (the name itself is only kept, as JSON, in the marker).
     *
     * @throws WorktreeDbException for a name that cannot be used: blank, too long, control characters, or no letter or
     *     digit at all
     */
    public static String databaseName(String worktreeDatabase, String name) {
        check(name);
        String part = DatabaseNamer.sanitize(name);
        if (part.startsWith("db_") && !name.toLowerCase(Locale.ROOT).startsWith("db")) {
            part = part.substring(3); // the namer's guard against a leading digit: the prefix below already guards
        }
        String base = DatabaseNamer.sanitize(worktreeDatabase);
        String plain = base + "__" + part;
        if (part.equals(name) && base.equals(worktreeDatabase) && plain.length() <= DatabaseNamer.MAX_IDENTIFIER_BYTES) {
            return plain;
        }
        String p = part.length() > MAX_PART ? part.substring(0, MAX_PART) : part;
        int room = DatabaseNamer.MAX_IDENTIFIER_BYTES - 2 - p.length() - 1 - HASH_LENGTH;
        String b = base.length() > room ? base.substring(0, room) : base;
        return b + "__" + p + "_" + hash(worktreeDatabase + "\u0000" + name);
    }

    /** Refuses a name that cannot be a snapshot's, with what to use instead. */
    static void check(String name) {
        String why = name == null || name.isBlank() ? "is empty"
                : name.length() > MAX_NAME_LENGTH ? "is longer than " + MAX_NAME_LENGTH + " characters"
                : name.codePoints().anyMatch(Character::isISOControl) ? "contains a control character (a line break, a tab...)"
                : name.codePoints().noneMatch(Character::isLetterOrDigit) ? "has no letter or digit"
                : null;
        if (why != null) {
            throw WorktreeDbException.user(PropertyNames.SNAPSHOT + "='" + printable(name) + "' cannot name a snapshot: it "
                    + why + ". Use letters, digits and _ - . (e.g. -D" + PropertyNames.SNAPSHOT + "=before-refactor), or "
                    + "leave it out for a timestamp.");
        }
    }

    private static String printable(String name) {
        if (name == null) {
            return "";
        }
        String shown = name.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return shown.length() > 40 ? shown.substring(0, 40) + "..." : shown;
    }

    /** The snapshots of {@code worktreeDatabase} in this repository, oldest first. */
    static List<Snap> of(Connection conn, WorktreeContext ctx, String worktreeDatabase) throws SQLException {
        return all(conn, ctx).stream().filter(s -> worktreeDatabase.equals(s.marker().snapshot().of())).toList();
    }

    /** Every snapshot of this repository (of any of its worktrees), oldest first. */
    static List<Snap> all(Connection conn, WorktreeContext ctx) throws SQLException {
        return OwnedDatabases.of(conn, ctx, Marker.Kind.SNAPSHOT).stream()
                .filter(o -> o.marker().snapshot() != null && o.marker().snapshot().of() != null)
                .map(o -> new Snap(o.name(), o.marker(), o.sizeBytes()))
                .sorted(Comparator.comparing((Snap s) -> String.valueOf(s.marker().createdAt())).thenComparing(Snap::database))
                .toList();
    }

    /** Whether {@code facts} is a snapshot of {@code worktreeDatabase} made in this repository. */
    static boolean isSnapshotOf(Marker m, WorktreeContext ctx, String worktreeDatabase) {
        return m.kind() == Marker.Kind.SNAPSHOT && m.snapshot() != null && worktreeDatabase.equals(m.snapshot().of())
                && (m.repository() == null || m.repository().equals(ctx.git().commonDir().toString()));
    }

    /**
     * What is about to be saved: the database's Flyway version and how many seed files it has had applied, read on a
     * connection of its own that is closed again before the copy (a template copy needs the source idle).
     */
    static Marker.Snapshot state(WorktreeContext ctx, String name, String database) {
        try (Connection conn = ctx.target().connector().connect(database)) {
            String version = flywayVersion(conn, ctx);
            Map<String, String[]> seeds = SeedOperation.readHistory(conn, ctx.config().seed().table());
            boolean seedTable = tableExists(conn, null, ctx.config().seed().table());
            return new Marker.Snapshot(name, database, version, seedTable ? Integer.toString(seeds.size()) : null);
        } catch (SQLException e) {
            // the facts are for status; the snapshot itself does not need them
            return new Marker.Snapshot(name, database, null, null);
        }
    }

    private static String flywayVersion(Connection conn, WorktreeContext ctx) throws SQLException {
        List<String> schemas = ctx.config().migration().schemas();
        String schema = schemas.isEmpty() ? null : schemas.get(0);
        String table = ctx.config().migration().table();
        if (!tableExists(conn, schema, table)) {
            return null;
        }
        String sql = schema == null ? new Catalog(conn).sql("SELECT version FROM %I", table)
                : new Catalog(conn).sql("SELECT version FROM %I.%I", schema, table);
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql + " WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static boolean tableExists(Connection conn, String schema, String table) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(schema == null ? "SELECT to_regclass(quote_ident(?)) IS NOT NULL"
                : "SELECT to_regclass(quote_ident(?) || '.' || quote_ident(?)) IS NOT NULL")) {
            ps.setString(1, schema == null ? table : schema);
            if (schema != null) {
                ps.setString(2, table);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The command that restores a snapshot, quoted for a POSIX shell when the name needs it. */
    public static String restoreCommand(String name) {
        String arg = "-D" + PropertyNames.SNAPSHOT + "=" + name;
        return "mvn worktree-db:restore " + (name.matches("[A-Za-z0-9_.:+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
    }

    /** A snapshot as one line: its name, time and Flyway version. */
    static String describe(Snap s) {
        Marker.Snapshot saved = s.marker().snapshot();
        return "'" + saved.name() + "' (" + s.marker().createdAt()
                + (saved.flywayVersion() == null ? "" : ", Flyway version " + saved.flywayVersion()) + ")";
    }

    private static String hash(String raw) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }
}
