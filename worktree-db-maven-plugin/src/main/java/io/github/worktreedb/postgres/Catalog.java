package io.github.worktreedb.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postgresql.PGConnection;

/**
 * Server-level reads and changes, run on a maintenance connection. Every name reaches SQL either as a
 * parameter or quoted by the PostgreSQL driver ({@link PGConnection#escapeIdentifier},
 * {@link PGConnection#escapeLiteral}, which know the session's {@code standard_conforming_strings}): no SQL is
 * built from an unquoted name. Quoting on the client costs no round trip; the server version comes from the
 * login handshake; the facts a clone needs come in one query ({@link #facts}).
 */
public final class Catalog {

    /** First key of the plugin's advisory locks ("wtdb"). */
    private static final int LOCK_CLASS = 0x77746462;
    /** How often a session that copies checks that its client is still there ({@link #abortWhenClientLeaves}). */
    private static final int CLIENT_CHECK_MILLIS = 1000;

    private final Connection conn;

    public Catalog(Connection conn) {
        this.conn = conn;
    }

    /** The maintenance session this catalog works on. */
    public Connection connection() {
        return conn;
    }

    /** An open session on a database. */
    public record Session(int pid, String user, String application, String client, OffsetDateTime since, String state) {
        public String describe() {
            String app = application == null || application.isBlank() ? "(no application_name)" : application;
            String from = client == null ? "local socket" : client;
            return "pid " + pid + ", user " + user + ", " + app + ", from " + from + (since == null ? "" : ", since " + since)
                    + (state == null ? "" : ", " + state);
        }
    }

    /**
     * What the catalog says about one database.
     *
     * @param owner its owner, or {@code null} when it does not exist
     * @param ownerIsMine the current user is a member of the owner's role, so it may create a database owned by it
     * @param comment its comment ({@code COMMENT ON DATABASE}), or {@code null}
     */
    public record DatabaseFacts(String name, boolean exists, String owner, boolean ownerIsMine, String comment) {
        public Optional<Marker> marker() {
            return Marker.parse(comment);
        }
    }

    /** Like {@code server_version_num} (e.g. 150019), from the login handshake: no round trip. */
    public int serverVersionNum() throws SQLException {
        DatabaseMetaData md = conn.getMetaData();
        return md.getDatabaseMajorVersion() * 10000 + md.getDatabaseMinorVersion();
    }

    /** Like {@code server_version} (e.g. "15.19"), from the login handshake: no round trip. */
    public String serverVersion() throws SQLException {
        return conn.getMetaData().getDatabaseProductVersion();
    }

    /** Existence, owner and comment of each of these databases, in one round trip, in the order given. */
    public Map<String, DatabaseFacts> facts(String... databases) throws SQLException {
        Map<String, DatabaseFacts> found = new HashMap<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT datname, pg_get_userbyid(datdba), "
                + "pg_has_role(current_user, datdba, 'MEMBER'), shobj_description(oid, 'pg_database') "
                + "FROM pg_database WHERE datname = ANY (?)")) {
            Array names = conn.createArrayOf("text", databases);
            ps.setArray(1, names);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), new DatabaseFacts(rs.getString(1), true, rs.getString(2), rs.getBoolean(3),
                            rs.getString(4)));
                }
            } finally {
                names.free();
            }
        }
        Map<String, DatabaseFacts> out = new LinkedHashMap<>();
        for (String name : databases) {
            out.put(name, found.getOrDefault(name, new DatabaseFacts(name, false, null, false, null)));
        }
        return out;
    }

    /** The facts of one database ({@link #facts}). */
    public DatabaseFacts facts(String database) throws SQLException {
        return facts(new String[] {database}).get(database);
    }

    public boolean exists(String database) throws SQLException {
        return queryString("SELECT 1 FROM pg_database WHERE datname = ?", List.of(database)) != null;
    }

    /** Databases a user can connect to (not templates), for "did you mean" messages. */
    public List<String> databases() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    public long size(String database) throws SQLException {
        return Long.parseLong(queryString("SELECT pg_database_size(?::name)", List.of(database)));
    }

    public void setComment(String database, String comment) throws SQLException {
        execute("COMMENT ON DATABASE " + ident(database) + " IS " + literal(comment));
    }

    /**
     * Sessions on {@code database} other than this one. An autovacuum worker is none: nobody opened it, and
     * {@code CREATE DATABASE}, {@code DROP DATABASE} and {@code ALTER DATABASE … RENAME} end it themselves.
     */
    public List<Session> sessions(String database) throws SQLException {
        List<Session> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT pid, usename, application_name, host(client_addr), backend_start, state FROM pg_stat_activity "
                        + "WHERE datname = ? AND pid <> pg_backend_pid() AND " + NOT_AUTOVACUUM + " ORDER BY backend_start")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Session(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getObject(5, OffsetDateTime.class), rs.getString(6)));
                }
            }
        }
        return out;
    }

    private static final String NOT_AUTOVACUUM = "backend_type IS DISTINCT FROM 'autovacuum worker'";

    /** Ends the sessions on {@code database} (as {@link #sessions} has them); returns how many were signalled. */
    public int terminateSessions(String database) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                + "WHERE datname = ? AND pid <> pg_backend_pid() AND " + NOT_AUTOVACUUM)) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The {@code STRATEGY} clause of {@code CREATE DATABASE}. */
    public enum TemplateStrategy {
        /** No clause: the server's default (before PostgreSQL 15 the only way, a file copy). */
        SERVER_DEFAULT(""),
        WAL_LOG(" STRATEGY WAL_LOG"),
        FILE_COPY(" STRATEGY FILE_COPY");

        private final String clause;

        TemplateStrategy(String clause) {
            this.clause = clause;
        }
    }

    /**
     * {@code CREATE DATABASE target TEMPLATE source [OWNER owner] [STRATEGY strategy]}.
     *
     * @param owner the owner, or {@code null} for the current user
     */
    public void createFromTemplate(String target, String source, String owner, TemplateStrategy strategy)
            throws SQLException {
        execute("CREATE DATABASE " + ident(target) + " TEMPLATE " + ident(source) + ownerClause(owner) + strategy.clause);
    }

    /**
     * PostgreSQL 18+: makes this session's FILE_COPY clone files ({@code file_copy_method = clone}), which on a
     * copy-on-write file system (XFS with reflink, btrfs, ZFS, APFS) shares the blocks instead of copying them.
     *
     * @return whether the server took it (older servers, and platforms without file cloning, do not)
     */
    public boolean fileCopyByCloning(boolean on) {
        try {
            execute("SET file_copy_method = " + (on ? "clone" : "copy"));
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Makes the server end this session's statement when the client goes away ({@code client_connection_check_interval},
     * PostgreSQL 14+). Without it a build killed (Ctrl-C, kill -9) during {@code CREATE DATABASE} leaves the server
     * finishing the copy on its own: a complete database under the final name that never got its marker, which the
     * plugin then may not touch. With it the server aborts the copy within a second and removes its files.
     *
     * @return whether the server took it (older servers, and platforms that cannot check the connection, do not)
     */
    public boolean abortWhenClientLeaves() throws SQLException {
        if (serverVersionNum() < 140000) {
            return false;
        }
        try {
            execute("SET client_connection_check_interval = " + CLIENT_CHECK_MILLIS);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** {@code CREATE DATABASE name TEMPLATE template [OWNER owner]}: an empty database to restore into. */
    public void createEmptyFrom(String database, String template, String owner) throws SQLException {
        execute("CREATE DATABASE " + ident(database) + " TEMPLATE " + ident(template) + ownerClause(owner));
    }

    /**
     * Renames {@code from} to {@code to} and sets the comment of {@code to}, in one transaction and one round trip:
     * under the new name the database never exists without this comment, not even for a moment. (Renaming waits up
     * to 5 s for autovacuum workers on {@code from} to leave, like {@code DROP DATABASE}.)
     */
    public void renameWithComment(String from, String to, String comment) throws SQLException {
        try {
            execute("BEGIN; ALTER DATABASE " + ident(from) + " RENAME TO " + ident(to) + "; COMMENT ON DATABASE "
                    + ident(to) + " IS " + literal(comment) + "; COMMIT");
        } catch (SQLException e) {
            try {
                execute("ROLLBACK"); // the failed transaction block may still be open
            } catch (SQLException ignored) {
                // the connection is gone; so is the transaction
            }
            throw e;
        }
    }

    /**
     * In one transaction: {@code target} moves aside to {@code aside} (marked with {@code asideComment}), and
     * {@code temp} takes the name {@code target} and the comment {@code targetComment}. Either both renames happen or
     * neither does, so a database of the name {@code target} exists at every moment. Fails with {@code 55006} while a
     * session is connected to {@code target} or {@code temp}.
     */
    public void swapWithComment(String temp, String target, String aside, String targetComment, String asideComment)
            throws SQLException {
        try {
            execute("BEGIN; ALTER DATABASE " + ident(target) + " RENAME TO " + ident(aside) + "; COMMENT ON DATABASE "
                    + ident(aside) + " IS " + literal(asideComment) + "; ALTER DATABASE " + ident(temp) + " RENAME TO "
                    + ident(target) + "; COMMENT ON DATABASE " + ident(target) + " IS " + literal(targetComment)
                    + "; COMMIT");
        } catch (SQLException e) {
            try {
                execute("ROLLBACK");
            } catch (SQLException ignored) {
                // the connection is gone; so is the transaction
            }
            throw e;
        }
    }

    /** {@code CREATE DATABASE name [OWNER owner]}: an empty database from template1. */
    public void createEmpty(String database, String owner) throws SQLException {
        execute("CREATE DATABASE " + ident(database) + ownerClause(owner));
    }

    /**
     * {@code DROP DATABASE IF EXISTS name}, ending its sessions first when {@code force} (PostgreSQL 13+).
     *
     * <p>{@code WITH (FORCE)} refuses outright when one of the sessions belongs to a role this user may not signal,
     * and an autovacuum worker counts as one (it has no role): right after a big restore, or a killed run, that is
     * common. The plain {@code DROP} then takes over: it ends autovacuum workers itself and waits up to 5 s for other
     * sessions to leave, failing ({@code 55006}) only if they stay.
     */
    public void drop(String database, boolean force) throws SQLException {
        String sql = "DROP DATABASE IF EXISTS " + ident(database);
        if (force && serverVersionNum() >= 130000) {
            try {
                execute(sql + " WITH (FORCE)");
                return;
            } catch (SQLException e) {
                if (!SqlStates.is(e, SqlStates.INSUFFICIENT_PRIVILEGE)) {
                    throw e;
                }
            }
        }
        execute(sql);
    }

    /** Blocks until this session holds the plugin's lock for {@code database}. */
    public void lock(String database) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_lock(?, hashtext(?))")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setString(2, database);
            ps.execute();
        }
    }

    /** Takes the plugin's lock for {@code database} if it is free; false when another session holds it. */
    public boolean tryLock(String database) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setString(2, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    public void unlock(String database) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(?, hashtext(?))")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setString(2, database);
            ps.execute();
        }
    }

    /** {@code name} as a quoted identifier, by the driver. */
    private String ident(String name) throws SQLException {
        return conn.unwrap(PGConnection.class).escapeIdentifier(name);
    }

    /** {@code text} as a string literal, by the driver (which knows {@code standard_conforming_strings}). */
    private String literal(String text) throws SQLException {
        return "'" + conn.unwrap(PGConnection.class).escapeLiteral(text) + "'";
    }

    private String ownerClause(String owner) throws SQLException {
        return owner == null ? "" : " OWNER " + ident(owner);
    }

    /** {@code fmt} with {@code %I}/{@code %L} filled in by the server's {@code format()}: never concatenated input. */
    public String sql(String fmt, String... args) throws SQLException {
        StringBuilder q = new StringBuilder("SELECT format(?");
        for (int i = 0; i < args.length; i++) {
            q.append(", ?");
        }
        List<String> all = new java.util.ArrayList<>(List.of(fmt));
        all.addAll(List.of(args));
        return queryString(q.append(")").toString(), all);
    }

    private void execute(String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    private String queryString(String sql, List<String> args) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
