package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.MainDatabase;
import io.github.worktreedb.config.MainDatabaseLocator;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.SafetySettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.naming.DatabaseNamer;
import io.github.worktreedb.postgres.Identifiers;
import io.github.worktreedb.postgres.PgServer;

/**
 * The facts every goal starts from, resolved once: the configuration, this worktree, the main
 * database and the name of this worktree's database.
 *
 * @param usesMainDatabase this worktree works on the main database itself (main worktree on the main branch)
 */
public record WorktreeContext(
        WorktreeDbConfig config, GitWorktree git, MainDatabase main, String database, boolean usesMainDatabase) {

    public static WorktreeContext resolve(WorktreeDbConfig config, Log log) {
        GitWorktree git = GitWorktree.of(config.baseDir(), config.mainBranch());
        MainDatabase main = MainDatabaseLocator.locate(config, git, log);
        log.debug("Main database " + main.spec() + " from " + main.origin());
        if (config.safety().target() == SafetySettings.Target.MAIN) {
            // the main database itself, whatever the branch or HEAD (a CI deploy on a detached HEAD): no name is derived
            if (config.database() != null && !config.database().equals(main.name())) {
                throw WorktreeDbException.user("-D" + PropertyNames.TARGET + "=main acts on the main database " + main.name()
                        + " (from " + main.origin() + "), but " + PropertyNames.DATABASE + "='" + config.database()
                        + "' names another. Remove one of the two.");
            }
            return new WorktreeContext(config, git, main, main.name(), true);
        }
        if (config.database() != null) {
            if (!Identifiers.fits(config.database())) {
                throw WorktreeDbException.user("worktree-db.database='" + config.database() + "' is not a usable database "
                        + "name: it must be 1 to 63 bytes. Choose a shorter name.");
            }
            if (config.database().equals(main.name())) {
                throw WorktreeDbException.user("worktree-db.database='" + config.database() + "' is the main database "
                        + "(from " + main.origin() + "). The worktree database must be another one: remove the setting "
                        + "to get " + DatabaseNamer.DEFAULT_PATTERN + ", or choose another name.");
            }
            return new WorktreeContext(config, git, main, config.database(), false);
        }
        if (git.isMainWorktree() && git.onMainBranch()) {
            return new WorktreeContext(config, git, main, main.name(), true);
        }
        String name = DatabaseNamer.name(config.namePattern(), main.name(), git.branchOrDirectory(), git.directoryName());
        if (name.equals(main.name())) {
            throw WorktreeDbException.user("worktree-db.namePattern='" + config.namePattern() + "' gives '" + name
                    + "', the main database's own name. Include ${branch} or ${worktree} in the pattern.");
        }
        return new WorktreeContext(config, git, main, name, false);
    }

    /** How to reach this worktree's database. */
    public ConnectionSpec databaseSpec() {
        return main.spec().withDatabase(database);
    }

    /** The server, reached with the main database's credentials. */
    public PgServer server() {
        return new PgServer(main.spec(), main.origin(), config.connectTimeout());
    }
}
