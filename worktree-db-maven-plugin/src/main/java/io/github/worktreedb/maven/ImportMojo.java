package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.ImportOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.transfer.ProgressLog;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Replaces this worktree's database with a dump file's content (what {@code export} wrote, or a plain pg_dump file).
 * Checks first and changes nothing until every check passed; then all or nothing (a restored copy swapped in, or one
 * transaction for data). Refuses the main database and protected ones. Destructive: asks when interactive; in batch
 * mode needs {@code -Dworktree-db.yes=true}, else prints the plan and changes nothing.
 */
@Mojo(name = "import", threadSafe = true)
public class ImportMojo extends AbstractWorktreeDbMojo {

    /** The dump file to import (against the project's directory). */
    @Parameter(property = PropertyNames.FILE)
    protected String file;

    @Inject
    public ImportMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        new ImportOperation(ctx, log, confirmation(), pluginVersion(), new ProgressLog(log)).run(file);
        publish(ctx, log);
    }
}
