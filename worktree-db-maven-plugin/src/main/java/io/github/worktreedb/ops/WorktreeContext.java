package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.Isolation;
import io.github.worktreedb.config.MainDatabase;
import io.github.worktreedb.config.MainDatabaseLocator;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.SafetySettings;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.PortIndex;
import io.github.worktreedb.git.StateDir;
import io.github.worktreedb.naming.DatabaseNamer;
import io.github.worktreedb.postgres.Identifiers;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.postgres.PgConnector;
import io.github.worktreedb.server.WorktreeServer;
import io.github.worktreedb.transfer.Endpoint;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * The facts every goal starts from, resolved once: the configuration, this worktree, the main database, and the two
 * endpoints every copy goes between.
 *
 * @param source the main database, where copies come from
 * @param target this worktree's database; today on the main database's server, reached with its credentials
 * @param usesMainDatabase this worktree works on the main database itself (main worktree on the main branch, or any
 *     worktree with {@code isolation=shared})
 * @param server with {@code isolation=server} in a linked worktree: this worktree's own server, which {@code target}
 *     is on (a database of the main database's name, on {@code localhost}, the main database's user and password);
 *     else {@code null}
 */
public record WorktreeContext(
        WorktreeDbConfig config, GitWorktree git, MainDatabase main, Endpoint source, Endpoint target,
        boolean usesMainDatabase, ServerTarget server) {

    /**
     * This worktree's own server ({@code isolation=server}) and the port it listens on.
     *
     * @param index the worktree's port index (1, 2, ... for linked worktrees)
     */
    public record ServerTarget(WorktreeServer server, int port, int index) {}

    /** Whether this worktree's database is on a server of its own ({@code isolation=server} in a linked worktree). */
    public boolean ownServer() {
        return server != null;
    }

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
            return of(config, git, main, main.name(), true);
        }
        if (config.isolation() == Isolation.SERVER && !git.isMainWorktree()) {
            return onOwnServer(config, git, main, log);
        }
        if (config.isolation() == io.github.worktreedb.config.Isolation.SHARED) {
            // isolation=shared: every worktree works on the main database itself
            return of(config, git, main, main.name(), true);
        }
        if (config.database() != null) {
            if (!Identifiers.fits(config.database())) {
                throw WorktreeDbException.user(PropertyNames.DATABASE + "='" + config.database() + "' is not a usable database "
                        + "name: it must be 1 to 63 bytes. Choose a shorter name.");
            }
            if (config.database().equals(main.name())) {
                throw WorktreeDbException.user(PropertyNames.DATABASE + "='" + config.database() + "' is the main database "
                        + "(from " + main.origin() + "). The worktree database must be another one: remove the setting "
                        + "to get " + DatabaseNamer.DEFAULT_PATTERN + ", or choose another name.");
            }
            return of(config, git, main, config.database(), false);
        }
        if (git.isMainWorktree() && git.onMainBranch()) {
            return of(config, git, main, main.name(), true);
        }
        String name = DatabaseNamer.name(config.namePattern(), main.name(), git.branchOrDirectory(), git.directoryName());
        if (name.equals(main.name())) {
            throw WorktreeDbException.user(PropertyNames.NAME_PATTERN + "='" + config.namePattern() + "' gives '" + name
                    + "', the main database's own name. Include ${branch} or ${worktree} in the pattern.");
        }
        return of(config, git, main, name, false);
    }

    private static WorktreeContext of(WorktreeDbConfig config, GitWorktree git, MainDatabase main, String database,
            boolean usesMainDatabase) {
        PgConnector mainServer = new PgConnector(main.spec(), main.origin(), config.connectTimeout());
        return new WorktreeContext(config, git, main, new Endpoint(mainServer, main.name()),
                new Endpoint(mainServer, database), usesMainDatabase, null);
    }

    /**
     * {@code isolation=server} in a linked worktree: the target is the main database's name on this worktree's own
     * server, {@code localhost:(serverPort + index × portStep)}, with the main database's user and password (the main
     * worktree, index 0, stays on the main server).
     */
    private static WorktreeContext onOwnServer(WorktreeDbConfig config, GitWorktree git, MainDatabase main, Log log) {
        int index = PortIndex.of(git);
        int base = config.server().port() != null ? config.server().port() : main.spec().primary().port();
        int port = base + index * config.portStep();
        if (port > 65535) {
            throw WorktreeDbException.user("This worktree's server would listen on port " + port + " (" + base + " + " + index
                    + " × " + config.portStep() + "), beyond 65535. Lower -D" + PropertyNames.SERVER_PORT + " or -D"
                    + PropertyNames.PORT_STEP + ".");
        }
        if (port == main.spec().primary().port() && main.spec().isLocal()) {
            throw WorktreeDbException.user("This worktree's server would listen on port " + port + " (" + base + " + "
                    + index + " × " + config.portStep() + "), the port of the main database's server " + main.spec()
                    .primary().host() + ":" + port + " (from " + main.origin() + "). A worktree's server never shares "
                    + "main's port: leave -D" + PropertyNames.SERVER_PORT + " out (it defaults to main's port, and "
                    + "linked worktrees start at index 1), or give -D" + PropertyNames.SERVER_PORT + " and -D"
                    + PropertyNames.PORT_STEP + " that miss it.");
        }
        ConnectionSpec spec = new ConnectionSpec(List.of(new ConnectionSpec.HostPort("localhost", port)), main.name(),
                main.spec().user(), main.spec().password(), Map.of());
        PgConnector own = new PgConnector(spec, "this worktree's server (isolation=server, localhost:" + port + ")",
                config.connectTimeout());
        PgConnector mainServer = new PgConnector(main.spec(), main.origin(), config.connectTimeout());
        log.debug("isolation=server: this worktree's server is localhost:" + port + " (port index " + index + ")");
        return new WorktreeContext(config, git, main, new Endpoint(mainServer, main.name()), new Endpoint(own, main.name()),
                false, new ServerTarget(WorktreeServer.of(StateDir.of(git), git.root(), log), port, index));
    }

    /** The name of this worktree's database. */
    public String database() {
        return target.database();
    }

    /**
     * The marker this worktree's database gets (its kind and copy method are the copy engine's to fill in): what it was
     * made from, for which branch and worktree, when, by which plugin version, in which repository.
     */
    public Marker newMarker(String pluginVersion) {
        return new Marker(Marker.TOOL, pluginVersion, main.name(), git.branchOrDirectory(), git.root().toString(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), null, git.commonDir().toString(), git.isDetached());
    }

    /** How to reach this worktree's database. */
    public ConnectionSpec databaseSpec() {
        return target.spec();
    }
}
