package io.github.worktreedb.core;

import java.time.Duration;
import java.util.Locale;

/** Human-readable sizes and durations for summary lines. */
public final class Sizes {

    private Sizes() {}

    /** Bytes as PostgreSQL's pg_size_pretty would say them, one decimal: {@code 7.9 MB}, {@code 1.1 GB}. */
    public static String human(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        String[] units = {"bytes", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    public static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
