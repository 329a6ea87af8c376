package io.github.worktreedb.coordination;

import io.github.worktreedb.git.GitWorktree;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * With {@code isolation=shared}, which branch, worktree and commit applied each migration to the shared database: kept
 * in the database itself ({@code worktree_db.migration_origin}), since every worktree works on it. Written by
 * {@code migrate}, read by {@code migrate} and {@code status}.
 */
public final class OriginTable {

    public static final String SCHEMA = "worktree_db";
    public static final String TABLE = SCHEMA + ".migration_origin";

    /** Who applied one migration. */
    public record Origin(String version, String script, String branch, String worktree, String commit, String appliedAt) {}

    /** One migration that {@code migrate} just applied. */
    public record Applied(String version, String script) {}

    private OriginTable() {}

    /** The recorded origins by version; empty when nothing was recorded yet. */
    public static Map<String, Origin> read(Connection conn) throws SQLException {
        Map<String, Origin> out = new LinkedHashMap<>();
        try (Statement st = conn.createStatement();
                ResultSet exists = st.executeQuery("SELECT to_regclass('" + TABLE + "') IS NOT NULL")) {
            if (!exists.next() || !exists.getBoolean(1)) {
                return out;
            }
        }
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT version, script, branch, worktree, commit_id, "
                        + "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM " + TABLE
                        + " ORDER BY applied_at, version")) {
            while (rs.next()) {
                out.put(rs.getString(1), new Origin(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)));
            }
        }
        return out;
    }

    /** Records that this worktree applied {@code applied}, creating the table on first use. */
    public static void record(Connection conn, GitWorktree git, List<Applied> applied) throws SQLException {
        if (applied.isEmpty()) {
            return;
        }
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (version text PRIMARY KEY, script text NOT NULL, "
                    + "branch text, worktree text NOT NULL, commit_id text, applied_at timestamptz NOT NULL DEFAULT now())");
            st.execute("COMMENT ON TABLE " + TABLE + " IS 'worktree-db (isolation=shared): which branch, worktree and commit "
                    + "applied each Flyway migration to this shared database'");
        }
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + TABLE + " (version, script, branch, worktree, "
                + "commit_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (version) DO UPDATE SET script = EXCLUDED.script, "
                + "branch = EXCLUDED.branch, worktree = EXCLUDED.worktree, commit_id = EXCLUDED.commit_id, applied_at = now()")) {
            for (Applied a : applied) {
                ps.setString(1, a.version());
                ps.setString(2, a.script());
                ps.setString(3, git.branchOrDirectory());
                ps.setString(4, git.root().toString());
                ps.setString(5, git.head());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
