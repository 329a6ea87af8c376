package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.RewriteEnvOperation;
import io.github.worktreedb.ops.WorktreeContext;
import java.util.List;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Points this linked worktree's env files at its own database. Env files the main worktree has and this worktree
 * lacks are copied first. Only values that name the main database change, and only the database name in them;
 * every other byte stays. Tracked files are never written. The first change to a file keeps its original in the
 * worktree's git dir. {@code -Dworktree-db.dryRun=true} prints the changes (passwords masked) instead.
 */
@Mojo(name = "rewrite-env", defaultPhase = LifecyclePhase.INITIALIZE, threadSafe = true)
public class RewriteEnvMojo extends AbstractWorktreeDbMojo {

    /**
     * Env keys that hold ports ({@code PORT}, {@code SERVER_PORT}, {@code VITE_PORT}...) to spread per worktree, so
     * parallel worktrees can run their apps at once: each becomes its original value + index × {@code portStep}, where
     * the index is a small number kept per linked worktree (the main worktree is 0). Off when empty.
     */
    @Parameter(property = PropertyNames.PORTS)
    protected List<String> ports;

    /** How far apart two worktrees' ports are. */
    @Parameter(property = PropertyNames.PORT_STEP, defaultValue = io.github.worktreedb.config.Defaults.PORT_STEP)
    protected int portStep;

    /**
     * An untracked env file (relative to the worktree root, e.g. {@code .env.local}) that receives, for this worktree,
     * overrides of database settings that live in tracked files: a committed env file's keys, and the environment
     * variable that overrides a framework setting such as {@code spring.datasource.url}. Without it those are only
     * reported.
     */
    @Parameter(property = PropertyNames.OVERRIDE_ENV_FILE)
    protected String overrideEnvFile;

    @Inject
    public RewriteEnvMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void configure(WorktreeDbConfig.Builder builder) {
        builder.ports(ports).portStep(portStep);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        RewriteEnvOperation.Result result = new RewriteEnvOperation(ctx, log).overrideEnvFile(overrideEnvFile).run();
        publish(ctx, log);
        if (!config.ports().isEmpty()) {
            project.getProperties().setProperty(PropertyNames.PUBLISHED_PORT_INDEX, Integer.toString(result.portIndex()));
        }
    }
}
