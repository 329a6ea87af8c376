package io.github.worktreedb.maven;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.ProtectOperation;
import io.github.worktreedb.ops.WorktreeContext;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Removes the {@code protect} stamp from the target database. Needs consent bound to its name: asks when interactive;
 * in batch mode needs {@code -Dworktree-db.confirm=<its name>} ({@code -Dworktree-db.yes=true} is not enough).
 */
@Mojo(name = "unprotect", threadSafe = true)
public class UnprotectMojo extends AbstractWorktreeDbMojo {

    @Inject
    public UnprotectMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        new ProtectOperation(WorktreeContext.resolve(config, log), log, confirmation()).unprotect();
    }
}
