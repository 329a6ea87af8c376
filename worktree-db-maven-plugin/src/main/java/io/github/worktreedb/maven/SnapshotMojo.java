package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.SnapshotOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.transfer.ProgressLog;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Saves the current state of this worktree's database under a name: a server-side copy (constant time on a
 * copy-on-write file system with PostgreSQL 18), marked as a snapshot of this worktree with its Flyway version and seed
 * state. Keeps at most {@code maxSnapshots} per worktree, dropping the oldest. {@code mvn worktree-db:restore} brings
 * it back. The main database may be snapshotted too (restoring into it is refused).
 */
@Mojo(name = "snapshot", threadSafe = true)
public class SnapshotMojo extends AbstractWorktreeDbMojo {

    /**
     * The snapshot's name: any text of up to 100 characters with a letter or digit (it is kept as given; the database
     * name is derived from it). Default: the time, {@code 20261130_142501} (UTC). An existing name is refused unless
     * {@code -Dworktree-db.force=true} replaces it.
     */
    @Parameter(property = PropertyNames.SNAPSHOT)
    protected String snapshot;

    /** Replace an existing snapshot of the same name. */
    @Parameter(property = PropertyNames.FORCE, defaultValue = "false")
    protected boolean force;

    @Inject
    public SnapshotMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected String snapshotName() {
        return snapshot;
    }

    @Override
    protected void configure(WorktreeDbConfig.Builder builder) {
        builder.force(force);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        new SnapshotOperation(ctx, log, pluginVersion(), new ProgressLog(log)).run();
    }
}
