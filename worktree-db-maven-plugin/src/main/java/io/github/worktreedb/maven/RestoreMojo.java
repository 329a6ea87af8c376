package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.RestoreOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.transfer.ProgressLog;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Brings this worktree's database back to a snapshot ({@code -Dworktree-db.snapshot=NAME}, default the latest). The
 * copy is made under a temporary name and swapped in at once: the database is never missing or half-restored, even if
 * the build is killed. Its open sessions are ended; it keeps its owner and marker; the snapshot stays. Refuses the main
 * database and protected databases. Destructive: asks when interactive; in batch mode needs
 * {@code -Dworktree-db.yes=true}, else prints the plan and changes nothing.
 */
@Mojo(name = "restore", threadSafe = true)
public class RestoreMojo extends AbstractWorktreeDbMojo {

    /** The snapshot to restore, by the name it was saved under. Default: the latest. */
    @Parameter(property = PropertyNames.SNAPSHOT)
    protected String snapshot;

    @Inject
    public RestoreMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected String snapshotName() {
        return snapshot;
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        new RestoreOperation(ctx, log, confirmation(), new ProgressLog(log)).run();
        publish(ctx, log);
    }
}
