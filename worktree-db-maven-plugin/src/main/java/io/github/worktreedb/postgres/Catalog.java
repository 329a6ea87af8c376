package io.github.worktreedb.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Server-level reads and changes, run on a maintenance connection. Every statement that needs an
 * identifier has the server quote it ({@code format('%I')}) or passes it as a parameter: no SQL is
 * built by concatenating a name.
 */
public final class Catalog {

    /** First key of the plugin's advisory locks ("wtdb"). */
    private static final int LOCK_CLASS = 0x77746462;

    private final Connection conn;

    public Catalog(Connection conn) {
        this.conn = conn;
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

    public int serverVersionNum() throws SQLException {
        return Integer.parseInt(queryString("SHOW server_version_num", List.of()));
    }

    public String serverVersion() throws SQLException {
        return queryString("SHOW server_version", List.of());
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

    public String owner(String database) throws SQLException {
        return queryString("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", List.of(database));
    }

    /** Whether the current user may create a database owned by {@code role}. */
    public boolean canCreateOwnedBy(String role) throws SQLException {
        return "t".equals(queryString("SELECT CASE WHEN pg_has_role(current_user, ?, 'MEMBER') THEN 't' ELSE 'f' END",
                List.of(role)));
    }

    public long size(String database) throws SQLException {
        return Long.parseLong(queryString("SELECT pg_database_size(?::name)", List.of(database)));
    }

    public Optional<String> comment(String database) throws SQLException {
        return Optional.ofNullable(queryString(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", List.of(database)));
    }

    public Optional<Marker> marker(String database) throws SQLException {
        return comment(database).flatMap(Marker::parse);
    }

    public void setComment(String database, String comment) throws SQLException {
        execute(format("SELECT format('COMMENT ON DATABASE %I IS %L', ?, ?)", database, comment));
    }

    /** Sessions on {@code database} other than this one. */
    public List<Session> sessions(String database) throws SQLException {
        List<Session> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT pid, usename, application_name, host(client_addr), backend_start, state FROM pg_stat_activity "
                        + "WHERE datname = ? AND pid <> pg_backend_pid() ORDER BY backend_start")) {
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

    /** Ends the sessions on {@code database}; returns how many were signalled. */
    public int terminateSessions(String database) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                + "WHERE datname = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * {@code CREATE DATABASE target TEMPLATE source [OWNER owner] [STRATEGY strategy]}.
     *
     * @param owner the owner, or {@code null} for the current user
     * @param strategy {@code WAL_LOG}, {@code FILE_COPY}, or {@code null} to leave the clause out (before PostgreSQL 15)
     */
    public void createFromTemplate(String target, String source, String owner, String strategy) throws SQLException {
        String sql = format("SELECT format('CREATE DATABASE %I TEMPLATE %I', ?, ?)", target, source);
        if (owner != null) {
            sql += format("SELECT format(' OWNER %I', ?)", owner);
        }
        if (strategy != null) {
            if (!strategy.equals("WAL_LOG") && !strategy.equals("FILE_COPY")) {
                throw new IllegalArgumentException(strategy);
            }
            sql += " STRATEGY " + strategy;
        }
        execute(sql);
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

    /** {@code CREATE DATABASE name TEMPLATE template [OWNER owner]}: an empty database to restore into. */
    public void createEmptyFrom(String database, String template, String owner) throws SQLException {
        String sql = format("SELECT format('CREATE DATABASE %I TEMPLATE %I', ?, ?)", database, template);
        if (owner != null) {
            sql += format("SELECT format(' OWNER %I', ?)", owner);
        }
        execute(sql);
    }

    /** {@code ALTER DATABASE from RENAME TO to}. */
    public void rename(String from, String to) throws SQLException {
        execute(format("SELECT format('ALTER DATABASE %I RENAME TO %I', ?, ?)", from, to));
    }

    /** {@code CREATE DATABASE name [OWNER owner]}: an empty database from template1. */
    public void createEmpty(String database, String owner) throws SQLException {
        String sql = format("SELECT format('CREATE DATABASE %I', ?)", database);
        if (owner != null) {
            sql += format("SELECT format(' OWNER %I', ?)", owner);
        }
        execute(sql);
    }

    /** {@code DROP DATABASE IF EXISTS name}, ending its sessions first when {@code force} (PostgreSQL 13+). */
    public void drop(String database, boolean force) throws SQLException {
        String sql = format("SELECT format('DROP DATABASE IF EXISTS %I', ?)", database);
        if (force && serverVersionNum() >= 130000) {
            sql += " WITH (FORCE)";
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

    /** Runs a {@code SELECT format(...)} query with these arguments: SQL text with identifiers quoted by the server. */
    private String format(String formatQuery, String... args) throws SQLException {
        return queryString(formatQuery, List.of(args));
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
