package io.github.worktreedb.flyway;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.MigrationSettings;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/** Builds the Flyway instance for one database from the shared configuration. */
public final class Migrations {

    private Migrations() {}

    /**
     * Flyway for {@code database}, loaded from the plugin's class loader so that its PostgreSQL support is found.
     * Migrations applied to the database but missing here are ignored by Flyway's own validation; the goals report
     * them (and fail in strict mode) themselves.
     */
    public static Flyway flyway(ConnectionSpec database, MigrationSettings settings) {
        return flyway(database, settings, new org.flywaydb.core.api.callback.Callback[0]);
    }

    /**
     * As {@link #flyway(ConnectionSpec, MigrationSettings)}, with callbacks. Session settings (timeouts, the
     * application name) travel in {@code database}'s parameters ({@link ConnectionSpec#withSession}).
     */
    public static Flyway flyway(ConnectionSpec database, MigrationSettings settings,
            org.flywaydb.core.api.callback.Callback... callbacks) {
        List<String> ignore = new ArrayList<>(List.of("*:missing", "*:future"));
        var config = Flyway.configure(Migrations.class.getClassLoader())
                .loggers(FlywayLogging.class.getName())
                .dataSource(database.jdbcUrl(), database.user(), database.password())
                .locations(settings.locations().toArray(String[]::new))
                .table(settings.table())
                .placeholders(settings.placeholders())
                .baselineOnMigrate(settings.baselineOnMigrate())
                .baselineVersion(settings.baselineVersion())
                .outOfOrder(settings.outOfOrder())
                .validateOnMigrate(settings.validateOnMigrate())
                .ignoreMigrationPatterns(ignore.toArray(String[]::new))
                .cleanDisabled(true)
                .connectRetries(0)
                .failOnMissingLocations(false);
        // Flyway's default transactional advisory lock keeps a transaction open, and CREATE INDEX CONCURRENTLY waits
        // for it forever; the session-level lock does not
        config.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        if (callbacks.length > 0) {
            config.callbacks(callbacks);
        }
        if (!settings.schemas().isEmpty()) {
            config.schemas(settings.schemas().toArray(String[]::new));
        }
        return config.load();
    }
}
