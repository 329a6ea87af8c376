package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.ResetOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.transfer.ProgressLog;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Brings this worktree's database back to a clean, known state: drops it (ending its sessions), copies the main
 * database again, then migrates and seeds. Refuses the main database, databases the plugin did not create and remote
 * servers (without {@code allowRemote}). Destructive: asks when interactive; in batch mode needs
 * {@code -Dworktree-db.yes=true}, else prints the plan and changes nothing.
 */
@Mojo(name = "reset", threadSafe = true)
public class ResetMojo extends AbstractWorktreeDbMojo {

    /** Rebuild from an empty database (create, migrate, seed) instead of copying main: for migrations that start from nothing. */
    @Parameter(property = PropertyNames.FROM_EMPTY, defaultValue = "false")
    protected boolean fromEmpty;

    @Inject
    public ResetMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        if (skippedOnMainDatabase(ctx, log)) {
            return;
        }
        new ResetOperation(ctx, log, confirmation(), pluginVersion(), new ProgressLog(log)).fromEmpty(fromEmpty).run();
        publish(ctx, log);
    }
}
