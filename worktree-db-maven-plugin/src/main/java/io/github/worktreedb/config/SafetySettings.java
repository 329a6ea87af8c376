package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * How the goals treat databases that matter: which database they act on, the name-bound consent, lock safety,
 * lint, rehearsal and the audit trail.
 *
 * @param target {@code worktree}: this worktree's database; {@code main}: the main database itself
 * @param confirm the name of the database the user consents to change (protected, main or remote), or {@code null}
 * @param lockTimeout PostgreSQL {@code lock_timeout} for migrate/seed; {@code null}: the default (5 s on protected or
 *     remote databases, none locally); {@link Duration#ZERO}: none
 * @param statementTimeout PostgreSQL {@code statement_timeout} for migrate/seed, or {@code null} for none
 * @param failOnLint lint findings fail the build
 * @param rehearse apply pending migrations to a throwaway copy first
 * @param auditFile a JSON-lines audit file (besides the one in the git common dir), or {@code null}
 * @param agent the coding agent this build runs under (detected from the environment), or {@code null}
 */
public record SafetySettings(
        Target target,
        String confirm,
        Duration lockTimeout,
        Duration statementTimeout,
        boolean failOnLint,
        boolean rehearse,
        Path auditFile,
        String agent) {

    /** The default lock timeout on protected or remote databases. */
    public static final Duration PROTECTED_LOCK_TIMEOUT = Duration.ofSeconds(5);

    /** Which database a goal acts on. */
    public enum Target {
        WORKTREE, MAIN;

        public static Target parse(String text) {
            String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
            return switch (t) {
                case "", "worktree" -> WORKTREE;
                case "main" -> MAIN;
                default -> throw WorktreeDbException.user(PropertyNames.TARGET + "='" + text + "' is not worktree or main.");
            };
        }
    }

    public SafetySettings {
        target = target == null ? Target.parse(Defaults.TARGET) : target;
        confirm = confirm == null || confirm.isBlank() ? null : confirm.strip();
    }

    public static SafetySettings defaults() {
        return new SafetySettings(null, null, null, null, false, false, null, null);
    }

    /**
     * A PostgreSQL duration setting: {@code 5s}, {@code 500ms}, {@code 2min}, {@code 1h}, or a plain number of
     * milliseconds; {@code 0} turns it off. {@code null} or blank: not set.
     */
    public static Duration parseTimeout(String property, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
        int i = 0;
        while (i < t.length() && Character.isDigit(t.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw badTimeout(property, text);
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, i));
        } catch (NumberFormatException e) {
            throw badTimeout(property, text);
        }
        return switch (t.substring(i)) {
            case "", "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw badTimeout(property, text);
        };
    }

    private static WorktreeDbException badTimeout(String property, String text) {
        return WorktreeDbException.user(property + "='" + text + "' is not a duration. Use e.g. 5s, 500ms, 2min, 1h, or 0 for none.");
    }

    /** A duration as PostgreSQL reads it ({@code 5000ms}). */
    public static String postgres(Duration d) {
        return d.toMillis() + "ms";
    }
}
