package io.github.worktreedb.maven;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.ops.WorktreeServers;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * {@code isolation=server}: starts this worktree's own PostgreSQL server (after a reboot, or a {@code stop}); a running
 * server is left as it is, a server whose process died ({@code kill -9}, a crash) is started again. The server outlives
 * the build. Creates the server when it does not exist yet, without a database: {@code clone} makes that.
 */
@Mojo(name = "start", threadSafe = true, requiresProject = true)
public class StartMojo extends AbstractWorktreeDbMojo {

    @Inject
    public StartMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        WorktreeServers.ensureRunning(ctx, log, pluginVersion());
        publish(ctx, log);
    }
}
