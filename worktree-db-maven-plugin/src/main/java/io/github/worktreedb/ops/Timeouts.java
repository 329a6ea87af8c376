package io.github.worktreedb.ops;

import io.github.worktreedb.config.SafetySettings;
import java.time.Duration;

/**
 * The {@code lock_timeout} and {@code statement_timeout} a migration or seed runs with: as configured, else a
 * {@code lock_timeout} of 5 s on a protected or remote database (a DDL statement waiting for a lock queues every later
 * query on that table behind it) and none locally. {@code 0} configured turns one off.
 *
 * @param lock the lock timeout, or {@code null} for none
 * @param statement the statement timeout, or {@code null} for none
 */
record Timeouts(Duration lock, Duration statement) {

    static Timeouts of(SafetySettings s, Consent.Stakes stakes) {
        Duration lock = s.lockTimeout() != null ? s.lockTimeout()
                : stakes.protection().isPresent() || stakes.remote() ? SafetySettings.PROTECTED_LOCK_TIMEOUT : null;
        return new Timeouts(positive(lock), positive(s.statementTimeout()));
    }

    private static Duration positive(Duration d) {
        return d == null || d.isZero() || d.isNegative() ? null : d;
    }

    boolean any() {
        return lock != null || statement != null;
    }

    /** The server settings they are: {@code lock_timeout}, {@code statement_timeout} (those that are set). */
    java.util.Map<String, String> settings() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        if (lock != null) {
            out.put("lock_timeout", SafetySettings.postgres(lock));
        }
        if (statement != null) {
            out.put("statement_timeout", SafetySettings.postgres(statement));
        }
        return out;
    }

    /** The SQL that sets them on a session, tagging it with {@code applicationName} (for the lock watch). */
    String initSql(String applicationName) {
        StringBuilder b = new StringBuilder("SET application_name = '" + applicationName.replace("'", "''") + "'");
        if (lock != null) {
            b.append("; SET lock_timeout = '").append(SafetySettings.postgres(lock)).append("'");
        }
        if (statement != null) {
            b.append("; SET statement_timeout = '").append(SafetySettings.postgres(statement)).append("'");
        }
        return b.toString();
    }

    /** {@code "\nlock_timeout 5000ms, statement_timeout 60000ms."}, or empty. */
    String describe() {
        if (!any()) {
            return "";
        }
        return "\n" + (lock == null ? "" : "lock_timeout " + SafetySettings.postgres(lock))
                + (lock != null && statement != null ? ", " : "")
                + (statement == null ? "" : "statement_timeout " + SafetySettings.postgres(statement)) + ".";
    }
}
