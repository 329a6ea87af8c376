package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.server.PgBinaries;
import io.github.worktreedb.transfer.CopyEngine;
import java.sql.SQLException;

/**
 * {@code isolation=server, serverSource=main}: the main database is copied into this worktree's server with
 * {@code pg_dump | pg_restore} (two servers: the only way); the client tools must be at least as new as both servers.
 */
final class ServerCopy {

    private ServerCopy() {}

    /** The engine's settings, with the worktree server's own {@code pg_dump} when none is configured and it has one. */
    static CopyEngine.Settings settings(WorktreeContext ctx, CopyEngine.Settings s) {
        if (s.pgBin() != null || ctx.config().server().pgVersion() != null) {
            return s;
        }
        return ctx.server().server().recordedBinaries().filter(PgBinaries::hasClientTools)
                .map(b -> new CopyEngine.Settings(s.strategy(), s.terminateConnections(), b.bin().toString(),
                        s.maintenanceDatabase(), s.connectTimeout()))
                .orElse(s);
    }

    /** The copy's plan (a dump), after checking that main exists and that usable client tools are there. */
    static CopyEngine.Plan plan(CopyEngine engine, Catalog catalog, WorktreeContext ctx) throws SQLException {
        CopyEngine.Plan plan;
        try {
            plan = engine.plan(catalog, ctx.source(), ctx.target());
        } catch (SQLException e) {
            throw WorktreeDbException.user("Cannot read the main database " + ctx.source().display() + " (from "
                    + ctx.main().origin() + "): " + Secrets.redact(e.getMessage(), ctx.main().spec().password())
                    + ". Fix the main database's settings, or create this worktree's database empty with -D"
                    + PropertyNames.SERVER_SOURCE + "=empty (then migrate and seed).");
        }
        int major = Math.max(plan.serverVersionNum(), plan.sourceVersionNum()) / 10000;
        try {
            // the tools the engine will use: the configured ones, else the worktree server's own, else the machine's
            ClientTools.find(settings(ctx, CopyEngine.Settings.of(ctx.config())).pgBin(), major, plan.serverVersion());
        } catch (WorktreeDbException e) {
            throw WorktreeDbException.user(e.getMessage() + " Or create this worktree's database empty, without client "
                    + "tools: -D" + PropertyNames.SERVER_SOURCE + "=empty (then migrate and seed).");
        }
        return plan;
    }
}
