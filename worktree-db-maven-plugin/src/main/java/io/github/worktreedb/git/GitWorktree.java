package io.github.worktreedb.git;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What git says about the worktree a build runs in: read from git's own files ({@link GitFiles}, which follows a linked
 * worktree's {@code .git} file to its private git dir and the shared common dir), or with JGit where that reader is not
 * sure. The index, the branches and the trees ({@link #tracked}, {@link #branches}, {@link #filesOnBranch}) are JGit's.
 *
 * @param root the top of this worktree
 * @param gitDir this worktree's git dir ({@code .git} in the main worktree, {@code .git/worktrees/NAME} in a linked one)
 * @param commonDir the git dir shared by all worktrees
 * @param mainRoot the top of the main worktree, or {@code null} for a bare repository
 * @param branch the checked-out branch's short name, or {@code null} when HEAD is detached
 * @param head the commit HEAD points at (abbreviated), or {@code null} in an empty repository
 * @param mainBranch the repository's main branch (origin's HEAD, else {@code main}, else {@code master})
 */
public record GitWorktree(
        Path root, Path gitDir, Path commonDir, Path mainRoot, String branch, String head, String mainBranch) {

    /** Whether this is the main worktree (not one made by {@code git worktree add}). */
    public boolean isMainWorktree() {
        return gitDir.equals(commonDir);
    }

    public boolean isDetached() {
        return branch == null;
    }

    /** The worktree's directory name, which names a detached worktree's database. */
    public String directoryName() {
        return root.getFileName() == null ? "worktree" : root.getFileName().toString();
    }

    /** The branch, or for a detached HEAD the worktree's directory name. */
    public String branchOrDirectory() {
        return branch != null ? branch : directoryName();
    }

    /** Whether this worktree has the main branch checked out. */
    public boolean onMainBranch() {
        return branch != null && branch.equals(mainBranch);
    }

    /**
     * Reads the worktree that contains {@code dir}: from git's files when {@link GitFiles} is sure of them (the common
     * case, and the fast one in a fresh JVM), else with JGit.
     *
     * @param configuredMainBranch the main branch when the user named it, else {@code null}
     * @throws WorktreeDbException when {@code dir} is not inside a git working tree
     */
    public static GitWorktree of(Path dir, String configuredMainBranch) {
        GitWorktree fromFiles = GitFiles.read(dir, configuredMainBranch);
        return fromFiles != null ? fromFiles : JGitWorktree.read(dir, configuredMainBranch);
    }

    /**
     * Which of {@code files} (inside this worktree) git tracks: they are in this worktree's index, so they are
     * committed or about to be, and the plugin never writes them.
     */
    public java.util.Set<Path> tracked(java.util.Collection<Path> files) {
        return JGitWorktree.tracked(this, files);
    }

    /** The repository's local branches (short names), read once. */
    public java.util.Set<String> branches() {
        return JGitWorktree.branches(this);
    }

    /**
     * The roots of the worktrees whose directories exist: the main worktree and, from git's own records
     * ({@code worktrees/<id>/gitdir} in the common dir), every linked worktree whose {@code .git} file is still there.
     * JGit has no worktree listing. Unreadable records abort: deciding what is gone on a guess could drop live data.
     */
    public java.util.Set<Path> liveWorktrees() {
        java.util.Set<Path> live = new java.util.HashSet<>();
        if (mainRoot != null && java.nio.file.Files.isDirectory(mainRoot)) {
            live.add(mainRoot);
        }
        Path records = commonDir.resolve("worktrees");
        if (!java.nio.file.Files.isDirectory(records)) {
            return live;
        }
        try (java.util.stream.Stream<Path> dirs = java.nio.file.Files.list(records)) {
            for (Path record : (Iterable<Path>) dirs::iterator) {
                Path gitdirFile = record.resolve("gitdir");
                if (!java.nio.file.Files.isRegularFile(gitdirFile)) {
                    continue;
                }
                Path dotGit = Path.of(java.nio.file.Files.readString(gitdirFile).strip());
                if (java.nio.file.Files.exists(dotGit)) {
                    live.add(dotGit.toAbsolutePath().normalize().getParent());
                }
            }
        } catch (IOException | RuntimeException e) {
            throw WorktreeDbException.environment("Could not read git's worktree records in " + records + ": " + e.getMessage()
                    + ". Nothing was changed.", e);
        }
        return live;
    }

    /**
     * The names of the files directly in {@code dir} (a path relative to the repository root) on {@code branch}, read
     * from the branch's tree with JGit: no checkout. Empty when the branch or the directory is not there.
     */
    public java.util.List<String> filesOnBranch(String branch, String dir) {
        return JGitWorktree.filesOnBranch(this, branch, dir);
    }

    /** Where the plugin keeps this worktree's own state: inside its git dir, so never in the tree nor committed. */
    public Path stateDir() {
        return gitDir.resolve("worktree-db");
    }

    /** The original of an env file, kept by {@code rewrite-env} before it first changed or copied it. */
    public Path backupOf(String envFile) {
        return stateDir().resolve("backup").resolve(envFile).normalize();
    }

    /** The main worktree's top: a non-bare repository keeps its common dir as {@code <main worktree>/.git}. */
    static Path mainRootOf(Path commonDir) {
        return commonDir.getFileName() != null && commonDir.getFileName().toString().equals(".git") ? commonDir.getParent()
                : null;
    }

    static WorktreeDbException notInGit(Path dir) {
        return WorktreeDbException.user(dir.toAbsolutePath() + " is not inside a git working tree. worktree-db gives each git "
                + "worktree its own database, so it has to run inside one: create it with 'git init' or "
                + "'git worktree add', or skip the plugin here with -Dworktree-db.skip=true.");
    }
}
