package io.github.worktreedb.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the goals are configured with, built in one place (the mojo) and handed to the core.
 *
 * @param baseDir the Maven project's directory; git and env files are found from here
 * @param envFiles env files searched for the main database, relative to the worktree root
 * @param url the main database URL when given (overrides detection), else {@code null}
 * @param username login that overrides what the URL or env file says, or {@code null}
 * @param password password that overrides what the URL or env file says, or {@code null}
 * @param credentialsOrigin where {@code username}/{@code password} came from, for messages
 * @param namePattern the worktree database name pattern
 * @param database an explicit worktree database name, or {@code null}
 * @param mainBranch the main branch when configured, else {@code null} (detected)
 * @param strategy how to copy
 * @param force drop and re-create an existing worktree database
 * @param terminateConnections end sessions that block a copy of the main database
 * @param yes destructive actions are confirmed
 * @param interactive Maven runs interactively (a person can be asked)
 * @param dryRun print what would change, change nothing
 * @param maintenanceDatabase database to connect to for server-level work ({@code postgres})
 * @param connectTimeout how long to wait for the server before giving up
 * @param ports env keys holding ports that {@code rewrite-env} spreads per worktree (empty: off)
 * @param portStep how far apart two worktrees' ports are
 * @param overrideEnvFile an untracked env file that receives overrides for settings in tracked files, or {@code null}
 * @param migration how {@code migrate} runs Flyway
 * @param seed how {@code seed} applies seed files
 * @param allowRemote destructive goals may act on a server that is not this machine
 * @param fromEmpty {@code reset} rebuilds from an empty database (migrate, seed) instead of copying main
 * @param pgBin directory of pg_dump and pg_restore for dump-based copies, or {@code null} to search
 * @param isolation how worktrees are kept apart: a database each, or all on the main database
 * @param safety target, name-bound consent, lock safety, lint, rehearsal and audit
 * @param snapshots the snapshot's name, how many are kept, and whether migrate and reset take one first
 */
public record WorktreeDbConfig(
        Path baseDir,
        List<String> envFiles,
        String url,
        String username,
        String password,
        String credentialsOrigin,
        String namePattern,
        String database,
        String mainBranch,
        Strategy strategy,
        boolean force,
        boolean terminateConnections,
        boolean yes,
        boolean interactive,
        boolean dryRun,
        String maintenanceDatabase,
        Duration connectTimeout,
        List<String> ports,
        int portStep,
        String overrideEnvFile,
        MigrationSettings migration,
        SeedSettings seed,
        boolean allowRemote,
        boolean fromEmpty,
        String pgBin,
        Isolation isolation,
        SafetySettings safety,
        SnapshotSettings snapshots) {

    public static final List<String> DEFAULT_ENV_FILES = List.of(".env", "backend/.env", "frontend/.env.local");

    public WorktreeDbConfig {
        envFiles = envFiles == null || envFiles.isEmpty() ? DEFAULT_ENV_FILES : List.copyOf(envFiles);
        strategy = strategy == null ? Strategy.AUTO : strategy;
        maintenanceDatabase = maintenanceDatabase == null || maintenanceDatabase.isBlank() ? "postgres" : maintenanceDatabase;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
        ports = ports == null ? List.of() : ports.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
        portStep = portStep <= 0 ? 10 : portStep;
        migration = migration == null ? MigrationSettings.defaults(baseDir) : migration;
        seed = seed == null ? SeedSettings.defaults(baseDir) : seed;
        isolation = isolation == null ? Isolation.DATABASE : isolation;
        safety = safety == null ? SafetySettings.defaults() : safety;
        snapshots = snapshots == null ? SnapshotSettings.defaults() : snapshots;
    }

    /** A configuration with defaults for everything but the project directory (for tests and tools). */
    public static Builder builder(Path baseDir) {
        return new Builder(baseDir);
    }

    /** Builds a {@link WorktreeDbConfig} step by step. */
    public static final class Builder {
        private final Path baseDir;
        private List<String> envFiles;
        private String url;
        private String username;
        private String password;
        private String credentialsOrigin;
        private String namePattern;
        private String database;
        private String mainBranch;
        private Strategy strategy;
        private boolean force;
        private boolean terminateConnections;
        private boolean yes;
        private boolean interactive;
        private boolean dryRun;
        private String maintenanceDatabase;
        private Duration connectTimeout;
        private List<String> ports;
        private int portStep;
        private String overrideEnvFile;
        private MigrationSettings migration;
        private SeedSettings seed;
        private boolean allowRemote;
        private boolean fromEmpty;
        private String pgBin;
        private Isolation isolation;
        private SafetySettings safety;
        private SnapshotSettings snapshots;

        private Builder(Path baseDir) {
            this.baseDir = baseDir;
        }

        public Builder envFiles(List<String> v) { envFiles = v; return this; }
        public Builder url(String v) { url = v; return this; }
        public Builder username(String v) { username = v; return this; }
        public Builder password(String v) { password = v; return this; }
        public Builder credentialsOrigin(String v) { credentialsOrigin = v; return this; }
        public Builder namePattern(String v) { namePattern = v; return this; }
        public Builder database(String v) { database = v; return this; }
        public Builder mainBranch(String v) { mainBranch = v; return this; }
        public Builder strategy(Strategy v) { strategy = v; return this; }
        public Builder force(boolean v) { force = v; return this; }
        public Builder terminateConnections(boolean v) { terminateConnections = v; return this; }
        public Builder yes(boolean v) { yes = v; return this; }
        public Builder interactive(boolean v) { interactive = v; return this; }
        public Builder dryRun(boolean v) { dryRun = v; return this; }
        public Builder maintenanceDatabase(String v) { maintenanceDatabase = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder ports(List<String> v) { ports = v; return this; }
        public Builder portStep(int v) { portStep = v; return this; }
        public Builder overrideEnvFile(String v) { overrideEnvFile = v; return this; }
        public Builder migration(MigrationSettings v) { migration = v; return this; }
        public Builder seed(SeedSettings v) { seed = v; return this; }
        public Builder allowRemote(boolean v) { allowRemote = v; return this; }
        public Builder fromEmpty(boolean v) { fromEmpty = v; return this; }
        public Builder pgBin(String v) { pgBin = v; return this; }
        public Builder isolation(Isolation v) { isolation = v; return this; }
        public Builder safety(SafetySettings v) { safety = v; return this; }
        public Builder snapshots(SnapshotSettings v) { snapshots = v; return this; }

        public WorktreeDbConfig build() {
            return new WorktreeDbConfig(baseDir, envFiles, blankToNull(url), blankToNull(username), emptyToNull(password),
                    credentialsOrigin, namePattern, blankToNull(database), blankToNull(mainBranch), strategy, force,
                    terminateConnections, yes, interactive, dryRun, maintenanceDatabase, connectTimeout, ports, portStep,
                    blankToNull(overrideEnvFile), migration, seed, allowRemote, fromEmpty,
                    blankToNull(pgBin), isolation, safety, snapshots);
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.strip();
        }

        private static String emptyToNull(String s) {
            return s == null || s.isEmpty() ? null : s;
        }
    }
}
