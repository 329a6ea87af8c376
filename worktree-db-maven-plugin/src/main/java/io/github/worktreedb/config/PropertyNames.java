package io.github.worktreedb.config;

/** The user properties (and, without the prefix, the configuration elements) the goals read and publish. */
public final class PropertyNames {

    public static final String PREFIX = "worktree-db.";

    public static final String SKIP = PREFIX + "skip";
    public static final String ENV_FILES = PREFIX + "envFiles";
    public static final String URL = PREFIX + "url";
    public static final String SERVER_ID = PREFIX + "serverId";
    public static final String USERNAME = PREFIX + "username";
    public static final String PASSWORD = PREFIX + "password";
    public static final String NAME_PATTERN = PREFIX + "namePattern";
    public static final String DATABASE = PREFIX + "database";
    public static final String MAIN_BRANCH = PREFIX + "mainBranch";
    public static final String STRATEGY = PREFIX + "strategy";
    public static final String FORCE = PREFIX + "force";
    public static final String TERMINATE_CONNECTIONS = PREFIX + "terminateConnections";
    public static final String YES = PREFIX + "yes";
    public static final String DRY_RUN = PREFIX + "dryRun";
    public static final String MAINTENANCE_DATABASE = PREFIX + "maintenanceDatabase";
    public static final String CONNECT_TIMEOUT = PREFIX + "connectTimeout";
    public static final String PORTS = PREFIX + "ports";
    public static final String PORT_STEP = PREFIX + "portStep";
    public static final String OVERRIDE_ENV_FILE = PREFIX + "overrideEnvFile";
    public static final String MIGRATIONS = PREFIX + "migrations";
    public static final String SCHEMAS = PREFIX + "schemas";
    public static final String TABLE = PREFIX + "table";
    public static final String BASELINE_ON_MIGRATE = PREFIX + "baselineOnMigrate";
    public static final String BASELINE_VERSION = PREFIX + "baselineVersion";
    public static final String OUT_OF_ORDER = PREFIX + "outOfOrder";
    public static final String VALIDATE_ON_MIGRATE = PREFIX + "validateOnMigrate";
    public static final String STRICT_MIGRATIONS = PREFIX + "strictMigrations";
    public static final String SEEDS = PREFIX + "seeds";
    public static final String REAPPLY_CHANGED_SEEDS = PREFIX + "reapplyChangedSeeds";
    public static final String ALLOW_REMOTE = PREFIX + "allowRemote";
    public static final String FROM_EMPTY = PREFIX + "fromEmpty";
    public static final String FORMAT = PREFIX + "format";
    public static final String PG_BIN = PREFIX + "pgBin";
    public static final String ALL = PREFIX + "all";
    public static final String FAIL_ON = PREFIX + "failOn";
    public static final String CLEANUP_WHEN = PREFIX + "cleanupWhen";
    public static final String INCLUDE_CURRENT = PREFIX + "includeCurrent";
    public static final String TARGET = PREFIX + "target";
    public static final String CONFIRM = PREFIX + "confirm";
    public static final String LOCK_TIMEOUT = PREFIX + "lockTimeout";
    public static final String STATEMENT_TIMEOUT = PREFIX + "statementTimeout";
    public static final String REHEARSE = PREFIX + "rehearse";
    public static final String AUDIT_FILE = PREFIX + "auditFile";
    public static final String ISOLATION = PREFIX + "isolation";
    public static final String SNAPSHOT = PREFIX + "snapshot";
    public static final String MAX_SNAPSHOTS = PREFIX + "maxSnapshots";
    public static final String SNAPSHOT_BEFORE = PREFIX + "snapshotBefore";
    public static final String EXPORT_TYPE = PREFIX + "exportType";
    public static final String FILE = PREFIX + "file";

    /** Published to the Maven project after a goal resolves this worktree's database. */
    public static final String PUBLISHED_JDBC_URL = PREFIX + "jdbcUrl";
    public static final String PUBLISHED_HOST = PREFIX + "host";
    public static final String PUBLISHED_PORT = PREFIX + "port";
    public static final String PUBLISHED_DATABASE_NAME = PREFIX + "databaseName";
    public static final String PUBLISHED_USERNAME = PREFIX + "username";
    public static final String PUBLISHED_PASSWORD = PREFIX + "password";
    /** Published by {@code migrate}: the schema version after migrating. */
    public static final String PUBLISHED_SCHEMA_VERSION = PREFIX + "schemaVersion";
    /** Published by {@code rewrite-env}: this worktree's port index (0 in the main worktree). */
    public static final String PUBLISHED_PORT_INDEX = PREFIX + "portIndex";

    private PropertyNames() {}
}
