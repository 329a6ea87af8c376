package io.github.worktreedb.flyway;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import org.flywaydb.core.api.logging.LogCreator;

/**
 * Sends Flyway's own messages to the running goal's log at debug level (warnings and errors stay warnings), so a
 * goal prints its own one-line summary. Flyway runs on the goal's thread, so the target log is thread-local.
 * A server NOTICE that a migration raises ({@code relation "x" already exists, skipping}), which Flyway logs as a
 * warning when its SQLSTATE is not {@code 00000}, is logged at info: only a server WARNING (SQLSTATE class 01, or
 * 25 as in {@code there is no transaction in progress}) stays a warning.
 */
public final class FlywayLogging implements LogCreator {

    /** How Flyway relays a server message with its SQLSTATE. */
    private static final java.util.regex.Pattern SERVER_MESSAGE =
            java.util.regex.Pattern.compile("(?s)^DB: .* \\(SQL State: ([0-9A-Z]{5}) - Error Code: -?\\d+\\)$");

    /** A server message that is a NOTICE, not a WARNING. */
    static boolean serverNotice(String message) {
        java.util.regex.Matcher m = SERVER_MESSAGE.matcher(message == null ? "" : message);
        return m.matches() && !m.group(1).startsWith("01") && !m.group(1).startsWith("25");
    }

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
                if (serverNotice(message)) {
                    target().info("[flyway] " + Secrets.redact(message));
                } else {
                    target().warn("[flyway] " + Secrets.redact(message));
                }
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
