package io.github.worktreedb.transfer;

/** Receives the engine's {@link ProgressEvent}s; called on the thread that does the work, so it must be quick. */
@FunctionalInterface
public interface ProgressListener {

    void on(ProgressEvent event);

    /** Drops every event. */
    ProgressListener NONE = event -> {};
}
