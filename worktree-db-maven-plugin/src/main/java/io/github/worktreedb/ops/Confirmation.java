package io.github.worktreedb.ops;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;

/** Asks the person at the keyboard. */
@FunctionalInterface
public interface Confirmation {

    /** Asks {@code question}; true for yes. */
    boolean confirm(String question);

    /** A confirmation that never says yes (nobody to ask). */
    Confirmation NOBODY = question -> false;

    /**
     * The safety rule for destructive actions: a dry run only prints the plan; {@code -Dworktree-db.yes=true}
     * confirms; an interactive Maven asks; batch mode without {@code yes} prints the plan and changes nothing.
     *
     * @return whether to go ahead
     */
    static boolean proceed(WorktreeDbConfig config, Confirmation confirmation, String plan, Log log) {
        if (config.dryRun()) {
            log.info("[dry run] " + plan);
            return false;
        }
        if (config.yes()) {
            return true;
        }
        if (config.interactive()) {
            return confirmation.confirm(plan + " Continue? [y/N]");
        }
        log.warn(plan + " Not done: Maven runs in batch mode. Add -Dworktree-db.yes=true to confirm.");
        return false;
    }
}
