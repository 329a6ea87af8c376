package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.MigrateOperation;
import io.github.worktreedb.ops.MigrationToolGuidance;
import io.github.worktreedb.ops.WorktreeContext;
import java.util.List;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Applies Flyway migrations to this worktree's database and publishes {@code worktree-db.schemaVersion}. Migrations
 * the database has but this branch lacks are listed (or fail the build with {@code strictMigrations}). The main
 * database, and a database on another machine, are migrated only when confirmed. Version collisions and order problems
 * with the branches of other live worktrees are warned about first; with {@code isolation=shared} (every worktree on the
 * main database) migrations other worktrees applied are accepted, a version another worktree applied with a different
 * script is refused, out-of-order versions need {@code outOfOrder}, and who applied each migration is recorded in
 * {@code worktree_db.migration_origin}. Other migration tools found in the
 * repository (Alembic, Prisma, Liquibase, Rails, Django, npm scripts) get the command to run them here; they are not run.
 */
@Mojo(name = "migrate", defaultPhase = LifecyclePhase.PRE_INTEGRATION_TEST, threadSafe = true)
public class MigrateMojo extends AbstractWorktreeDbMojo {

    /** {@code lint}: do not migrate when a pending migration has a lint finding. Other values are for {@code status}. */
    @Parameter(property = PropertyNames.FAIL_ON)
    protected List<String> failOn;

    @Inject
    public MigrateMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected boolean failOnLint() {
        return failOnNames(failOn, "lint");
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        if (skippedOnMainDatabase(ctx, log)) {
            publish(ctx, log);
            return;
        }
        MigrateOperation.Result result = new MigrateOperation(ctx, log, confirmation()).snapshotBefore(pluginVersion()).run();
        publish(ctx, log);
        project.getProperties().setProperty(PropertyNames.PUBLISHED_SCHEMA_VERSION, result.version());
        MigrationToolGuidance.print(ctx.git().root(), ctx.databaseSpec(), log);
    }
}
