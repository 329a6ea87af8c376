package io.github.worktreedb.maven;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.SeedOperation;
import io.github.worktreedb.ops.WorktreeContext;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Applies the seed SQL files ({@code *.sql} in the seed directories, in file-name order) to this worktree's database,
 * each in its own transaction. Applied files are recorded with their checksum, so a second run applies nothing; a
 * changed file is reported and applied again only with {@code reapplyChangedSeeds}.
 */
@Mojo(name = "seed", defaultPhase = LifecyclePhase.PRE_INTEGRATION_TEST, threadSafe = true)
public class SeedMojo extends AbstractWorktreeDbMojo {

    @Inject
    public SeedMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        if (skippedOnMainDatabase(ctx, log)) {
            publish(ctx, log);
            return;
        }
        new SeedOperation(ctx, log, confirmation()).run();
        publish(ctx, log);
    }
}
