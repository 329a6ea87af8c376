package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.CleanupOperation;
import io.github.worktreedb.ops.WorktreeContext;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Drops the databases this plugin made for worktrees of this repository that are stale: by default those whose branch
 * no longer exists. Never the main database, an unmarked database, the current worktree's database (unless
 * {@code includeCurrent}) or one with open sessions (unless {@code terminateConnections}). Prints the plan; asks when
 * interactive; in batch mode drops only with {@code -Dworktree-db.yes=true}. Bound to {@code post-integration-test} with
 * {@code includeCurrent}, it removes a CI job's database.
 */
@Mojo(name = "cleanup", threadSafe = true)
public class CleanupMojo extends AbstractReportingMojo {

    /** Which databases are stale: {@code branch-gone}, {@code worktree-gone} or {@code either}. */
    @Parameter(property = PropertyNames.CLEANUP_WHEN, defaultValue = "branch-gone")
    protected String cleanupWhen;

    /** Also drop this worktree's own database (e.g. at the end of a CI job). */
    @Parameter(property = PropertyNames.INCLUDE_CURRENT, defaultValue = "false")
    protected boolean includeCurrent;

    @Inject
    public CleanupMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        boolean json = json();
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        CleanupOperation op = new CleanupOperation(ctx, json ? Log.NONE : report(log), confirmation(),
                CleanupOperation.When.parse(cleanupWhen), includeCurrent);
        CleanupOperation.Result result = op.run(!json);
        if (json) {
            printJson(result);
        }
    }
}
