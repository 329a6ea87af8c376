package io.github.worktreedb.ops;

import io.github.worktreedb.postgres.Marker;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The databases on the server that carry the plugin's marker for this repository, by kind. */
final class OwnedDatabases {

    /** A marked database and its size. */
    record Owned(String name, Marker marker, long sizeBytes) {}

    private OwnedDatabases() {}

    /**
     * Marked databases of this repository of one kind: the marker names this repository's git common dir (or, for a
     * marker without one, this main database as its source). Never the main database itself, never another kind (a
     * snapshot, a half-made copy, or a kind a newer plugin added is never taken for a worktree's database).
     */
    static List<Owned> of(Connection conn, WorktreeContext ctx, Marker.Kind kind) throws SQLException {
        List<Owned> out = new ArrayList<>();
        String repository = ctx.git().commonDir().toString();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT datname, c, CASE WHEN c LIKE '{%' THEN pg_database_size(oid) END FROM (SELECT datname, oid, "
                        + "shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE NOT datistemplate) d "
                        + "ORDER BY datname")) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (name.equals(ctx.main().name())) {
                    continue;
                }
                var marker = Marker.parse(rs.getString(2));
                if (marker.isEmpty()) {
                    continue;
                }
                Marker m = marker.get();
                if (m.kind() != kind) {
                    continue;
                }
                boolean ours = m.repository() != null ? m.repository().equals(repository) : ctx.main().name().equals(m.source());
                if (ours) {
                    out.add(new Owned(name, m, rs.getLong(3)));
                }
            }
        }
        return out;
    }

    /** Whether the marker's branch still exists (a detached worktree's "branch" is a directory name: it has none). */
    static boolean branchExists(java.util.Set<String> branches, Marker m) {
        return !Boolean.TRUE.equals(m.detached()) && m.branch() != null && branches.contains(m.branch());
    }
}
