package io.github.worktreedb.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.RecordingLog;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How progress events become log lines: throttled, with done/total, rate and time left, and one summary at the end. */
class ProgressLogTest {

    private static final long MB = 1024 * 1024;

    private final RecordingLog log = new RecordingLog();
    private long now;
    private final ProgressLog progress = new ProgressLog(log, Duration.ofSeconds(5), () -> now);

    private void at(long seconds, ProgressEvent.Phase phase, long done) {
        now = seconds * 1_000_000_000L;
        progress.on(new ProgressEvent(phase, "shop_x", ProgressEvent.Unit.BYTES, done, 100 * MB, Duration.ofSeconds(seconds)));
    }

    @Test
    void aLineEveryFewSecondsWithDoneTotalRateAndTimeLeftThenASummary() {
        at(0, ProgressEvent.Phase.STARTED, 0);
        at(1, ProgressEvent.Phase.RUNNING, 10 * MB);
        at(4, ProgressEvent.Phase.RUNNING, 40 * MB);
        at(5, ProgressEvent.Phase.RUNNING, 50 * MB);
        at(6, ProgressEvent.Phase.RUNNING, 60 * MB);
        at(10, ProgressEvent.Phase.RUNNING, 100 * MB);
        at(10, ProgressEvent.Phase.FINISHED, 100 * MB);
        assertThat(log.lines()).containsExactly(
                "INFO   shop_x: 50.0 MB of about 100.0 MB (50%), 10.0 MB/s, about 5 s left",
                "INFO   shop_x: 100.0 MB of about 100.0 MB (100%), 10.0 MB/s",
                "INFO   shop_x: 100.0 MB in 10.0 s, 10.0 MB/s");
    }

    @Test
    void aQuickCopySaysNothing() {
        at(0, ProgressEvent.Phase.STARTED, 0);
        at(1, ProgressEvent.Phase.RUNNING, 60 * MB);
        at(2, ProgressEvent.Phase.FINISHED, 100 * MB);
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void aToolsVerboseLinesBecomeItemsAndTheRowsOfTheTablesItStarted() {
        java.util.List<ProgressEvent> events = new java.util.ArrayList<>();
        TransferWatch w = new TransferWatch("import shop.dump", "restore", 5,
                java.util.Map.of("public.customer", 1000L, "public.orders", 5000L), events::add);
        w.line("pg_restore: creating TABLE \"public.customer\"");
        w.line("pg_restore: creating TABLE \"public.orders\"");
        w.line("pg_restore: processing data for table \"public.customer\"");
        w.line("pg_restore: error: could not execute query: ERROR:  disk full");
        w.poll(null, "shop"); // no session: the rows of the tables started, taken as done
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.step()).isEqualTo("restore, 3/5 items");
            assertThat(e.done()).isEqualTo(1000);
            assertThat(e.total()).isEqualTo(6000);
        });
        assertThat(w.errors()).isEqualTo("pg_restore: error: could not execute query: ERROR:  disk full");
        assertThat(ProgressLog.line(new ProgressEvent(ProgressEvent.Phase.RUNNING, "import shop.dump", ProgressEvent.Unit.ROWS,
                3000, 6000, Duration.ofSeconds(3), "restore, 3/5 items")))
                .isEqualTo("  import shop.dump: restore, 3/5 items, 3000 rows of about 6000 rows (50%), 1000 rows/s, "
                        + "about 3 s left");
    }
}
