package io.github.worktreedb.git;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.History;
import io.github.worktreedb.testing.GitRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every worktree, main or linked, writes the plugin's shared files into one directory of the git common dir. */
class StateDirTest {

    @TempDir
    Path tmp;

    @Test
    void historyAndPortIndexOfEveryWorktreeGoToTheCommonDirsWorktreeDb() throws Exception {
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        Path wt = repo.addWorktree(tmp.resolve("shop-x"), "feature/x");
        GitWorktree main = GitWorktree.of(repo.root(), null);
        GitWorktree linked = GitWorktree.of(wt, null);
        assertThat(PortIndex.of(linked)).isEqualTo(1);
        History.append(linked, "clone", "shop_x", "created", Duration.ofMillis(5), Log.NONE);

        Path expected = repo.root().resolve(".git/worktree-db").toRealPath();
        assertThat(StateDir.of(linked).root().toRealPath()).isEqualTo(StateDir.of(main).root().toRealPath())
                .isEqualTo(expected);
        try (var files = Files.list(expected)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("history.log", "port-index.properties", "port-index.lock");
        }
    }
}
