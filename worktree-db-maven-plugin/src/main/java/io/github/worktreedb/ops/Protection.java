package io.github.worktreedb.ops;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.PgConnector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * The {@code protect} stamp, kept inside the protected database itself so that every machine sees it (as Rails keeps
 * the environment in {@code ar_internal_metadata}): a row in {@code worktree_db.protection} naming the database.
 * It is not the plugin's ownership marker (a JSON {@code COMMENT ON DATABASE} on databases the plugin made), and it
 * counts only in the database it names: a server-side copy ({@code clone}) carries the row under another name, so the
 * copy is not protected.
 */
public final class Protection {

    /** The schema holding the stamp and the in-database audit trail. */
    public static final String SCHEMA = "worktree_db";

    /** A protected database's stamp. */
    public record Stamp(String database, OffsetDateTime since, String by, String commit) {
        public String describe() {
            return "protected since " + since + (by == null ? "" : " by " + by) + (commit == null ? "" : " (commit " + commit + ")");
        }
    }

    private Protection() {}

    /** The stamp of the database {@code conn} is connected to, if it is protected. Read-only. */
    public static Optional<Stamp> read(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT to_regclass('" + SCHEMA + ".protection') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT database, protected_at, protected_by, git_commit FROM " + SCHEMA
                        + ".protection WHERE database = current_database()")) {
            return rs.next() ? Optional.of(new Stamp(rs.getString(1), rs.getObject(2, OffsetDateTime.class), rs.getString(3),
                    rs.getString(4))) : Optional.empty();
        }
    }

    /** The stamp of {@code database} on {@code server}; empty when it is not protected or does not exist. */
    public static Optional<Stamp> read(PgConnector server, String database) {
        Connection conn;
        try {
            conn = server.connect(database);
        } catch (WorktreeDbException e) {
            if (e.getCause() instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
                return Optional.empty();
            }
            throw e;
        }
        try (conn) {
            return read(conn);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot read whether " + database + " is protected: " + e.getMessage(), e);
        }
    }

    /** Stamps the database {@code conn} is connected to as protected (again: the stamp is renewed). */
    public static Stamp stamp(Connection conn, String by, String commit) throws SQLException {
        boolean auto = conn.getAutoCommit();
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            createSchema(st);
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + SCHEMA + ".protection (database, protected_by, "
                    + "git_commit) VALUES (current_database(), ?, ?) ON CONFLICT (database) DO UPDATE SET protected_at = now(), "
                    + "protected_by = excluded.protected_by, git_commit = excluded.git_commit")) {
                ps.setString(1, by);
                ps.setString(2, commit);
                ps.executeUpdate();
            }
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(auto);
        }
        return read(conn).orElseThrow();
    }

    /** Removes the stamp of the database {@code conn} is connected to; whether there was one. */
    public static boolean remove(Connection conn) throws SQLException {
        if (read(conn).isEmpty()) {
            return false;
        }
        try (Statement st = conn.createStatement()) {
            return st.executeUpdate("DELETE FROM " + SCHEMA + ".protection WHERE database = current_database()") > 0;
        }
    }

    static void createSchema(Statement st) throws SQLException {
        st.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
        st.execute("COMMENT ON SCHEMA " + SCHEMA + " IS 'worktree-db: the protect stamp and the audit trail of changes to "
                + "this database. Remove the stamp with mvn worktree-db:unprotect.'");
        st.execute("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".protection (database name PRIMARY KEY, "
                + "protected_at timestamptz NOT NULL DEFAULT now(), protected_by text, git_commit text)");
        st.execute("CREATE TABLE IF NOT EXISTS " + SCHEMA + ".audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL "
                + "DEFAULT now(), database name NOT NULL DEFAULT current_database(), goal text NOT NULL, outcome text NOT NULL, "
                + "detail text, versions text, os_user text, db_user name NOT NULL DEFAULT current_user, host text, "
                + "git_commit text, git_branch text, agent text)");
    }
}
