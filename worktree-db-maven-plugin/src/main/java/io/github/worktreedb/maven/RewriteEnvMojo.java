package io.github.worktreedb.maven;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.RewriteEnvOperation;
import io.github.worktreedb.ops.WorktreeContext;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Points this linked worktree's env files at its own database. Env files the main worktree has and this worktree
 * lacks are copied first. Only values that name the main database change, and only the database name in them;
 * every other byte stays. Tracked files are never written. The first change to a file keeps its original in the
 * worktree's git dir. {@code -Dworktree-db.dryRun=true} prints the changes (passwords masked) instead.
 */
@Mojo(name = "rewrite-env", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class RewriteEnvMojo extends AbstractWorktreeDbMojo {

    @Inject
    public RewriteEnvMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        new RewriteEnvOperation(ctx, log).run();
        publish(ctx, log);
    }
}
