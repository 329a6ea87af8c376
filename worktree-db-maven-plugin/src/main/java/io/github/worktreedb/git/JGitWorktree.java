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
 * What {@link GitWorktree} reads with JGit: the worktree itself where {@link GitFiles} is not sure (and the errors), the
 * index, the branches and a branch's files. A class of its own, so that a goal that only reads the worktree from git's
 * files loads no JGit class at all (JGit's jar is signed: opening it is itself a tenth of a second in a fresh JVM).
 */
final class JGitWorktree {

    private JGitWorktree() {}

    /** {@link GitWorktree#of}, read with JGit. */
    static GitWorktree read(Path dir, String configuredMainBranch) {
        FileRepositoryBuilder builder = new FileRepositoryBuilder().findGitDir(dir.toAbsolutePath().toFile());
        if (builder.getGitDir() == null) {
            throw GitWorktree.notInGit(dir);
        }
        try (Repository repo = builder.setMustExist(true).build()) {
            if (repo.isBare()) {
                throw GitWorktree.notInGit(dir);
            }
            Path root = repo.getWorkTree().toPath().toAbsolutePath().normalize();
            Path gitDir = repo.getDirectory().toPath().toAbsolutePath().normalize();
            File common = repo.getCommonDirectory();
            Path commonDir = (common == null ? repo.getDirectory() : common).toPath().toAbsolutePath().normalize();
            Path mainRoot = gitDir.equals(commonDir) ? root : GitWorktree.mainRootOf(commonDir);

            String full = repo.getFullBranch();
            String branch = full != null && full.startsWith(Constants.R_HEADS) ? Repository.shortenRefName(full) : null;
            ObjectId headId = repo.resolve(Constants.HEAD);
            String head = headId == null ? null : headId.abbreviate(10).name();
            String mainBranch = configuredMainBranch != null && !configuredMainBranch.isBlank()
                    ? configuredMainBranch.strip()
                    : detectMainBranch(repo);
            return new GitWorktree(root, gitDir, commonDir, mainRoot, branch, head, mainBranch);
        } catch (RepositoryNotFoundException e) {
            throw GitWorktree.notInGit(dir);
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read the git repository at " + dir + ": " + e.getMessage(), e);
        }
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


    static java.util.Set<Path> tracked(GitWorktree git, java.util.Collection<Path> files) {
        java.util.Set<Path> out = new java.util.HashSet<>();
        try (Repository repo = open(git)) {
            org.eclipse.jgit.dircache.DirCache index = repo.readDirCache();
            for (Path f : files) {
                Path abs = f.toAbsolutePath().normalize();
                if (abs.startsWith(git.root())) {
                    String rel = git.root().relativize(abs).toString().replace(java.io.File.separatorChar, '/');
                    if (index.findEntry(rel) >= 0) {
                        out.add(f);
                    }
                }
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read the git index of " + git.root() + ": " + e.getMessage(), e);
        }
        return out;
    }

    static java.util.Set<String> branches(GitWorktree git) {
        try (Repository repo = open(git)) {
            java.util.Set<String> out = new java.util.HashSet<>();
            for (Ref ref : repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
                out.add(Repository.shortenRefName(ref.getName()));
            }
            return out;
        } catch (IOException e) {
            throw WorktreeDbException.environment("Could not read the branches of " + git.commonDir() + ": " + e.getMessage(), e);
        }
    }

    static java.util.List<String> filesOnBranch(GitWorktree git, String branch, String dir) {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Repository repo = open(git)) {
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

    private static Repository open(GitWorktree git) throws IOException {
        return new FileRepositoryBuilder().setGitDir(git.gitDir().toFile()).setWorkTree(git.root().toFile()).setMustExist(true)
                .build();
    }
}
