package io.github.worktreedb.flyway;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import org.flywaydb.core.api.logging.LogCreator;

/**
 * Sends Flyway's own messages to the running goal's log at debug level (warnings and errors stay warnings), so a
 * goal prints its own one-line summary. Flyway runs on the goal's thread, so the target log is thread-local.
 */
public final class FlywayLogging implements LogCreator {

    private static final ThreadLocal<Log> TARGET = new ThreadLocal<>();

    /** Routes Flyway's messages on this thread to {@code log} until the returned handle is closed. */
    public static AutoCloseable to(Log log) {
        TARGET.set(log);
        return TARGET::remove;
    }

    @Override
    public org.flywaydb.core.api.logging.Log createLogger(Class<?> clazz) {
        return new org.flywaydb.core.api.logging.Log() {
            private Log target() {
                Log t = TARGET.get();
                return t == null ? Log.NONE : t;
            }

            @Override
            public boolean isDebugEnabled() {
                return target().isDebugEnabled();
            }

            @Override
            public void debug(String message) {
                target().debug("[flyway] " + Secrets.redact(message));
            }

            @Override
            public void info(String message) {
                target().debug("[flyway] " + Secrets.redact(message));
            }

            @Override
            public void warn(String message) {
                target().warn("[flyway] " + Secrets.redact(message));
            }

            @Override
            public void error(String message) {
                target().warn("[flyway] " + Secrets.redact(message));
            }

            @Override
            public void error(String message, Exception e) {
                target().warn("[flyway] " + Secrets.redact(message));
            }

            @Override
            public void notice(String message) {
                target().debug("[flyway] " + Secrets.redact(message));
            }
        };
    }
}
