package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.ServerSettings;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.server.PgBinaries;
import io.github.worktreedb.server.WorktreeServer;
import io.github.worktreedb.server.ZonkyBinaries;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/** {@code isolation=server}: makes this worktree's own server exist and run, with the right PostgreSQL. */
public final class WorktreeServers {

    private WorktreeServers() {}

    /** Creates (when missing) and starts (when stopped or stale) this worktree's server; a running one is left alone. */
    public static WorktreeServer.Started ensureRunning(WorktreeContext ctx, Log log, String pluginVersion) {
        WorktreeContext.ServerTarget t = requireOwnServer(ctx);
        WorktreeServer server = t.server();
        ServerSettings settings = ctx.config().server();
        boolean needBinaries = !server.exists() || server.recordedBinaries().isEmpty();
        int major = 0;
        if (needBinaries) {
            major = settings.pgVersion() != null ? ZonkyBinaries.parseMajor(settings.pgVersion()) : mainMajor(ctx);
        }
        WorktreeServer.Started s = server.ensureRunning(new WorktreeServer.Spec(t.port(), ctx.main().spec().user(),
                ctx.main().spec().password(), major, m -> binaries(m, settings, log), ctx.git().branchOrDirectory(),
                pluginVersion));
        String what = s.created() ? "created and started" : s.started() ? "started" : "running";
        log.info("This worktree's server localhost:" + s.port() + " (PostgreSQL " + s.version() + "): " + what
                + (s.started() ? " in " + s.took().toMillis() + " ms" : "") + "; data in " + server.dataDir());
        return s;
    }

    /** Stops this worktree's server (data kept); says so when none runs. */
    public static boolean stop(WorktreeContext ctx, Log log) {
        WorktreeServer server = requireOwnServer(ctx).server();
        WorktreeServer.Status before = server.status();
        if (before.state() == WorktreeServer.State.MISSING) {
            log.info("This worktree has no server yet (mvn worktree-db:clone makes it); nothing to stop.");
            return false;
        }
        boolean stopped = server.stop();
        log.info(stopped ? "Stopped this worktree's server localhost:" + before.port() + " (pid " + before.pid()
                + "); its data stays in " + server.dataDir() + ". mvn worktree-db:start starts it again."
                : "This worktree's server localhost:" + before.port() + " is not running (" + before.state().label() + ").");
        return stopped;
    }

    /** The status rows: this worktree's server first (when it has one), then with {@code all} every other one. */
    static java.util.List<io.github.worktreedb.ops.StatusReport.Server> report(WorktreeContext ctx, boolean all) {
        java.util.List<StatusReport.Server> out = new java.util.ArrayList<>();
        java.util.Set<Path> live = new java.util.HashSet<>(ctx.git().liveWorktrees());
        if (ctx.ownServer()) {
            out.add(row(ctx.server().server(), ctx.server().port(), true, true));
        }
        if (all) {
            for (WorktreeServer s : WorktreeServer.list(io.github.worktreedb.git.StateDir.of(ctx.git()), Log.NONE)) {
                if (ctx.ownServer() && s.dir().equals(ctx.server().server().dir())) {
                    continue;
                }
                out.add(row(s, 0, false, live.contains(s.worktree())));
            }
        }
        return out;
    }

    private static StatusReport.Server row(WorktreeServer s, int port, boolean current, boolean worktreeExists) {
        WorktreeServer.Status st = s.status();
        String branch = s.marker().map(io.github.worktreedb.server.ServerMarker::branch).orElse(null);
        return new StatusReport.Server(s.worktree().toString(), branch, st.port() > 0 ? st.port() : port, st.version(),
                st.state().name().toLowerCase(java.util.Locale.ROOT), st.pid() > 0 ? st.pid() : null, st.dataBytes(),
                Sizes.human(st.dataBytes()), s.dataDir().toString(), current, worktreeExists);
    }

    /** The text form of the status rows. */
    static void render(java.util.List<StatusReport.Server> servers, java.util.List<String> out) {
        for (StatusReport.Server s : servers) {
            if (s.current()) {
                out.add(String.format(java.util.Locale.ROOT, "%-15s%s", "Server", "localhost:" + s.port() + "  "
                        + ("running".equals(s.state()) ? "[ok] running" : "[!!] " + s.state()) + (s.pid() == null ? ""
                        : ", pid " + s.pid()) + (s.version() == null ? "" : ", PostgreSQL " + s.version())
                        + ("missing".equals(s.state()) ? "" : ", data " + s.dataSize() + " in " + s.dataDir())));
            }
        }
        if (servers.stream().anyMatch(s -> !s.current())) {
            out.add("Worktree servers of this repository");
            out.add("  " + String.format(java.util.Locale.ROOT, "%-7s%-9s%-9s%-10s%-9s%s", "port", "state", "pid", "data",
                    "worktree", "branch"));
            for (StatusReport.Server s : servers) {
                out.add("  " + String.format(java.util.Locale.ROOT, "%-7s%-9s%-9s%-10s%-9s%s", s.port() + (s.current() ? "*"
                        : ""), s.state(), s.pid() == null ? "-" : s.pid(), s.dataSize(), s.worktreeExists() ? "exists"
                        : "GONE", s.branch()));
            }
        }
    }

    static WorktreeContext.ServerTarget requireOwnServer(WorktreeContext ctx) {
        if (ctx.server() == null) {
            throw WorktreeDbException.user("This goal acts on a worktree's own server, which only a linked worktree has with -D"
                    + PropertyNames.ISOLATION + "=server (this is " + (ctx.git().isMainWorktree() ? "the main worktree, "
                    + "whose database is on the main server" : "isolation=" + ctx.config().isolation().id()) + ").");
        }
        return ctx.server();
    }

    /** The programs for a major version: an installed PostgreSQL, else zonky's binaries through the build's repositories. */
    static PgBinaries binaries(int major, ServerSettings settings, Log log) {
        boolean exact = settings.pgVersion() != null && settings.pgVersion().matches("\\d+\\.\\d+\\.\\d+");
        if (!exact) {
            Optional<PgBinaries> installed = PgBinaries.installed(major);
            if (installed.isPresent()) {
                log.debug("PostgreSQL " + installed.get().version() + " " + installed.get().origin());
                return installed.get();
            }
        }
        ZonkyBinaries.Coordinates c = ZonkyBinaries.coordinates(settings.pgVersion(), major);
        log.info((exact ? "Using " + c + " (" + PropertyNames.PG_VERSION + "=" + settings.pgVersion() + ")"
                : "No PostgreSQL " + major + " is installed here: using " + c) + " from the build's repositories");
        Path jar = settings.binaries().resolve(c);
        return PgBinaries.unpacked(jar, ZonkyBinaries.cacheDir());
    }

    private static int mainMajor(WorktreeContext ctx) {
        try (Connection c = ctx.source().connector().connectMaintenance(ctx.config().maintenanceDatabase())) {
            return new Catalog(c).serverVersionNum() / 10000;
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot ask the main server " + ctx.main().spec().primary().display()
                    + " for its version (" + Secrets.redact(e.getMessage(), ctx.main().spec().password()) + "). Start it, or "
                    + "name the version of worktree servers with -D" + PropertyNames.PG_VERSION + "=16.", e);
        }
    }
}
