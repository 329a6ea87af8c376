package io.github.worktreedb.git;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.GitRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GitFiles} reads git's files by hand for the cold start; JGit reads the same repositories as it always did.
 * On repositories made by git, both must give the same {@link GitWorktree}, and the reader must step aside (answer
 * {@code null}) where it is not sure.
 */
class GitFilesTest {

    @TempDir
    Path tmp;

    /** Both readers agree on {@code dir}, and the hand reader did answer. */
    private GitWorktree same(Path dir, String mainBranch) {
        GitWorktree files = GitFiles.read(dir, mainBranch);
        assertThat(files).as("GitFiles reads " + dir).isNotNull();
        assertThat(files).isEqualTo(JGitWorktree.read(dir, mainBranch));
        assertThat(GitWorktree.of(dir, mainBranch)).isEqualTo(files);
        return files;
    }

    @Test
    void mainAndLinkedWorktreesLooseAndPacked() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature/login");
        Path detached = repo.addDetachedWorktree(tmp.resolve("review"));
        Path sub = Files.createDirectories(wt.resolve("backend/src"));

        GitWorktree main = same(repo.root(), null);
        assertThat(main.isMainWorktree()).isTrue();
        assertThat(main.onMainBranch()).isTrue();
        assertThat(main.head()).hasSize(10);
        GitWorktree linked = same(sub, null);
        assertThat(linked.branch()).isEqualTo("feature/login");
        assertThat(linked.root()).isEqualTo(wt.toAbsolutePath().normalize());
        assertThat(same(detached, null).isDetached()).isTrue();
        same(wt, "develop");

        // every ref packed: the loose files are gone, packed-refs holds them
        repo.git("pack-refs", "--all");
        assertThat(repo.root().resolve(".git/refs/heads/main")).doesNotExist();
        assertThat(same(repo.root(), null).head()).isEqualTo(main.head());
        assertThat(same(sub, null).head()).isEqualTo(linked.head());

        // a new commit on the branch makes a loose ref again, newer than the packed one
        GitRepo.run(wt, "commit", "-q", "--allow-empty", "-m", "second");
        assertThat(same(wt, null).head()).isNotEqualTo(linked.head());
    }

    @Test
    void mainBranchFromOriginHeadMasterOrTrunk() {
        GitRepo origin = GitRepo.init(tmp.resolve("origin"));
        origin.git("branch", "-m", "main", "develop");
        GitRepo.run(tmp, "clone", "-q", origin.root().toString(), "clone");
        Path clone = tmp.resolve("clone");
        assertThat(same(clone, null).mainBranch()).isEqualTo("develop");

        GitRepo legacy = GitRepo.init(tmp.resolve("legacy"));
        legacy.git("branch", "-m", "main", "master");
        assertThat(same(legacy.root(), null).mainBranch()).isEqualTo("master");
        legacy.git("branch", "-m", "master", "trunk");
        legacy.git("pack-refs", "--all");
        assertThat(same(legacy.root(), null).mainBranch()).isEqualTo("trunk");
        legacy.git("branch", "-m", "trunk", "work");
        assertThat(same(legacy.root(), null).mainBranch()).isEqualTo("main");
    }

    @Test
    void unbornBranchAndRelativeGitdir() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        GitRepo.run(empty, "init", "-q", "-b", "main");
        GitWorktree fresh = same(empty, null);
        assertThat(fresh.head()).isNull();
        assertThat(fresh.branch()).isEqualTo("main");

        // newer git can write a linked worktree's .git file with a relative path
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-rel"), "rel");
        Files.writeString(wt.resolve(".git"), "gitdir: ../shop/.git/worktrees/shop-rel\n");
        assertThat(same(wt, null).gitDir()).isEqualTo(repo.root().resolve(".git/worktrees/shop-rel").toAbsolutePath());
    }

    @Test
    void reachedThroughASymlink() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature");
        Path viaLink = Files.createSymbolicLink(tmp.resolve("link-to-feature"), wt);
        Path mainViaLink = Files.createSymbolicLink(tmp.resolve("link-to-shop"), repo.root());
        same(viaLink, null);
        same(mainViaLink, null);
    }

    @Test
    void worktreeOfABareRepository() {
        GitRepo origin = GitRepo.init(tmp.resolve("origin"));
        GitRepo.run(tmp, "clone", "-q", "--bare", origin.root().toString(), "shop.git");
        GitRepo.run(tmp.resolve("shop.git"), "worktree", "add", "-q", "-b", "feature", tmp.resolve("wt").toString());
        GitWorktree wt = same(tmp.resolve("wt"), null);
        assertThat(wt.root()).isEqualTo(tmp.resolve("wt").toAbsolutePath());
        assertThat(wt.mainRoot()).isNull();
        assertThat(wt.branch()).isEqualTo("feature");
    }

    @Test
    void aMovedWorktreeIsWhereItsGitFileIsAsGitHasIt() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature");
        Path moved = Files.move(wt, tmp.resolve("elsewhere"));
        GitWorktree files = GitFiles.read(moved, null);
        assertThat(files).isNotNull();
        assertThat(files.root()).isEqualTo(moved.toAbsolutePath()).hasToString(GitRepo.run(moved, "rev-parse", "--show-toplevel"));
        assertThat(files.branch()).isEqualTo("feature");
    }

    @Test
    void separateGitDirAndSubmoduleAreJGits() throws Exception {
        Path sep = Files.createDirectories(tmp.resolve("sep"));
        GitRepo.run(sep, "init", "-q", "-b", "main", "--separate-git-dir", tmp.resolve("sep.git").toString());
        assertThat(GitFiles.read(sep, null)).isNull();

        GitRepo lib = GitRepo.init(tmp.resolve("lib"));
        GitRepo app = GitRepo.init(tmp.resolve("app"));
        app.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.root().toString(), "lib");
        assertThat(GitFiles.read(app.root().resolve("lib"), null)).isNull();
        assertThat(GitWorktree.of(app.root().resolve("lib"), null).root()).isEqualTo(app.root().resolve("lib").toAbsolutePath());
    }

    @Test
    void stepsAsideWhereItIsNotSure() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature");

        repo.git("config", "extensions.worktreeConfig", "true");
        assertThat(GitFiles.read(wt, null)).isNull();
        assertThat(GitWorktree.of(wt, null).branch()).isEqualTo("feature");
        repo.git("config", "--unset", "extensions.worktreeConfig");
        assertThat(GitFiles.read(wt, null)).isNotNull();

        // git allows a key on the section header's line
        Path config = repo.root().resolve(".git/config");
        String original = Files.readString(config);
        Files.writeString(config, original + "[core] bare = true\n");
        assertThat(GitFiles.read(repo.root(), null)).isNull();
        Files.writeString(config, original);

        repo.git("config", "include.path", "other.config");
        assertThat(GitFiles.read(repo.root(), null)).isNull();
        repo.git("config", "--unset", "include.path");

        // reftable (git 2.45+): this machine's git cannot make one, so its directory stands for it
        Files.createDirectories(repo.root().resolve(".git/reftable"));
        assertThat(GitFiles.read(repo.root(), null)).isNull();
        Files.delete(repo.root().resolve(".git/reftable"));

        Files.writeString(repo.root().resolve(".git/refs/heads/main"), "not an id\n");
        assertThat(GitFiles.read(repo.root(), null)).isNull();

        Path plain = Files.createDirectories(tmp.resolve("plain"));
        assertThat(GitFiles.read(plain, null)).isNull();
    }
}
