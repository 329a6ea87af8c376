package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.lint.LintOperation;
import io.github.worktreedb.ops.StatusOperation;
import io.github.worktreedb.ops.StatusReport;
import io.github.worktreedb.ops.StatusText;
import io.github.worktreedb.ops.WorktreeContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Reports where this worktree is and what state its database is in: the worktree, the main database and where it was
 * found, this worktree's database (size, marker, sessions), the env files, Flyway's migrations (pending, failed, missing
 * in this branch, changed), migrations on the main branch that this branch lacks or collides with, and the seeds.
 * Read-only. {@code -Dworktree-db.format=json} prints one JSON document on standard output (use {@code mvn -q}).
 */
@Mojo(name = "status", threadSafe = true)
public class StatusMojo extends AbstractReportingMojo {

    /** Also list every worktree database of this repository on the server, and whether its worktree and branch exist. */
    @Parameter(property = PropertyNames.ALL, defaultValue = "false")
    protected boolean all;

    /**
     * Fail the build (after reporting) when any of these holds: {@code pending} (migrations not applied),
     * {@code collision} (a version used here and, for another script, on the main branch, on another live worktree's
     * branch or in the shared database; or a version of this branch below one used there), {@code behind} (migrations on
     * the main branch missing here), {@code missing} (applied migrations this branch lacks). For CI.
     */
    @Parameter(property = PropertyNames.FAIL_ON)
    protected List<String> failOn;

    @Override
    protected boolean failOnLint() {
        return failOnNames(failOn, "lint");
    }

    @Inject
    public StatusMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        boolean json = json();
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        StatusReport report = new StatusOperation(ctx, log, all).run();
        if (json) {
            printJson(report);
        } else {
            StatusText.render(report).forEach(report(log)::info);
        }
        publish(ctx, log);
        List<String> reasons = failures(report);
        if (!json || failOnLint()) {
            int findings = new LintOperation(ctx, log).run().size();
            if (findings > 0 && failOnLint()) {
                reasons.add(findings + " lint finding(s) in pending migrations");
            }
        }
        if (!reasons.isEmpty()) {
            throw WorktreeDbException.user("worktree-db status: " + String.join("; ", reasons) + " (" + PropertyNames.FAIL_ON
                    + "=" + String.join(",", failOn) + ")");
        }
    }

    private List<String> failures(StatusReport r) {
        List<String> out = new ArrayList<>();
        if (failOn == null) {
            return out;
        }
        for (String f : failOn) {
            switch (f.strip().toLowerCase(Locale.ROOT)) {
                case "pending" -> {
                    if (!r.migrations().pending().isEmpty()) {
                        out.add(r.migrations().pending().size() + " pending migration(s)");
                    }
                }
                case "collision" -> {
                    if (!r.migrations().versionCollisions().isEmpty()) {
                        out.add("version collision(s) with the main branch: " + String.join(", ", r.migrations().versionCollisions()));
                    }
                    if (r.coordination() != null) {
                        r.coordination().collisions().forEach(c -> out.add("version collision: " + c.text()));
                        r.coordination().order().forEach(o -> out.add("order: " + o.text()));
                    }
                }
                case "behind" -> {
                    if (!r.migrations().onMainNotHere().isEmpty()) {
                        out.add("migrations on the main branch missing here: " + String.join(", ", r.migrations().onMainNotHere()));
                    }
                }
                case "missing" -> {
                    if (!r.migrations().missingLocally().isEmpty()) {
                        out.add("applied migrations missing in this branch: " + String.join(", ", r.migrations().missingLocally()));
                    }
                }
                case "", "lint" -> { }
                default -> throw WorktreeDbException.user(PropertyNames.FAIL_ON + " has '" + f + "'; use pending, collision, "
                        + "behind, missing or lint.");
            }
        }
        return out;
    }
}
