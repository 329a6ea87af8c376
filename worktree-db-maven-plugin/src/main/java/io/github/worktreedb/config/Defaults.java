package io.github.worktreedb.config;

/**
 * The default of every setting that has one, stated once: the mojos' {@code @Parameter(defaultValue = ...)} and the
 * configuration records (which tests and tools build without Maven) both read these constants, so the two cannot
 * drift apart. Text, as Maven reads a default.
 */
public final class Defaults {

    public static final String ENV_FILES = ".env,backend/.env,frontend/.env.local";
    public static final String NAME_PATTERN = "${main}_${branch}";
    public static final String MAINTENANCE_DATABASE = "postgres";
    /** Seconds. */
    public static final String CONNECT_TIMEOUT = "10";
    public static final String STRATEGY = "auto";
    public static final String FLYWAY_TABLE = "flyway_schema_history";
    public static final String BASELINE_VERSION = "1";
    public static final String ISOLATION = "database";
    public static final String TARGET = "worktree";
    public static final String MAX_SNAPSHOTS = "5";
    public static final String EXPORT_TYPE = "full";
    /** Ports of worktree n: base + n × this (rewrite-env's spread ports, isolation=server's servers). */
    public static final String PORT_STEP = "10";
    public static final String SERVER_SOURCE = "main";

    private Defaults() {}
}
