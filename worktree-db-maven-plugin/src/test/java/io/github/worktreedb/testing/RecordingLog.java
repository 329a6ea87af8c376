package io.github.worktreedb.testing;

import io.github.worktreedb.core.Log;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A log that keeps what it is told, as {@code INFO …} and {@code WARN …} lines (debug is dropped); thread-safe. */
public final class RecordingLog implements Log {

    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    /** The lines so far (a live, synchronised view). */
    public List<String> lines() {
        return lines;
    }

    public void clear() {
        lines.clear();
    }

    @Override
    public void info(String message) {
        lines.add("INFO " + message);
    }

    @Override
    public void warn(String message) {
        lines.add("WARN " + message);
    }

    @Override
    public void debug(String message) {}

    @Override
    public boolean isDebugEnabled() {
        return false;
    }
}
