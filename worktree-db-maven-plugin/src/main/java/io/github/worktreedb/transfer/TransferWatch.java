package io.github.worktreedb.transfer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches a running pg_dump or pg_restore: reads its {@code --verbose} lines (the items it has started, the tables whose
 * data it has started) and, on PostgreSQL 14+, the rows its COPYs have moved so far ({@code pg_stat_progress_copy}),
 * and turns both into {@link ProgressEvent}s: items done of the table of contents' total, rows done of the manifest's.
 */
final class TransferWatch {

    private static final Pattern DATA = Pattern.compile(
            "(?:dumping contents of table|processing data for table) \"([^\"]+)\"");
    private static final Pattern ITEM = Pattern.compile(": (?:creating |processing data for table|dumping contents of table"
            + "|restoring large object|executing )");

    private final String subject;
    private final String phase;
    private volatile int itemsTotal;
    private volatile Map<String, Long> rowsPerTable;
    private volatile long rowsTotal;
    private final ProgressListener progress;
    private final long start = System.nanoTime();
    private final Set<String> started = new LinkedHashSet<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private int items;
    private boolean copyStats = true;

    /**
     * @param rowsPerTable {@code schema.table} → rows, from the manifest (empty without one)
     */
    TransferWatch(String subject, String phase, int itemsTotal, Map<String, Long> rowsPerTable, ProgressListener progress) {
        this.subject = subject;
        this.phase = phase;
        this.itemsTotal = itemsTotal;
        this.rowsPerTable = rowsPerTable;
        this.rowsTotal = rowsPerTable.isEmpty() ? -1 : rowsPerTable.values().stream().mapToLong(Long::longValue).sum();
        this.progress = progress;
    }

    /** The totals, once they are known (an export counts the rows while pg_dump runs). */
    void totals(int items, Map<String, Long> rows) {
        this.itemsTotal = items;
        this.rowsPerTable = rows;
        this.rowsTotal = rows.isEmpty() ? -1 : rows.values().stream().mapToLong(Long::longValue).sum();
    }

    void started() {
        progress.on(new ProgressEvent(ProgressEvent.Phase.STARTED, subject, ProgressEvent.Unit.ROWS, 0, rowsTotal,
                Duration.ZERO, phase));
    }

    /** Reads the tool's standard error on a thread of its own; keeps its last lines for an error message. */
    Thread readErrors(InputStream err) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    line(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "worktree-db progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    synchronized void line(String line) {
        Matcher d = DATA.matcher(line);
        if (d.find()) {
            started.add(d.group(1));
        }
        if (ITEM.matcher(line).find()) {
            items++;
        } else if (!line.contains(": ") || !(line.contains("pg_dump: ") || line.contains("pg_restore: "))
                || line.contains("error") || line.contains("warning") || line.contains("detail")) {
            tail.add(line);
            if (tail.size() > 6) {
                tail.removeFirst();
            }
        }
    }

    /** The last lines that were not progress: what went wrong. */
    synchronized String errors() {
        return String.join(" | ", tail).strip();
    }

    /**
     * One progress event: the rows of the tables done, plus the rows the running COPYs have moved so far.
     *
     * @param watch a session on {@code database} itself (the COPYs' tables are looked up in its catalogue)
     */
    void poll(Connection watch, String database) {
        Map<String, Long> active = new HashMap<>();
        if (copyStats && watch != null) {
            try (PreparedStatement ps = watch.prepareStatement("SELECT n.nspname || '.' || c.relname, p.tuples_processed "
                    + "FROM pg_stat_progress_copy p JOIN pg_class c ON c.oid = p.relid "
                    + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.datname = ?")) {
                ps.setString(1, database);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        active.put(rs.getString(1), rs.getLong(2));
                    }
                }
            } catch (SQLException e) {
                copyStats = false; // before PostgreSQL 14, or not visible: items only
            }
        }
        long rows;
        int done;
        synchronized (this) {
            rows = 0;
            for (String t : started) {
                // a table is shown quoted as "schema.table" by the tools; the catalogue names it the same way
                rows += active.containsKey(t) ? active.get(t) : rowsPerTable.getOrDefault(t, 0L);
            }
            done = items;
        }
        progress.on(new ProgressEvent(ProgressEvent.Phase.RUNNING, subject, ProgressEvent.Unit.ROWS, rows, rowsTotal,
                elapsed(), step(done)));
    }

    void finished(long rows) {
        progress.on(new ProgressEvent(ProgressEvent.Phase.FINISHED, subject, ProgressEvent.Unit.ROWS, rows, rowsTotal,
                elapsed(), step(itemsTotal)));
    }

    private String step(int done) {
        return phase + (itemsTotal > 0 ? ", " + Math.min(done, itemsTotal) + "/" + itemsTotal + " items" : "");
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
