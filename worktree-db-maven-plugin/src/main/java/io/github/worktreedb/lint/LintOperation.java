package io.github.worktreedb.lint;

import io.github.worktreedb.config.SafetySettings;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.flyway.FlywayLogging;
import io.github.worktreedb.flyway.Migrations;
import io.github.worktreedb.ops.Protection;
import io.github.worktreedb.ops.WorktreeContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;

/**
 * {@code lint}: judges the migrations the target database has not applied yet (applied history is not judged
 * again). When the database does not exist every migration is pending; when the server cannot be reached, every
 * migration file of the {@code filesystem:} locations is judged, and the log says so.
 */
public final class LintOperation {

    private final WorktreeContext ctx;
    private final Log log;

    public LintOperation(WorktreeContext ctx, Log log) {
        this.ctx = ctx;
        this.log = log;
    }

    public List<Finding> run() {
        String database = ctx.database();
        Optional<Protection.Stamp> stamp = Optional.empty();
        List<Linter.MigrationFile> files;
        boolean exists;
        try (Connection ignored = ctx.target().connector().connect(database)) {
            exists = true;
        } catch (WorktreeDbException e) {
            if (!(e.getCause() instanceof SQLException sql && "3D000".equals(sql.getSQLState()))) {
                log.warn("lint: cannot reach " + database + " (" + e.getMessage() + "); judging every migration file.");
            }
            exists = false;
        } catch (SQLException e) {
            exists = false;
        }
        if (exists) {
            stamp = Protection.read(ctx.target().connector(), database);
            try (AutoCloseable logging = FlywayLogging.to(log)) {
                files = PendingMigrations.files(List.of(Migrations.flyway(ctx.databaseSpec(), ctx.config().migration())
                        .info().pending()));
            } catch (Exception e) {
                throw WorktreeDbException.environment("lint: cannot read the migrations of " + database + ": "
                        + e.getMessage(), e);
            }
        } else {
            files = allFiles(ctx.config().migration().locations());
        }
        SafetySettings s = ctx.config().safety();
        boolean remote = !ctx.databaseSpec().isLocal();
        boolean lockTimeout = s.lockTimeout() != null ? !s.lockTimeout().isZero() : stamp.isPresent() || remote;
        List<Finding> findings = new Linter(new Linter.Options(stamp.isPresent(), lockTimeout)).lint(files);
        findings.forEach(f -> log.warn(f.describe()));
        log.info("lint: " + files.size() + " pending migration(s) of " + database + " checked, " + findings.size()
                + " finding(s)");
        return findings;
    }

    /** Every {@code V…__*.sql} and {@code R__*.sql} file of the {@code filesystem:} locations, in Flyway's order. */
    static List<Linter.MigrationFile> allFiles(List<String> locations) {
        List<Path> paths = new ArrayList<>();
        for (String l : locations) {
            if (!l.startsWith("filesystem:")) {
                continue;
            }
            Path dir = Path.of(l.substring("filesystem:".length()));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(p -> p.getFileName().toString().matches("([VR]).*__.*\\.sql")).forEach(paths::add);
            } catch (IOException e) {
                throw WorktreeDbException.user("lint: cannot list " + dir + ": " + e.getMessage());
            }
        }
        paths.sort(Comparator.comparing((Path p) -> p.getFileName().toString().startsWith("R"))
                .thenComparing(p -> version(p.getFileName().toString()), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(p -> p.getFileName().toString()));
        List<Linter.MigrationFile> out = new ArrayList<>();
        for (Path p : paths) {
            try {
                out.add(new Linter.MigrationFile(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8), null));
            } catch (IOException e) {
                throw WorktreeDbException.user("lint: cannot read " + p + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static MigrationVersion version(String file) {
        if (!file.startsWith("V")) {
            return null;
        }
        try {
            return MigrationVersion.fromVersion(file.substring(1, file.indexOf("__")).replace('_', '.'));
        } catch (RuntimeException e) {
            return null;
        }
    }

}
