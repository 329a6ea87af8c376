package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code protect} and {@code unprotect}: stamp the target database (this worktree's, or with {@code target=main} the
 * main database, e.g. production reached through the URL) as protected inside the database, or remove the stamp.
 * Removing it needs consent bound to the database's name.
 */
public final class ProtectOperation {

    private final WorktreeContext ctx;
    private final Log log;
    private final Confirmation confirmation;

    public ProtectOperation(WorktreeContext ctx, Log log, Confirmation confirmation) {
        this.ctx = ctx;
        this.log = log;
        this.confirmation = confirmation;
    }

    /** Stamps the target database; returns the stamp (or the one it already had, renewed). */
    public Optional<Protection.Stamp> protect() {
        long start = System.nanoTime();
        String database = ctx.database();
        Guards.refuseConfirmForAnotherDatabase(ctx, database);
        if (ctx.config().dryRun()) {
            log.info("[dry run] Would stamp " + database + " as protected (schema " + Protection.SCHEMA + ").");
            return Optional.empty();
        }
        try (Connection conn = connect(database)) {
            boolean again = Protection.read(conn).isPresent();
            Protection.Stamp stamp = Protection.stamp(conn, who(), ctx.git().head());
            log.info((again ? "Renewed the protection of " : "Protected ") + database + " (" + stamp.describe() + "): reset, "
                    + "restore, import, clone -D" + PropertyNames.FORCE + " and cleanup refuse it on every machine; migrate "
                    + "and seed need -D" + PropertyNames.CONFIRM + "=" + database + " in batch mode.");
            Audit.record(ctx, "protect", database, "protected", stamp.describe(), null, true,
                    Duration.ofNanos(System.nanoTime() - start), log);
            return Optional.of(stamp);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot protect " + database + ": "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
    }

    /** Removes the stamp when consent names the database; whether it was removed. */
    public boolean unprotect() {
        long start = System.nanoTime();
        String database = ctx.database();
        Guards.refuseConfirmForAnotherDatabase(ctx, database);
        try (Connection conn = connect(database)) {
            Optional<Protection.Stamp> stamp = Protection.read(conn);
            if (stamp.isEmpty()) {
                log.info(database + " is not protected; nothing to unprotect.");
                return false;
            }
            Consent.Stakes stakes = new Consent.Stakes(stamp, ctx.usesMainDatabase(), !ctx.databaseSpec().isLocal());
            String plan = "Remove the protection of " + database + ": reset, restore, import, clone -D" + PropertyNames.FORCE
                    + " and cleanup could then drop it.";
            Consent.Decision decision = Consent.decide(ctx, confirmation, database, stakes, plan, log);
            if (!decision.go()) {
                if (decision == Consent.Decision.DECLINED) {
                    Audit.record(ctx, "unprotect", database, "declined", null, null, true,
                            Duration.ofNanos(System.nanoTime() - start), log);
                }
                return false;
            }
            Protection.remove(conn);
            log.info("Unprotected " + database + " (it was " + stamp.get().describe() + ").");
            Audit.record(ctx, "unprotect", database, "unprotected", "it was " + stamp.get().describe(), null, false,
                    Duration.ofNanos(System.nanoTime() - start), log);
            return true;
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot unprotect " + database + ": "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
    }

    private Connection connect(String database) {
        try {
            return ctx.target().connector().connect(database);
        } catch (WorktreeDbException e) {
            if (e.getCause() instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
                throw WorktreeDbException.user("Database " + database + " does not exist, so there is nothing to protect. "
                        + "Create it first (mvn worktree-db:clone), or use -D" + PropertyNames.TARGET + "=main for the main "
                        + "database.");
            }
            throw e;
        }
    }

    /** Who acts: the OS user and host, as the audit trail records them. */
    static String who() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown host";
        }
        return System.getProperty("user.name", "?") + "@" + host;
    }
}
