package io.github.worktreedb.ops;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.transfer.CopyEngine;
import java.time.Duration;

/** The summary line and the history entry of a copy of main into this worktree's database (clone and reset). */
final class CopySummary {

    private CopySummary() {}

    static void report(WorktreeContext ctx, Log log, boolean recreated, CopyEngine.Copied copied, Duration took) {
        String main = ctx.source().database();
        String target = ctx.ownServer() ? ctx.target().display() : ctx.database();
        log.info((recreated ? "Re-created " : "Cloned ") + main + " → " + target + " (" + Sizes.human(copied.bytes()) + ", "
                + copied.method().label() + ", " + Sizes.seconds(took) + ")");
        History.append(ctx.git(), "clone", target, (recreated ? "re-created" : "created") + " from " + main + " ("
                + Sizes.human(copied.bytes()) + ", " + copied.method().label() + ")", took, log);
    }
}
