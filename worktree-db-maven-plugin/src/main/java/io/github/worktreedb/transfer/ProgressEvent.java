package io.github.worktreedb.transfer;

import java.time.Duration;

/**
 * What a long piece of work has done so far: emitted by the copy engine, rendered by whoever runs it (the mojo, as log
 * lines: {@link ProgressLog}; a JSON output could carry them as they are).
 *
 * @param phase where the work is
 * @param subject what is being worked on (a database name), for the rendered line
 * @param unit what {@code done} and {@code total} count
 * @param done how much is done so far
 * @param total how much there is in all, or -1 when not known
 * @param elapsed since {@link Phase#STARTED}
 * @param step where the work is inside its phase ({@code data, 12/40 items}), or {@code null}
 */
public record ProgressEvent(Phase phase, String subject, Unit unit, long done, long total, Duration elapsed, String step) {

    public ProgressEvent(Phase phase, String subject, Unit unit, long done, long total, Duration elapsed) {
        this(phase, subject, unit, done, total, elapsed, null);
    }

    /** The life of one piece of work: one STARTED, any number of RUNNING, one FINISHED (also on failure). */
    public enum Phase {
        STARTED,
        RUNNING,
        FINISHED
    }

    /** What the figures count. */
    public enum Unit {
        BYTES,
        ROWS,
        ITEMS
    }

    /** The share done (0..1), or -1 when the total is not known. */
    public double fraction() {
        return total > 0 ? Math.min(1.0, (double) done / total) : -1;
    }
}
