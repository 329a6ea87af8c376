package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.lint.Finding;
import io.github.worktreedb.lint.LintOperation;
import io.github.worktreedb.ops.MigrateOperation;
import io.github.worktreedb.ops.WorktreeContext;
import java.util.List;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Checks the migrations the target database has not applied yet for statements that lock tables or lose data (in
 * the spirit of squawk and strong_migrations): each finding gives {@code file:line}, the rule, why it hurts and the
 * safer way. A statement is exempt from a rule with the comment {@code -- worktree-db:ignore <rule-id>} in it or on
 * the line above. {@code -Dworktree-db.failOn=lint} fails the build on any finding. {@code migrate} and {@code status}
 * run the same check.
 */
@Mojo(name = "lint", defaultPhase = LifecyclePhase.PROCESS_RESOURCES, threadSafe = true)
public class LintMojo extends AbstractWorktreeDbMojo {

    /** {@code lint}: fail the build when there is any finding. */
    @Parameter(property = PropertyNames.FAIL_ON)
    protected List<String> failOn;

    @Inject
    public LintMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected boolean failOnLint() {
        return failOnNames(failOn, "lint");
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        List<Finding> findings = new LintOperation(WorktreeContext.resolve(config, log), log).run();
        if (!findings.isEmpty() && config.safety().failOnLint()) {
            throw WorktreeDbException.user(MigrateOperation.lintFailure(findings.size()));
        }
    }
}
