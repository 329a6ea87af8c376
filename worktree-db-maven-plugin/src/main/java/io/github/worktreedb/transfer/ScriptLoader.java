package io.github.worktreedb.transfer;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.flyway.SqlFiles;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Runs a pg_dump SQL script (a plain dump, or what {@code pg_restore -f -} makes of an archive) on one JDBC connection,
 * inside the caller's transaction: statements split by Flyway's PostgreSQL parser, {@code COPY ... FROM stdin} blocks
 * streamed with the driver's COPY API. So a data import commits once or not at all. psql's {@code \restrict} lines
 * (pg_dump 17.6/16.10/15.14 and later) are skipped; any other psql command is refused.
 */
final class ScriptLoader {

    private static final int BUFFER = 1 << 16;
    private static final long REPORT_EVERY_ROWS = 10_000;

    private final Connection conn;
    private final String source;
    private final LongConsumer rowsSoFar;
    private final List<String> copyTargets = new ArrayList<>();
    private long rows;

    /**
     * @param source the file, for messages
     * @param rowsSoFar told the rows loaded so far, every few thousand rows
     */
    ScriptLoader(Connection conn, String source, LongConsumer rowsSoFar) {
        this.conn = conn;
        this.source = source;
        this.rowsSoFar = rowsSoFar;
    }

    /** Runs the script; returns the rows its COPYs loaded. */
    long run(BufferedReader script) throws IOException, SQLException {
        StringBuilder sql = new StringBuilder();
        int lineNo = 0;
        int sqlStart = 1;
        for (String line; (line = script.readLine()) != null; ) {
            lineNo++;
            if (line.startsWith("\\restrict") || line.startsWith("\\unrestrict")) {
                continue;
            }
            if (line.startsWith("\\")) {
                throw WorktreeDbException.user(source + " line " + lineNo + " holds the psql command '" + line.split("\\s")[0]
                        + "', which only psql runs. Export it again without it, or import it with psql.");
            }
            if (line.startsWith("COPY ") && line.endsWith("FROM stdin;")) {
                execute(sql, sqlStart);
                sql.setLength(0);
                lineNo += copy(line, script);
                sqlStart = lineNo + 1;
                continue;
            }
            if (sql.length() == 0) {
                sqlStart = lineNo;
            }
            sql.append(line).append('\n');
        }
        execute(sql, sqlStart);
        rowsSoFar.accept(rows);
        return rows;
    }

    private void execute(StringBuilder sql, int firstLine) throws SQLException {
        if (sql.toString().isBlank()) {
            return;
        }
        try (Statement st = conn.createStatement()) {
            for (SqlFiles.Statement s : SqlFiles.statements(sql.toString())) {
                st.execute(s.sql());
            }
        }
    }

    /** The tables the script's COPY blocks loaded, as the script names them ({@code public."order items"}), in order. */
    List<String> copyTargets() {
        return copyTargets;
    }

    /**
     * The table a {@code COPY <table> [(columns)] FROM stdin;} line names, as written: one or two identifiers, each
     * plain or double-quoted (a quoted one may hold spaces, dots, parentheses and doubled quotes).
     */
    static String copyTarget(String copySql) {
        String rest = copySql.substring("COPY ".length());
        int i = 0;
        for (int part = 0; part < 2; part++) {
            if (i < rest.length() && rest.charAt(i) == '"') {
                i++;
                while (i < rest.length()) {
                    if (rest.charAt(i) == '"') {
                        if (i + 1 < rest.length() && rest.charAt(i + 1) == '"') {
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    i++;
                }
            } else {
                while (i < rest.length() && rest.charAt(i) != '.' && rest.charAt(i) != ' ' && rest.charAt(i) != '(') {
                    i++;
                }
            }
            if (part == 0 && i < rest.length() && rest.charAt(i) == '.') {
                i++;
            } else {
                break;
            }
        }
        return rest.substring(0, i);
    }

    /** Streams one COPY block's lines up to {@code \.}; returns the number of lines read. */
    private int copy(String copySql, BufferedReader script) throws IOException, SQLException {
        copyTargets.add(copyTarget(copySql));
        CopyIn in = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql.substring(0, copySql.length() - 1));
        int lines = 0;
        boolean ended = false;
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(BUFFER + 1024);
            for (String line; (line = script.readLine()) != null; ) {
                lines++;
                if (line.equals("\\.")) {
                    ended = true;
                    break;
                }
                byte[] b = line.getBytes(StandardCharsets.UTF_8);
                buf.write(b, 0, b.length);
                buf.write('\n');
                if (buf.size() >= BUFFER) {
                    in.writeToCopy(buf.toByteArray(), 0, buf.size());
                    buf.reset();
                }
                if (++rows % REPORT_EVERY_ROWS == 0) {
                    rowsSoFar.accept(rows);
                }
            }
            if (!ended) {
                throw WorktreeDbException.user("The dump " + source + " ends inside the data of " + copySql
                        + ": it was cut short. Nothing was changed. Export it again (or copy it again, completely).");
            }
            if (buf.size() > 0) {
                in.writeToCopy(buf.toByteArray(), 0, buf.size());
            }
            in.endCopy();
            return lines;
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }
}
