package io.github.worktreedb.transfer;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Sizes;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Renders {@link ProgressEvent}s as log lines, the way Maven users know from downloads: while work runs, at most one
 * line every few seconds with done/total, rate and time left; at the end one summary line, and only when progress
 * lines were shown (a copy that takes a second says nothing more than its goal's own summary).
 */
public final class ProgressLog implements ProgressListener {

    /** How far apart two progress lines are at least. */
    public static final Duration INTERVAL = Duration.ofSeconds(5);

    private final Log log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long lastLine;
    private boolean shown;

    public ProgressLog(Log log) {
        this(log, INTERVAL, System::nanoTime);
    }

    ProgressLog(Log log, Duration interval, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.clock = nanoClock;
    }

    @Override
    public void on(ProgressEvent e) {
        switch (e.phase()) {
            case STARTED -> {
                lastLine = clock.getAsLong();
                shown = false;
            }
            case RUNNING -> {
                long now = clock.getAsLong();
                if (now - lastLine >= intervalNanos) {
                    lastLine = now;
                    shown = true;
                    log.info(line(e));
                }
            }
            case FINISHED -> {
                if (shown) {
                    log.info("  " + e.subject() + ": " + amount(e.unit(), e.done()) + " in " + seconds(e.elapsed())
                            + rate(e));
                }
                shown = false;
            }
        }
    }

    /** {@code   shop_feature_x: 120.0 MB of about 1.0 GB (12%), 40.0 MB/s, about 22 s left}. */
    static String line(ProgressEvent e) {
        StringBuilder b = new StringBuilder("  ").append(e.subject()).append(": ");
        if (e.step() != null) {
            b.append(e.step()).append(", ");
        }
        b.append(amount(e.unit(), e.done()));
        if (e.total() > 0) {
            b.append(" of about ").append(amount(e.unit(), e.total()))
                    .append(String.format(Locale.ROOT, " (%d%%)", Math.round(e.fraction() * 100)));
        }
        b.append(rate(e));
        double secs = e.elapsed().toNanos() / 1e9;
        if (e.total() > e.done() && e.done() > 0 && secs > 0) {
            long left = Math.round((e.total() - e.done()) / (e.done() / secs));
            b.append(", about ").append(left).append(" s left");
        }
        return b.toString();
    }

    private static String rate(ProgressEvent e) {
        double secs = e.elapsed().toNanos() / 1e9;
        if (secs <= 0 || e.done() <= 0) {
            return "";
        }
        long perSecond = Math.round(e.done() / secs);
        return ", " + amount(e.unit(), perSecond) + "/s";
    }

    private static String amount(ProgressEvent.Unit unit, long n) {
        return switch (unit) {
            case BYTES -> Sizes.human(n);
            case ROWS -> n + " rows";
            case ITEMS -> Long.toString(n);
        };
    }

    private static String seconds(Duration d) {
        return Sizes.seconds(d);
    }
}
