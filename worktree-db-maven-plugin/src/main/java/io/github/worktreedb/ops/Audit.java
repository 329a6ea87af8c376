package io.github.worktreedb.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The audit trail of attempts to change a database: applied, refused, declined, failed. Each attempt goes to the
 * history log ({@link History}), as one JSON object per line to {@code worktree-db/history.jsonl} in the git common dir
 * and, when {@code -Dworktree-db.auditFile} names one, to that file too (a CI artifact: a runner's {@code .git} is
 * thrown away); on a protected database also into the database itself ({@code worktree_db.audit}: who, when, from which
 * commit). Never a password; failing to write never fails the build.
 */
public final class Audit {

    /** The JSON-lines form of the history, next to {@link History#FILE}. */
    public static final String FILE = "worktree-db/history.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One attempt. {@code protectedDatabase} is null when unknown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String time, String goal, String database, String outcome, String detail, List<String> versions,
            Boolean protectedDatabase, long durationMs, String worktree, String branch, String commit, String user,
            String agent) {}

    private Audit() {}

    /** Records an attempt on {@code database}; the history log gets outcome, detail and versions. */
    public static void record(WorktreeContext ctx, String goal, String database, String outcome, String detail,
            List<String> versions, Boolean protectedDatabase, Duration took, Log log) {
        record(ctx, goal, database, outcome, detail, versions, protectedDatabase, took, log, null);
    }

    /** Records an attempt on {@code database}; {@code historyText}, when given, is the history log's outcome column. */
    public static void record(WorktreeContext ctx, String goal, String database, String outcome, String detail,
            List<String> versions, Boolean protectedDatabase, Duration took, Log log, String historyText) {
        Entry e = new Entry(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), goal, database, outcome,
                detail == null ? null : Secrets.redact(detail, ctx.main().spec().password()),
                versions == null || versions.isEmpty() ? null : List.copyOf(versions), protectedDatabase, took.toMillis(),
                ctx.git().root().toString(), ctx.git().branch(), ctx.git().head(), ProtectOperation.who(),
                ctx.config().safety().agent());
        History.append(ctx.git(), goal, database, historyText != null ? historyText : outcome + (detail == null ? "" : ": " + e.detail())
                + (e.versions() == null ? "" : " [" + String.join(", ", e.versions()) + "]")
                + (Boolean.TRUE.equals(protectedDatabase) ? " (protected)" : ""), took, log);
        String line;
        try {
            line = JSON.writeValueAsString(e) + "\n";
        } catch (IOException ex) {
            log.warn("Could not write the audit entry: " + ex);
            return;
        }
        appendLine(ctx.git().commonDir().resolve(FILE), line, log);
        if (ctx.config().safety().auditFile() != null) {
            appendLine(ctx.config().safety().auditFile(), line, log);
        }
        if (Boolean.TRUE.equals(protectedDatabase)) {
            inDatabase(ctx, e, log);
        }
    }

    private static void inDatabase(WorktreeContext ctx, Entry e, Log log) {
        try (Connection conn = ctx.target().connector().connect(e.database()); Statement st = conn.createStatement()) {
            Protection.createSchema(st);
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO " + Protection.SCHEMA + ".audit (goal, outcome, "
                    + "detail, versions, os_user, host, git_commit, git_branch, agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                String who = e.user();
                int at = who.indexOf('@');
                ps.setString(1, e.goal());
                ps.setString(2, e.outcome());
                ps.setString(3, e.detail());
                ps.setString(4, e.versions() == null ? null : String.join(",", e.versions()));
                ps.setString(5, at < 0 ? who : who.substring(0, at));
                ps.setString(6, at < 0 ? null : who.substring(at + 1));
                ps.setString(7, e.commit());
                ps.setString(8, e.branch());
                ps.setString(9, e.agent());
                ps.executeUpdate();
            }
        } catch (SQLException | RuntimeException ex) {
            log.warn("Could not record the attempt in " + e.database() + " (" + Protection.SCHEMA + ".audit): "
                    + Secrets.redact(String.valueOf(ex.getMessage()), ctx.main().spec().password()));
        }
    }

    static void appendLine(Path file, String line, Log log) {
        History.appendLine(file, line, "the audit file", log);
    }
}
