package io.github.worktreedb.maven;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.ops.WorktreeServers;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * {@code isolation=server}: stops this worktree's own PostgreSQL server ({@code pg_ctl stop -m fast}: sessions end,
 * the data stays; {@code start} or {@code clone} starts it again). Stopping a stopped server does nothing.
 */
@Mojo(name = "stop", threadSafe = true, requiresProject = true)
public class StopMojo extends AbstractWorktreeDbMojo {

    @Inject
    public StopMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeServers.stop(WorktreeContext.resolve(config, log), log);
    }
}
