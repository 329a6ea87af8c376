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
        if (ctx.usesMainDatabase() || ctx.database().equals(ctx.main().name())) {
            throw WorktreeDbException.user("Refusing to " + action + " " + ctx.database() + ": it is the main database "
                    + "(from " + ctx.main().origin() + "). worktree-db never drops, resets or rewrites it. Run this in a "
                    + "linked worktree (git worktree add) or on a feature branch.");
        }
    }
}
