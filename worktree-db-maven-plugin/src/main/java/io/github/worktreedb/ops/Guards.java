package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.WorktreeDbException;

/** The safety rules that more than one goal keeps. */
public final class Guards {

    private Guards() {}

    /** A server that is not loopback or a local socket is remote: destructive goals need {@code allowRemote}. */
    public static void refuseRemoteUnlessAllowed(WorktreeContext ctx, String action) {
        if (!ctx.main().spec().isLocal() && !ctx.config().allowRemote()) {
            throw WorktreeDbException.user("Refusing to " + action + " on " + ctx.main().spec().primary().display()
                    + ": it is not this machine, and production is a different thing. If this server really is a "
                    + "development server, add -D" + PropertyNames.ALLOW_REMOTE + "=true (and confirm).");
        }
    }

    /**
     * Nothing destructive ever touches the main database. (The marker check — no drop of a database without the
     * plugin's marker — is each goal's own, on the catalog facts it reads under the lock.)
     */
    public static void refuseMainDatabase(WorktreeContext ctx, String action) {
        // isolation=server: the worktree's database has main's name, on a server of its own
        boolean onMainServer = !ctx.ownServer() || ctx.target().sameServer(ctx.source());
        if (ctx.usesMainDatabase() || onMainServer && ctx.database().equals(ctx.main().name())) {
            throw WorktreeDbException.user("Refusing to " + action + " " + ctx.database() + ": it is the main database "
                    + "(from " + ctx.main().origin() + "). worktree-db never drops, resets or rewrites it. Run this in a "
                    + "linked worktree (git worktree add) or on a feature branch.");
        }
    }

    /**
     * A database stamped by {@code protect} is never reset, restored, imported into, re-created or dropped, from any
     * machine: the stamp is inside the database.
     */
    /**
     * A goal that replaces this worktree's database (reset, restore, import) refuses one the plugin did not make (no
     * marker), one of another kind (a snapshot, a newer plugin's object) and a protected one. A database that does not
     * exist passes: it is simply made.
     *
     * @param action what the refusal says the goal would do ("reset", "restore", "import into")
     */
    public static void refuseUnlessReplaceable(WorktreeContext ctx, io.github.worktreedb.postgres.Catalog.DatabaseFacts facts,
            String goal, String action) {
        if (!facts.exists()) {
            return;
        }
        java.util.Optional<io.github.worktreedb.postgres.Marker> marker = facts.marker();
        if (marker.isEmpty()) {
            throw WorktreeDbException.user("Refusing to " + action + " " + facts.name() + ": it was not created by "
                    + "worktree-db (it has no worktree-db marker), so the plugin never replaces or drops it.");
        }
        if (marker.get().kind() != io.github.worktreedb.postgres.Marker.Kind.WORKTREE) {
            throw WorktreeDbException.user("Refusing to " + action + " " + facts.name() + ": its worktree-db marker says it "
                    + "is not a worktree's database (kind " + marker.get().kind() + ").");
        }
        refuseProtected(ctx, goal, facts.name(), action);
    }

    public static void refuseProtected(WorktreeContext ctx, String goal, String database, String action) {
        Protection.read(ctx.target().connector(), database).ifPresent(stamp -> {
            String refusal = refusalOfProtected(database, action, stamp);
            Audit.record(ctx, goal, database, "refused", refusal, null, true, java.time.Duration.ZERO,
                    io.github.worktreedb.core.Log.NONE);
            throw WorktreeDbException.user(refusal);
        });
    }

    static String refusalOfProtected(String database, String action, Protection.Stamp stamp) {
        return "Refusing to " + action + " " + database + ": it is protected (" + stamp.describe() + "). worktree-db never "
                + "resets, restores, imports into, re-creates or drops a protected database, on any machine. If it really "
                + "is disposable, remove the stamp first: mvn worktree-db:unprotect -D" + PropertyNames.CONFIRM + "=" + database;
    }

    /** A {@code confirm} that names another database than the one the goal acts on is a mistake, never consent. */
    public static void refuseConfirmForAnotherDatabase(WorktreeContext ctx, String database) {
        String confirm = ctx.config().safety().confirm();
        if (confirm != null && !confirm.equals(database)) {
            throw WorktreeDbException.user("-D" + PropertyNames.CONFIRM + "=" + confirm + " does not name the database this "
                    + "goal acts on, " + database + ". Consent is bound to one database: give its exact name (-D"
                    + PropertyNames.CONFIRM + "=" + database + "), or check -D" + PropertyNames.TARGET + " and the URL.");
        }
    }
}
