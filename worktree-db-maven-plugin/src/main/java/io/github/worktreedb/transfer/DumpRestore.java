package io.github.worktreedb.transfer;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.Sizes;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The client-side way: {@code pg_dump -Fc -Z0 | pg_restore} joined by an OS pipe, from the source endpoint into an
 * existing (empty) target database, which may be on another server (then without owners and privileges: that server has
 * only the login user). Needs no exclusive access to the source. Reports the
 * target's growth as {@link ProgressEvent}s about once a second. Passwords go through {@code PGPASSWORD} in each
 * process's environment, never on a command line.
 */
final class DumpRestore {

    private static final long POLL_MILLIS = 1_000;

    private final CopyEngine.Settings settings;
    private final Log log;
    private final ProgressListener progress;

    DumpRestore(CopyEngine.Settings settings, Log log, ProgressListener progress) {
        this.settings = settings;
        this.log = log;
        this.progress = progress;
    }

    /**
     * The pg_dump and pg_restore to use, found before anything is created.
     *
     * @param serverMajor the newest major version of the two servers ({@code pg_dump} refuses newer servers)
     */
    static ClientTools.Tools tools(CopyEngine.Settings settings, int serverMajor, String serverVersion) {
        return ClientTools.find(settings.pgBin(), serverMajor, serverVersion);
    }

    /**
     * Copies {@code source} into {@code target}, which exists and is empty.
     *
     * @param subject what the progress events name ({@code shop → shop_feature_x})
     */
    void run(ClientTools.Tools tools, Endpoint source, Endpoint target, long sourceBytes, String subject) {
        log.info("Copying " + source.database() + " with pg_dump | pg_restore " + tools.version() + " ("
                + Sizes.human(sourceBytes) + ") into " + target.database() + " first");
        Path errors = null;
        try {
            errors = Files.createTempFile("worktree-db-dump", ".log");
            pipe(tools, source, target, errors, sourceBytes, subject);
        } catch (IOException e) {
            throw WorktreeDbException.environment("The dump-based copy of " + source.database() + " failed: "
                    + e.getMessage(), e);
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

    private void pipe(ClientTools.Tools tools, Endpoint source, Endpoint target, Path errors, long sourceBytes,
            String subject) throws IOException {
        // no compression: the archive only crosses a pipe, and compressing it is pg_dump's largest CPU cost
        List<String> dumpCmd = new ArrayList<>(List.of(tools.pgDump().toString(), "--format=custom", "--compress=0"));
        dumpCmd.addAll(connection(source));
        List<String> restoreCmd = new ArrayList<>(List.of(tools.pgRestore().toString(), "--exit-on-error"));
        if (!source.sameServer(target)) {
            // another server (a worktree's own) has the login user, not the main server's other roles: objects owned by
            // or granted to those would stop the restore; the copy's objects belong to the user it logs in as
            restoreCmd.addAll(List.of("--no-owner", "--no-privileges"));
        }
        restoreCmd.addAll(connection(target));
        ProcessBuilder dump = new ProcessBuilder(dumpCmd).redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()));
        ProcessBuilder restore = new ProcessBuilder(restoreCmd).redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        environment(dump, source.connector().spec());
        environment(restore, target.connector().spec());
        List<Process> processes = ProcessBuilder.startPipeline(List.of(dump, restore));
        Thread killer = new Thread(() -> processes.forEach(Process::destroyForcibly), "worktree-db dump cleanup");
        Runtime.getRuntime().addShutdownHook(killer);
        long start = System.nanoTime();
        try (Connection watch = target.connector().connectMaintenance(settings.maintenanceDatabase())) {
            Catalog catalog = new Catalog(watch);
            Process last = processes.get(1);
            while (!last.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                try {
                    progress.on(new ProgressEvent(ProgressEvent.Phase.RUNNING, subject, ProgressEvent.Unit.BYTES,
                            catalog.size(target.database()), sourceBytes, Duration.ofNanos(System.nanoTime() - start)));
                } catch (SQLException e) {
                    log.debug("progress unavailable: " + e.getMessage());
                }
            }
            int dumpExit = processes.get(0).waitFor();
            int restoreExit = last.exitValue();
            if (dumpExit != 0 || restoreExit != 0) {
                String detail = Secrets.redact(Secrets.redact(tail(errors), source.connector().spec().password()),
                        target.connector().spec().password());
                throw WorktreeDbException.environment("The dump-based copy of " + source.database() + " failed (pg_dump exit "
                        + dumpExit + ", pg_restore exit " + restoreExit + "): " + detail + ". Nothing was left under the "
                        + "final name.", null);
            }
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Lost the connection while copying " + source.database() + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorktreeDbException.environment("The dump-based copy was interrupted; nothing was left under the final "
                    + "name.", e);
        } finally {
            processes.forEach(Process::destroyForcibly);
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
    }

    static List<String> connection(Endpoint e) {
        ConnectionSpec spec = e.connector().spec();
        ConnectionSpec.HostPort hp = spec.primary();
        return List.of("--no-password", "-h", hp.host(), "-p", Integer.toString(hp.port()), "-U",
                spec.user() == null ? "postgres" : spec.user(), "--dbname", e.database());
    }

    private void environment(ProcessBuilder pb, ConnectionSpec spec) {
        environment(pb, spec, settings);
    }

    /** The environment of a client tool: the password in {@code PGPASSWORD} (never on the command line), a timeout. */
    static void environment(ProcessBuilder pb, ConnectionSpec spec, CopyEngine.Settings settings) {
        Map<String, String> env = pb.environment();
        env.remove("PGSERVICE");
        if (spec.password() != null) {
            env.put("PGPASSWORD", spec.password()); // never on the command line, where ps would show it
        } else {
            env.remove("PGPASSWORD");
        }
        env.put("PGAPPNAME", "worktree-db");
        env.put("PGCONNECT_TIMEOUT", Long.toString(Math.max(1, settings.connectTimeout().toSeconds())));
        String sslmode = spec.parameters().get("sslmode");
        if (sslmode != null) {
            env.put("PGSSLMODE", sslmode);
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
