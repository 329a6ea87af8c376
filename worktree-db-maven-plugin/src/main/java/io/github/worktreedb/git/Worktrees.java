package io.github.worktreedb.git;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The live worktrees of a repository (what {@code git worktree list} shows, read from git's own records in the common
 * dir, since JGit has no worktree listing), and the files of a directory as another worktree sees it.
 */
public final class Worktrees {

    /**
     * One live worktree.
     *
     * @param root its top directory
     * @param branch the branch it has checked out, or {@code null} when its HEAD is detached
     * @param head the commit its HEAD points at, or {@code null} in an empty repository
     * @param main whether it is the main worktree
     */
    public record Live(Path root, String branch, String head, boolean main) {

        /** The branch, or for a detached HEAD the abbreviated commit. */
        public String label() {
            return branch != null ? branch : "detached " + (head == null ? "HEAD" : head.substring(0, Math.min(10, head.length())));
        }
    }

    private Worktrees() {}

    /** Every live worktree of {@code git}'s repository, this one included, the main worktree first. */
    public static List<Live> of(GitWorktree git) {
        List<Live> out = new ArrayList<>();
        try (Repository repo = new FileRepositoryBuilder().setGitDir(git.commonDir().toFile()).setMustExist(true).build()) {
            if (git.mainRoot() != null && Files.isDirectory(git.mainRoot())) {
                out.add(read(repo, git.mainRoot(), git.commonDir().resolve(Constants.HEAD), true));
            }
            Path records = git.commonDir().resolve("worktrees");
            if (Files.isDirectory(records)) {
                List<Live> linked = new ArrayList<>();
                try (Stream<Path> dirs = Files.list(records)) {
                    for (Path record : (Iterable<Path>) dirs::iterator) {
                        Path gitdirFile = record.resolve("gitdir");
                        if (!Files.isRegularFile(gitdirFile) || !Files.isRegularFile(record.resolve(Constants.HEAD))) {
                            continue;
                        }
                        Path dotGit = Path.of(Files.readString(gitdirFile).strip());
                        if (Files.exists(dotGit)) {
                            linked.add(read(repo, dotGit.toAbsolutePath().normalize().getParent(),
                                    record.resolve(Constants.HEAD), false));
                        }
                    }
                }
                linked.sort(Comparator.comparing(l -> l.root().toString()));
                out.addAll(linked);
            }
        } catch (IOException | RuntimeException e) {
            throw WorktreeDbException.environment("Could not read the worktrees of " + git.commonDir() + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Live read(Repository repo, Path root, Path headFile, boolean main) throws IOException {
        String head = Files.readString(headFile, StandardCharsets.UTF_8).strip();
        if (head.startsWith("ref: ")) {
            String ref = head.substring(5).strip();
            ObjectId id = repo.resolve(ref);
            String branch = ref.startsWith(Constants.R_HEADS) ? ref.substring(Constants.R_HEADS.length()) : null;
            return new Live(root, branch, id == null ? null : id.name(), main);
        }
        return new Live(root, null, head, main);
    }

    /**
     * The names of the files directly in {@code dir} (relative to the repository root) as {@code worktree} has them:
     * those committed at its HEAD (read from git, no checkout) and those in its directory, committed or not. Sorted.
     */
    public static List<String> filesIn(GitWorktree git, Live worktree, String dir) {
        TreeSet<String> out = new TreeSet<>();
        String rel = dir.replace(java.io.File.separatorChar, '/');
        if (worktree.head() != null) {
            try (Repository repo = new FileRepositoryBuilder().setGitDir(git.commonDir().toFile()).setMustExist(true).build()) {
                ObjectId tree = repo.resolve(worktree.head() + "^{tree}");
                if (tree != null) {
                    try (TreeWalk walk = rel.isEmpty() ? null : TreeWalk.forPath(repo, rel, tree)) {
                        ObjectId dirTree = rel.isEmpty() ? tree : walk != null && walk.isSubtree() ? walk.getObjectId(0) : null;
                        if (dirTree != null) {
                            try (TreeWalk children = new TreeWalk(repo)) {
                                children.addTree(dirTree);
                                children.setRecursive(false);
                                while (children.next()) {
                                    if (!children.isSubtree()) {
                                        out.add(children.getNameString());
                                    }
                                }
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw WorktreeDbException.environment("Could not read " + dir + " at " + worktree.label() + ": "
                        + e.getMessage(), e);
            }
        }
        Path onDisk = worktree.root().resolve(dir);
        if (Files.isDirectory(onDisk)) {
            try (Stream<Path> files = Files.list(onDisk)) {
                files.filter(Files::isRegularFile).forEach(f -> out.add(f.getFileName().toString()));
            } catch (IOException e) {
                // an unreadable directory adds nothing; what git holds is still compared
            }
        }
        return new ArrayList<>(out);
    }
}
