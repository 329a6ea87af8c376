package io.github.worktreedb.config;

import java.util.List;
import java.util.Map;

/**
 * How {@code migrate} runs Flyway.
 *
 * @param locations Flyway locations ({@code filesystem:...}, {@code classpath:...})
 * @param schemas schemas Flyway manages (empty: the connection's default)
 * @param table Flyway's history table
 * @param placeholders Flyway placeholders
 * @param baselineOnMigrate baseline a database that has tables but no Flyway history
 * @param baselineVersion the version such a baseline gets
 * @param outOfOrder apply migrations older than the newest applied one
 * @param validateOnMigrate check applied migrations' checksums first
 * @param strict fail when the database has migrations this branch does not have
 */
public record MigrationSettings(
        List<String> locations,
        List<String> schemas,
        String table,
        Map<String, String> placeholders,
        boolean baselineOnMigrate,
        String baselineVersion,
        boolean outOfOrder,
        boolean validateOnMigrate,
        boolean strict) {

    public MigrationSettings {
        locations = locations == null ? List.of() : List.copyOf(locations);
        schemas = schemas == null ? List.of() : List.copyOf(schemas);
        table = table == null || table.isBlank() ? Defaults.FLYWAY_TABLE : table;
        placeholders = placeholders == null ? Map.of() : Map.copyOf(placeholders);
        baselineVersion = baselineVersion == null || baselineVersion.isBlank() ? Defaults.BASELINE_VERSION : baselineVersion;
    }

    /**
     * The locations with each relative {@code filesystem:} one resolved against the project's directory, as Flyway's
     * own Maven plugin does: {@code mvn -f sub/pom.xml} and reactor builds find the same files as a build run in the
     * project's directory. {@code classpath:} locations, and those without a prefix (Flyway reads them as classpath),
     * stay as they are.
     */
    public static List<String> resolveAgainst(java.nio.file.Path baseDir, List<String> locations) {
        return locations.stream().map(l -> {
            String t = l.strip();
            if (!t.startsWith("filesystem:")) {
                return t;
            }
            java.nio.file.Path p = java.nio.file.Path.of(t.substring("filesystem:".length()));
            return p.isAbsolute() ? t : "filesystem:" + baseDir.resolve(p).normalize();
        }).toList();
    }

    public static MigrationSettings defaults(java.nio.file.Path baseDir) {
        return new MigrationSettings(List.of("filesystem:" + baseDir.resolve("src/main/resources/db/migration")), List.of(),
                null, Map.of(), false, null, false, true, false);
    }
}
