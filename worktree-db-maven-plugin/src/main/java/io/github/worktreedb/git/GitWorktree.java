package io.github.worktreedb.git;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * What git says about the worktree a build runs in, read with JGit (which follows a linked worktree's
 * {@code .git} file to its private git dir and the shared common dir).
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
     * Reads the worktree that contains {@code dir}.
     *
     * @param configuredMainBranch the main branch when the user named it, else {@code null}
     * @throws WorktreeDbException when {@code dir} is not inside a git working tree
     */
    public static GitWorktree of(Path dir, String configuredMainBranch) {
        FileRepositoryBuilder builder = new FileRepositoryBuilder().findGitDir(dir.toAbsolutePath().toFile());
        if (builder.getGitDir() == null) {
            throw notInGit(dir);
        }
        try (Repository repo = builder.setMustExist(true).build()) {
            if (repo.isBare()) {
                throw notInGit(dir);
            }
            Path root = repo.getWorkTree().toPath().toAbsolutePath().normalize();
            Path gitDir = repo.getDirectory().toPath().toAbsolutePath().normalize();
            File common = repo.getCommonDirectory();
            Path commonDir = (common == null ? repo.getDirectory() : common).toPath().toAbsolutePath().normalize();
            Path mainRoot = gitDir.equals(commonDir) ? root : mainRootOf(commonDir);

            String full = repo.getFullBranch();
            String branch = full != null && full.startsWith(Constants.R_HEADS) ? Repository.shortenRefName(full) : null;
            ObjectId headId = repo.resolve(Constants.HEAD);
            String head = headId == null ? null : headId.abbreviate(10).name();
            String mainBranch = configuredMainBranch != null && !configuredMainBranch.isBlank()
                    ? configuredMainBranch.strip()
                    : detectMainBranch(repo);
            return new GitWorktree(root, gitDir, commonDir, mainRoot, branch, head, mainBranch);
        } catch (RepositoryNotFoundException e) {
            throw notInGit(dir);
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read the git repository at " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Which of {@code files} (inside this worktree) git tracks: they are in this worktree's index, so they are
     * committed or about to be, and the plugin never writes them.
     */
    public java.util.Set<Path> tracked(java.util.Collection<Path> files) {
        java.util.Set<Path> out = new java.util.HashSet<>();
        try (Repository repo = open()) {
            org.eclipse.jgit.dircache.DirCache index = repo.readDirCache();
            for (Path f : files) {
                Path abs = f.toAbsolutePath().normalize();
                if (abs.startsWith(root)) {
                    String rel = root.relativize(abs).toString().replace(java.io.File.separatorChar, '/');
                    if (index.findEntry(rel) >= 0) {
                        out.add(f);
                    }
                }
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read the git index of " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The repository's local branches (short names), read once. */
    public java.util.Set<String> branches() {
        try (Repository repo = open()) {
            java.util.Set<String> out = new java.util.HashSet<>();
            for (Ref ref : repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
                out.add(Repository.shortenRefName(ref.getName()));
            }
            return out;
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read the branches of " + commonDir + ": " + e.getMessage(), e);
        }
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
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Repository repo = open()) {
            ObjectId tree = repo.resolve(Constants.R_HEADS + branch + "^{tree}");
            if (tree == null) {
                return out;
            }
            try (org.eclipse.jgit.treewalk.TreeWalk walk =
                    org.eclipse.jgit.treewalk.TreeWalk.forPath(repo, dir.replace(java.io.File.separatorChar, '/'), tree)) {
                if (walk == null || !walk.isSubtree()) {
                    return out;
                }
                try (org.eclipse.jgit.treewalk.TreeWalk children = new org.eclipse.jgit.treewalk.TreeWalk(repo)) {
                    children.addTree(walk.getObjectId(0));
                    children.setRecursive(false);
                    while (children.next()) {
                        if (!children.isSubtree()) {
                            out.add(children.getNameString());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read branch " + branch + ": " + e.getMessage(), e);
        }
        return out;
    }

    private Repository open() throws IOException {
        return new FileRepositoryBuilder().setGitDir(gitDir.toFile()).setWorkTree(root.toFile()).setMustExist(true).build();
    }

    /** Where the plugin keeps this worktree's own state: inside its git dir, so never in the tree nor committed. */
    public Path stateDir() {
        return gitDir.resolve("worktree-db");
    }

    /** The original of an env file, kept by {@code rewrite-env} before it first changed or copied it. */
    public Path backupOf(String envFile) {
        return stateDir().resolve("backup").resolve(envFile).normalize();
    }

    private static Path mainRootOf(Path commonDir) {
        // a non-bare repository keeps its common dir as <main worktree>/.git
        if (commonDir.getFileName() != null && commonDir.getFileName().toString().equals(Constants.DOT_GIT)) {
            return commonDir.getParent();
        }
        return null;
    }

    private static String detectMainBranch(Repository repo) throws IOException {
        Ref originHead = repo.exactRef("refs/remotes/origin/HEAD");
        if (originHead != null && originHead.isSymbolic()) {
            String target = originHead.getTarget().getName();
            if (target.startsWith("refs/remotes/origin/")) {
                return target.substring("refs/remotes/origin/".length());
            }
        }
        for (String candidate : new String[] {"main", "master", "trunk"}) {
            if (repo.exactRef(Constants.R_HEADS + candidate) != null) {
                return candidate;
            }
        }
        // a fresh repository: the branch the main worktree is on is the main branch
        return "main";
    }

    private static WorktreeDbException notInGit(Path dir) {
        return WorktreeDbException.user(dir.toAbsolutePath() + " is not inside a git working tree. worktree-db gives each git "
                + "worktree its own database, so it has to run inside one: create it with 'git init' or "
                + "'git worktree add', or skip the plugin here with -Dworktree-db.skip=true.");
    }
}
