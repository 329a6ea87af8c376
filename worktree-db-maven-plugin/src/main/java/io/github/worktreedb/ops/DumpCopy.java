package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.naming.DatabaseNamer;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.postgres.Marker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A copy of the main database that needs no exclusive access: {@code pg_dump -Fc | pg_restore} (joined by an OS pipe)
 * into a temporary database, renamed to its final name only when complete. A crash or Ctrl-C therefore never leaves a
 * half-copied database under the final name; the temporary one carries a marker ({@code strategy: dump-in-progress})
 * and is dropped by the next run for the same worktree, which holds the lock.
 */
final class DumpCopy {

    static final String TEMP_PREFIX = "wtdb_tmp_";
    static final String IN_PROGRESS = "dump-in-progress";
    private static final long PROGRESS_MILLIS = 5_000;

    private final WorktreeContext ctx;
    private final Log log;
    private final String pluginVersion;

    DumpCopy(WorktreeContext ctx, Log log, String pluginVersion) {
        this.ctx = ctx;
        this.log = log;
        this.pluginVersion = pluginVersion;
    }

    /** The temporary name a worktree database is restored under: recognisable, at most 63 bytes, one per target. */
    static String tempName(String target) {
        String name = TEMP_PREFIX + Integer.toHexString(target.hashCode() & 0x7fffffff) + "_" + DatabaseNamer.sanitize(target);
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /**
     * Drops the temporary database ({@link #tempName}) a crashed run left for a target, if {@code temp} is one: it
     * carries the in-progress marker. The caller holds the target's lock.
     */
    void dropLeftover(Catalog catalog, Catalog.DatabaseFacts temp) throws SQLException {
        Optional<Marker> m = temp.marker();
        if (temp.exists() && m.isPresent() && IN_PROGRESS.equals(m.get().strategy())) {
            log.warn("Dropping " + temp.name() + ", a half-finished copy left by an earlier run that did not complete");
            catalog.drop(temp.name(), true);
        }
    }

    /** Copies main into {@code target} (which must not exist); the caller holds the target's lock and marks the result. */
    void copy(Catalog catalog, String main, String target, String owner, String serverVersion, int serverMajor)
            throws SQLException {
        ClientTools.Tools tools = ClientTools.find(ctx.config().pgBin(), serverMajor, serverVersion);
        String temp = tempName(target);
        dropLeftover(catalog, catalog.facts(temp));
        catalog.createEmptyFrom(temp, "template0", owner);
        Marker progress = new Marker(Marker.TOOL, pluginVersion, main, ctx.git().branchOrDirectory(), ctx.git().root().toString(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), IN_PROGRESS, ctx.git().commonDir().toString(),
                ctx.git().isDetached());
        catalog.setComment(temp, progress.toJson());
        long mainBytes = catalog.size(main);
        log.info("Copying " + main + " with pg_dump | pg_restore " + tools.version() + " (" + Sizes.human(mainBytes)
                + ") into " + temp + " first");
        Path errors = null;
        try {
            errors = Files.createTempFile("worktree-db-dump", ".log");
            run(tools, main, temp, errors, mainBytes);
            catalog.rename(temp, target);
        } catch (IOException e) {
            dropQuietly(catalog, temp);
            throw WorktreeDbException.environment("The dump-based copy of " + main + " failed: " + e.getMessage(), e);
        } catch (WorktreeDbException | SQLException e) {
            dropQuietly(catalog, temp);
            throw e;
        } finally {
            if (errors != null) {
                try {
                    Files.deleteIfExists(errors);
                } catch (IOException ignored) {
                    // a temporary file the OS cleans up
                }
            }
        }
    }

    /** A failed drop (the server may be gone) must not hide why the copy failed; the next run drops it. */
    private void dropQuietly(Catalog catalog, String temp) {
        try {
            catalog.drop(temp, true);
        } catch (SQLException e) {
            log.warn("Could not drop the half-finished copy " + temp + " now (" + e.getMessage() + "); the next clone of "
                    + "this worktree drops it.");
        }
    }

    private void run(ClientTools.Tools tools, String main, String temp, Path errors, long mainBytes) throws IOException {
        ConnectionSpec spec = ctx.main().spec();
        ConnectionSpec.HostPort hp = spec.primary();
        List<String> common = List.of("--no-password", "-h", hp.host(), "-p", Integer.toString(hp.port()), "-U",
                spec.user() == null ? "postgres" : spec.user());
        List<String> dumpCmd = new ArrayList<>(List.of(tools.pgDump().toString(), "--format=custom"));
        dumpCmd.addAll(common);
        dumpCmd.addAll(List.of("--dbname", main));
        List<String> restoreCmd = new ArrayList<>(List.of(tools.pgRestore().toString(), "--exit-on-error"));
        restoreCmd.addAll(common);
        restoreCmd.addAll(List.of("--dbname", temp));
        ProcessBuilder dump = new ProcessBuilder(dumpCmd).redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()));
        ProcessBuilder restore = new ProcessBuilder(restoreCmd).redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        for (ProcessBuilder pb : List.of(dump, restore)) {
            Map<String, String> env = pb.environment();
            env.remove("PGSERVICE");
            if (spec.password() != null) {
                env.put("PGPASSWORD", spec.password()); // never on the command line, where ps would show it
            } else {
                env.remove("PGPASSWORD");
            }
            env.put("PGAPPNAME", "worktree-db");
            env.put("PGCONNECT_TIMEOUT", Long.toString(Math.max(1, ctx.config().connectTimeout().toSeconds())));
            String sslmode = spec.parameters().get("sslmode");
            if (sslmode != null) {
                env.put("PGSSLMODE", sslmode);
            }
        }
        List<Process> processes = ProcessBuilder.startPipeline(List.of(dump, restore));
        Thread killer = new Thread(() -> processes.forEach(Process::destroyForcibly), "worktree-db dump cleanup");
        Runtime.getRuntime().addShutdownHook(killer);
        try (Connection progress = ctx.target().connector().connectMaintenance(ctx.config().maintenanceDatabase())) {
            Catalog catalog = new Catalog(progress);
            Process last = processes.get(1);
            while (!last.waitFor(PROGRESS_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                try {
                    log.info("  copied " + Sizes.human(catalog.size(temp)) + " of about " + Sizes.human(mainBytes));
                } catch (SQLException e) {
                    log.debug("progress unavailable: " + e.getMessage());
                }
            }
            int dumpExit = processes.get(0).waitFor();
            int restoreExit = last.exitValue();
            if (dumpExit != 0 || restoreExit != 0) {
                String detail = Secrets.redact(tail(errors), spec.password());
                throw WorktreeDbException.environment("The dump-based copy of " + main + " failed (pg_dump exit " + dumpExit
                        + ", pg_restore exit " + restoreExit + "): " + detail + ". Nothing was left under the final name.", null);
            }
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Lost the connection while copying " + main + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            processes.forEach(Process::destroyForcibly);
            throw WorktreeDbException.environment("The dump-based copy was interrupted; nothing was left under the final name.", e);
        } finally {
            processes.forEach(Process::destroyForcibly);
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 4), lines.size())).strip();
        } catch (IOException e) {
            return "(no error output)";
        }
    }
}
