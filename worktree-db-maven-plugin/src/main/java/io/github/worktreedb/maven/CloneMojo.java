package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.CloneOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.transfer.ProgressLog;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Creates this worktree's database as a server-side copy of the main database
 * ({@code CREATE DATABASE ... TEMPLATE main}), marks it as the plugin's, and publishes its coordinates as
 * {@code worktree-db.jdbcUrl}, {@code .host}, {@code .port}, {@code .databaseName}, {@code .username} and
 * {@code .password}. An existing database is left as it is. In the main worktree on the main branch nothing is
 * copied and the main database is published.
 */
@Mojo(name = "clone", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class CloneMojo extends AbstractWorktreeDbMojo {

    /** Drop and re-create this worktree's database when it exists (only one the plugin created; confirmed like any drop). */
    @Parameter(property = PropertyNames.FORCE, defaultValue = "false")
    protected boolean force;

    @Inject
    public CloneMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void configure(WorktreeDbConfig.Builder builder) {
        builder.force(force);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        log.info("Main database " + ctx.main().name() + " found in " + ctx.main().origin());
        new CloneOperation(ctx, log, confirmation(), pluginVersion(), new ProgressLog(log)).run();
        publish(ctx, log);
    }
}
