package io.github.worktreedb.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.testing.GitRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitWorktreeTest {

    @TempDir
    Path tmp;

    @Test
    void mainWorktreeOnMainBranch() {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        GitWorktree git = GitWorktree.of(repo.root(), null);
        assertThat(git.isMainWorktree()).isTrue();
        assertThat(git.branch()).isEqualTo("main");
        assertThat(git.mainBranch()).isEqualTo("main");
        assertThat(git.onMainBranch()).isTrue();
        assertThat(git.root()).isEqualTo(repo.root().toAbsolutePath().normalize());
        assertThat(git.mainRoot()).isEqualTo(git.root());
    }

    @Test
    void linkedWorktreeKnowsItsBranchAndTheMainWorktree() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-feature"), "feature/login");
        Path sub = Files.createDirectories(wt.resolve("backend/src"));
        GitWorktree git = GitWorktree.of(sub, null);
        assertThat(git.isMainWorktree()).isFalse();
        assertThat(git.root()).isEqualTo(wt.toAbsolutePath().normalize());
        assertThat(git.branch()).isEqualTo("feature/login");
        assertThat(git.mainRoot()).isEqualTo(repo.root().toAbsolutePath().normalize());
        assertThat(git.commonDir()).isEqualTo(repo.root().resolve(".git").toAbsolutePath().normalize());
        assertThat(git.gitDir()).isNotEqualTo(git.commonDir());
        assertThat(git.onMainBranch()).isFalse();
        assertThat(git.head()).isNotBlank();
    }

    @Test
    void detachedHeadIsNamedAfterTheWorktreeDirectory() {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addDetachedWorktree(tmp.resolve("review-pr-42"));
        GitWorktree git = GitWorktree.of(wt, null);
        assertThat(git.isDetached()).isTrue();
        assertThat(git.branchOrDirectory()).isEqualTo("review-pr-42");
    }

    @Test
    void mainBranchFollowsMasterAndConfiguration() {
        GitRepo repo = GitRepo.init(tmp.resolve("legacy"));
        repo.git("branch", "-m", "main", "master");
        assertThat(GitWorktree.of(repo.root(), null).mainBranch()).isEqualTo("master");
        assertThat(GitWorktree.of(repo.root(), "develop").mainBranch()).isEqualTo("develop");
        assertThat(GitWorktree.of(repo.root(), "develop").onMainBranch()).isFalse();
    }

    @Test
    void outsideGitIsAClearError() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("not-a-repo"));
        assertThatThrownBy(() -> GitWorktree.of(plain, null))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("is not inside a git working tree")
                .hasMessageContaining("git worktree add");
    }
}
