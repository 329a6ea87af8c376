package io.github.worktreedb.flyway;

import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.PgConnector;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.internal.exception.FlywayMigrateException;

/**
 * Turns Flyway's exceptions into the plugin's one-line errors. Flyway's advice names its own options and commands
 * ({@code set baselineOnMigrate to true}, {@code run repair}, {@code Run Flyway with -X option…}, links to its
 * documentation); the user of this plugin gets the plugin's properties and goals instead. Flyway's exception is kept as
 * a suppressed exception, not as the cause: Maven appends every cause's message to the error line, so a cause would
 * bring Flyway's text back; {@code mvn -e} still shows it.
 */
public final class FlywayErrors {

    private static final Pattern PLACEHOLDER = Pattern.compile("No value provided for placeholder: \\$\\{([^}]+)}");
    private static final Pattern PARSED_FILE = Pattern.compile("Unable to parse statement in (.+?) at line (\\d+)");
    private static final Pattern FAILED_VERSION = Pattern.compile("Detected failed (?:repeatable )?migration(?: to version)? ?([^\\n]*?)\\.?\\n");

    private FlywayErrors() {}

    /**
     * The plugin's error for {@code e}, thrown by Flyway while working on {@code database}. {@code password}
     * is removed from every message.
     */
    public static WorktreeDbException translate(FlywayException e, String database, MigrationSettings settings,
            String password) {
        if (e instanceof FlywayMigrateException m) {
            return keep(failedMigration(m, password), e);
        }
        String raw = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String message;
        if (e.getErrorCode() == CoreErrorCode.NON_EMPTY_SCHEMA_WITHOUT_SCHEMA_HISTORY_TABLE) {
            message = database + " has tables but no Flyway history table (" + settings.table() + "): it was made without Flyway, e.g. copied from a main database set up "
                    + "by hand. Record its current state as version " + baselineVersion(settings) + " with -D"
                    + PropertyNames.BASELINE_ON_MIGRATE + "=true (and -D" + PropertyNames.BASELINE_VERSION
                    + "=<the version it matches>); only migrations above that version are then applied.";
        } else if (PLACEHOLDER.matcher(raw).find()) {
            Matcher p = PLACEHOLDER.matcher(raw);
            p.find();
            Matcher f = PARSED_FILE.matcher(raw);
            String where = f.find() ? f.group(1) + ":" + f.group(2) + " uses" : "A migration uses";
            message = where + " the placeholder ${" + p.group(1) + "}, which has no value. Give it one in the plugin's "
                    + "configuration: <placeholders><" + p.group(1) + ">…</" + p.group(1) + "></placeholders>.";
        } else if (e.getErrorCode() == CoreErrorCode.FAILED_VERSIONED_MIGRATION
                || e.getErrorCode() == CoreErrorCode.FAILED_REPEATABLE_MIGRATION || raw.contains("Detected failed")) {
            Matcher v = FAILED_VERSION.matcher(raw + "\n");
            return keep(failedEarlier(database, v.find() ? v.group(1).strip() : "a migration", settings.table()), e);
        } else if (e.getErrorCode() == CoreErrorCode.VALIDATE_ERROR || e.getErrorCode() == CoreErrorCode.CHECKSUM_MISMATCH
                || raw.startsWith("Validate failed")) {
            message = "Flyway cannot migrate " + database + ": " + plain(raw, password) + " Revert the change to the applied "
                    + "migration, or rebuild this worktree's database with mvn worktree-db:reset; -D"
                    + PropertyNames.VALIDATE_ON_MIGRATE + "=false migrates without this check.";
        } else {
            message = "Flyway cannot migrate " + database + ": " + plain(raw, password);
        }
        return keep(new WorktreeDbException(WorktreeDbException.Kind.USER, Secrets.redact(message, password)), e);
    }

    /** The error for a database whose history records {@code migration} as failed (it ran outside a transaction). */
    public static WorktreeDbException failedEarlier(String database, String migration, String table) {
        return WorktreeDbException.user("Cannot migrate " + database + ": " + migration + " failed earlier and is recorded as "
                + "failed in " + table + " (it ran outside a transaction, so part of it may be applied). Rebuild this "
                + "worktree's database with mvn worktree-db:reset, or undo its half-done changes and delete its row from "
                + table + ".");
    }

    /** Flyway's message without its own advice: one line, Flyway's options named as this plugin's properties. */
    public static String plain(String flywayMessage, String password) {
        if (flywayMessage == null) {
            return "";
        }
        String s = flywayMessage
                .replaceAll("(?i)Run Flyway with -X option[^\\n]*", "")
                .replaceAll("(?i)Need more flexibility with validation rules\\?[^\\n]*", "")
                .replaceAll("(?i)Learn more:? *https?://\\S+", "")
                .replaceAll("(?i)See https?://\\S+( for more information)?\\.?", "")
                .replaceAll("(?i)Check your configuration!?", "")
                .replaceAll("(?i)Use baseline\\(\\) or set baselineOnMigrate to true",
                        "Use -D" + PropertyNames.BASELINE_ON_MIGRATE + "=true")
                .replaceAll("(?i)set (-)?baselineOnMigrate(=| to )true", "add -D" + PropertyNames.BASELINE_ON_MIGRATE + "=true")
                .replaceAll("(?i)set (-)?outOfOrder(=| to )true", "add -D" + PropertyNames.OUT_OF_ORDER + "=true")
                .replaceAll("(?i)set (-)?validateOnMigrate(=| to )false", "add -D" + PropertyNames.VALIDATE_ON_MIGRATE + "=false")
                .replaceAll("(?i)(Either revert the changes to the migration, or )?run repair to [^\\n.]*\\.?", "")
                .replaceAll("(?i)Please remove any half-completed changes then", "");
        s = s.replaceAll("\\s*\\n\\s*", " ").replaceAll(" {2,}", " ").strip();
        if (!s.isEmpty() && !s.endsWith(".") && !s.endsWith(")")) {
            s += ".";
        }
        return Secrets.redact(s, password);
    }

    private static WorktreeDbException failedMigration(FlywayMigrateException e, String password) {
        MigrationInfo m = e.getMigration();
        String file = e.getAbsolutePathOnDisk() != null ? e.getAbsolutePathOnDisk() : m == null ? "?" : m.getScript();
        String line = e.getLineNumber() > 0 ? " at line " + e.getLineNumber() : "";
        String pg = postgresMessage(e, password);
        String state = e.getSqlState() == null ? "" : " (SQL state " + e.getSqlState() + ")";
        if (lostConnection(e)) {
            return new WorktreeDbException(WorktreeDbException.Kind.ENVIRONMENT, "The connection to the server broke while "
                    + "applying " + file + ": " + pg + state + ". The server stopped or restarted; " + (e.isExecutableInTransaction()
                            ? "PostgreSQL rolled this migration back and nothing was recorded for it. "
                            : "statements of this migration before the break may stay applied (it ran outside a transaction). ")
                    + "Run migrate again once the server is back.");
        }
        String after = e.isExecutableInTransaction()
                ? "It was rolled back; the database is as it was before this migration. Fix the migration and run again."
                : "It ran outside a transaction (e.g. CREATE INDEX CONCURRENTLY), so statements before the failing one "
                        + "stay applied; check the database, then run again.";
        return new WorktreeDbException(WorktreeDbException.Kind.USER, "Migration " + file + " failed" + line + ": " + pg
                + state + ". " + after);
    }

    private static boolean lostConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && PgConnector.connectionLost(sql)) {
                return true;
            }
        }
        return false;
    }

    private static String postgresMessage(Throwable e, String password) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getMessage() != null) {
                return Secrets.redact(sql.getMessage().lines().findFirst().orElse(""), password);
            }
        }
        return plain(e.getMessage(), password);
    }

    private static String baselineVersion(MigrationSettings settings) {
        return settings.baselineVersion() == null ? "1" : settings.baselineVersion();
    }

    private static WorktreeDbException keep(WorktreeDbException translated, Throwable flyway) {
        translated.addSuppressed(flyway);
        return translated;
    }
}
