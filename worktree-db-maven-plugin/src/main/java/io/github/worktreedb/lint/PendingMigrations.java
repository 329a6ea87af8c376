package io.github.worktreedb.lint;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.flywaydb.core.api.MigrationInfo;

/** The SQL files behind Flyway's pending migrations, with their script config ({@code V1__x.sql.conf}). */
public final class PendingMigrations {

    private PendingMigrations() {}

    public static List<Linter.MigrationFile> files(List<MigrationInfo> pending) {
        List<Linter.MigrationFile> out = new ArrayList<>();
        for (MigrationInfo i : pending) {
            String location = i.getPhysicalLocation();
            if (location == null || location.isEmpty() || !location.endsWith(".sql") || !Files.isRegularFile(Path.of(location))) {
                continue;
            }
            try {
                out.add(new Linter.MigrationFile(i.getScript(), Files.readString(Path.of(location), StandardCharsets.UTF_8),
                        executeInTransaction(Path.of(location + ".conf"))));
            } catch (IOException ignored) {
                // the migration itself will report an unreadable file
            }
        }
        return out;
    }

    private static Boolean executeInTransaction(Path conf) throws IOException {
        if (!Files.isRegularFile(conf)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(conf, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        String v = p.getProperty("executeInTransaction");
        return v == null ? null : Boolean.valueOf(v.strip());
    }
}
