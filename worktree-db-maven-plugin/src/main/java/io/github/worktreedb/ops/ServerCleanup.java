package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.StateDir;
import io.github.worktreedb.server.ServerMarker;
import io.github.worktreedb.server.WorktreeServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code cleanup} of worktree servers ({@code isolation=server}): the servers whose worktree or branch is gone (the same
 * {@code cleanupWhen} rules as databases), stopped and deleted with their data. Only directories with the plugin's
 * marker are ever listed, and the marker is read again just before a deletion.
 */
final class ServerCleanup {

    private ServerCleanup() {}

    /** The servers to remove; the ones kept for a reason the user may want to know go to {@code skipped}. */
    static List<CleanupOperation.Candidate> plan(WorktreeContext ctx, CleanupOperation.When when, boolean includeCurrent,
            Set<Path> live, Set<String> branches, List<CleanupOperation.Skipped> skipped) {
        List<CleanupOperation.Candidate> out = new ArrayList<>();
        Path current = WorktreeServer.of(StateDir.of(ctx.git()), ctx.git().root(), Log.NONE).dir();
        for (WorktreeServer s : WorktreeServer.list(StateDir.of(ctx.git()), Log.NONE)) {
            ServerMarker m = s.marker().orElseThrow();
            String name = "server localhost:" + m.port() + " (" + s.dir().getFileName() + ")";
            boolean isCurrent = s.dir().equals(current);
            boolean worktreeGone = !live.contains(s.worktree());
            boolean branchGone = m.branch() != null && !m.branch().isEmpty() && !branches.contains(m.branch());
            // a server belongs to its worktree (its directory is keyed by the worktree's path; the branch in its marker
            // is the one it was made on, or a detached worktree's directory name): it is never removed while that
            // worktree lives, whatever became of the branch
            String reason = isCurrent ? (includeCurrent ? "this worktree's server (asked for)" : null)
                    : !worktreeGone ? null
                    : switch (when) {
                        case BRANCH_GONE -> branchGone ? "branch " + m.branch() + " and worktree " + m.worktree()
                                + " are gone" : null;
                        case WORKTREE_GONE, EITHER -> "worktree " + m.worktree() + " is gone";
                    };
            if (reason == null) {
                if (!isCurrent && !worktreeGone && branchGone) {
                    skipped.add(new CleanupOperation.Skipped(name, "worktree " + m.worktree() + " remains: a server "
                            + "belongs to its worktree and goes with it"));
                    continue;
                }
                if (isCurrent) {
                    skipped.add(new CleanupOperation.Skipped(name, "this worktree's server (add -D"
                            + PropertyNames.INCLUDE_CURRENT + "=true to delete it)"));
                } else if (worktreeGone) {
                    skipped.add(new CleanupOperation.Skipped(name, "worktree " + m.worktree() + " is gone, but branch "
                            + m.branch() + " remains (-D" + PropertyNames.CLEANUP_WHEN + "=either deletes it too)"));
                }
                continue;
            }
            long bytes = s.status().dataBytes();
            out.add(new CleanupOperation.Candidate(name, bytes, Sizes.human(bytes), reason, m.branch(), m.worktree(), 0,
                    null));
        }
        return out;
    }

    /** Stops and deletes the planned servers; returns the names of those removed, adds the failures to {@code failed}. */
    static List<String> remove(WorktreeContext ctx, List<CleanupOperation.Candidate> servers,
            List<CleanupOperation.Skipped> failed, Log log) {
        List<String> removed = new ArrayList<>();
        for (CleanupOperation.Candidate c : servers) {
            long start = System.nanoTime();
            WorktreeServer s = WorktreeServer.of(StateDir.of(ctx.git()), Path.of(c.worktree()), Log.NONE);
            if (s.marker().isEmpty()) {
                log.warn("Skipping " + c.name() + ": it is gone or no longer carries the worktree-db marker");
                continue;
            }
            try {
                s.delete();
                removed.add(c.name());
                log.info("Removed " + c.name() + " (" + c.size() + "; " + c.reason() + ")");
                History.append(ctx.git(), "cleanup", c.name(), "stopped and deleted: " + c.reason(),
                        Duration.ofNanos(System.nanoTime() - start), log);
            } catch (WorktreeDbException e) {
                failed.add(new CleanupOperation.Skipped(c.name(), e.getMessage()));
                log.warn("Could not remove " + c.name() + ": " + e.getMessage());
            }
        }
        return removed;
    }
}
