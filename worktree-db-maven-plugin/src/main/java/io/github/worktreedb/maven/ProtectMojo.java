package io.github.worktreedb.maven;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.ProtectOperation;
import io.github.worktreedb.ops.WorktreeContext;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Stamps the target database as protected, inside the database itself (schema {@code worktree_db}), so every machine
 * sees it: {@code reset}, {@code restore}, {@code import}, {@code clone -Dworktree-db.force=true} and {@code cleanup}
 * refuse it; {@code migrate} and {@code seed} need {@code -Dworktree-db.confirm=<its name>} in batch mode. The target
 * is this worktree's database, or with {@code -Dworktree-db.target=main} the main database (production, staging).
 * {@code unprotect} removes the stamp.
 */
@Mojo(name = "protect", threadSafe = true)
public class ProtectMojo extends AbstractWorktreeDbMojo {

    @Inject
    public ProtectMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        new ProtectOperation(WorktreeContext.resolve(config, log), log, confirmation()).protect();
    }
}
