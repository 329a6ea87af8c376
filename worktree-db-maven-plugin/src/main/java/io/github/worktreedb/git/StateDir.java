package io.github.worktreedb.git;

import java.nio.file.Path;

/**
 * Where the plugin keeps its own files: one directory, {@code worktree-db/}, in the repository's git common dir
 * (never in a working tree, never committed), shared by all worktrees. Every path the plugin writes there is named
 * here, so the next files (a worktree's own server's data, snapshot metadata) go beside them:
 * <ul>
 *   <li>{@code history.log}: one line per change to a database ({@code ops/History});
 *   <li>{@code port-index.properties} and its lock: each linked worktree's port index ({@link PortIndex}).
 * </ul>
 * A worktree's env-file backups ({@link GitWorktree#backupOf}) stay in that worktree's own git dir: git removes them
 * with the worktree, so a new worktree that reuses the name never inherits another's originals.
 */
public record StateDir(Path root) {

    /** The directory's name in the git common dir. */
    public static final String NAME = "worktree-db";

    /** The repository's state directory (it is created by whoever first writes into it). */
    public static StateDir of(GitWorktree git) {
        return new StateDir(git.commonDir().resolve(NAME));
    }

    public Path history() {
        return root.resolve("history.log");
    }

    public Path portIndex() {
        return root.resolve("port-index.properties");
    }

    public Path portIndexLock() {
        return root.resolve("port-index.lock");
    }
}
