package io.github.worktreedb.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.Isolation;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.Worktrees;
import io.github.worktreedb.testing.GitRepo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cross-worktree comparison, on real git repositories with real linked worktrees (no database: Flyway info absent). */
class MigrationCoordinationTest {

    static final String DIR = "db/migration/";

    @TempDir
    Path tmp;

    private GitRepo repo;
    private Path a;
    private Path b;

    /** main: V1, V2. feat/a: V5__a (committed). feat/b: V5__b (committed), V6__b_more (not committed). main then: V3. */
    private void twoFeatureBranches() {
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(DIR + "V1__init.sql", "");
        repo.write(DIR + "V2__points.sql", "");
        repo.commitAll("V1, V2");
        a = repo.addWorktree(tmp.resolve("shop-a"), "feat/a");
        b = repo.addWorktree(tmp.resolve("shop-b"), "feat/b");
        write(a, "V5__a_feature.sql");
        GitRepo.run(a, "add", "-A");
        GitRepo.run(a, "commit", "-q", "-m", "a");
        write(b, "V5__b_feature.sql");
        GitRepo.run(b, "add", "-A");
        GitRepo.run(b, "commit", "-q", "-m", "b");
        write(b, "V6__b_more.sql");
        repo.write(DIR + "V3__main_later.sql", "");
        repo.commitAll("V3");
    }

    private static void write(Path wt, String file) {
        try {
            java.nio.file.Files.createDirectories(wt.resolve(DIR));
            java.nio.file.Files.writeString(wt.resolve(DIR + file), "SELECT 1;\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static MigrationCoordination.Report analyse(Path wt) {
        GitWorktree git = GitWorktree.of(wt, null);
        return MigrationCoordination.analyse(git, List.of(git.root().resolve(DIR)), null, Map.of(), false);
    }

    @Test
    void theLiveWorktreesWithTheirBranches() {
        twoFeatureBranches();
        List<Worktrees.Live> live = Worktrees.of(GitWorktree.of(a, null));
        assertThat(live).extracting(Worktrees.Live::branch).containsExactly("main", "feat/a", "feat/b");
        assertThat(live.get(0).main()).isTrue();
        assertThat(Worktrees.filesIn(GitWorktree.of(a, null), live.get(2), DIR))
                .containsExactly("V1__init.sql", "V2__points.sql", "V5__b_feature.sql", "V6__b_more.sql");
    }

    @Test
    void aCollisionIsSeenFromEitherWorktreeAndUncommittedFilesOfTheOtherCount() {
        twoFeatureBranches();
        MigrationCoordination.Report fromA = analyse(a);
        assertThat(fromA.comparedWith()).containsExactly(new MigrationCoordination.Compared("feat/b", "../shop-b", 4));
        assertThat(fromA.collisions()).extracting(MigrationCoordination.Collision::text)
                .containsExactly("V5: here V5__a_feature.sql, on feat/b (worktree ../shop-b) V5__b_feature.sql");
        assertThat(fromA.order()).extracting(MigrationCoordination.Order::text).containsExactly("V5__a_feature.sql is below V6 "
                + "(V6__b_more.sql on feat/b (worktree ../shop-b)): a database that applies V6 first skips V5 unless "
                + "-Dworktree-db.outOfOrder=true. Rename it above V6, e.g. V7__a_feature.sql");
        assertThat(fromA.mergePreview().toApply()).containsExactly("V3 (V3__main_later.sql)");

        MigrationCoordination.Report fromB = analyse(b);
        assertThat(fromB.collisions()).extracting(MigrationCoordination.Collision::text)
                .containsExactly("V5: here V5__b_feature.sql, on feat/a (worktree ../shop-a) V5__a_feature.sql");
        assertThat(fromB.order()).isEmpty();
        assertThat(fromB.hasCollisionOrOrderProblem()).isTrue();
    }

    @Test
    void aVersionBelowOneOnTheMainBranchIsAnOrderProblemAndTheMainWorktreeIsComparedAsTheMainBranch() {
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(DIR + "V1__init.sql", "");
        repo.commitAll("V1");
        Path c = repo.addWorktree(tmp.resolve("shop-c"), "feat/c");
        write(c, "V2__c_feature.sql");
        repo.write(DIR + "V3__main_later.sql", "");
        repo.commitAll("V3");
        MigrationCoordination.Report r = analyse(c);
        assertThat(r.comparedWith()).isEmpty();
        assertThat(r.collisions()).isEmpty();
        assertThat(r.order()).singleElement().satisfies(o -> {
            assertThat(o.above()).isEqualTo("3");
            assertThat(o.where()).isEqualTo("on main");
            assertThat(o.rename()).isEqualTo("V4__c_feature.sql");
        });
        assertThat(analyse(repo.root()).order()).isEmpty(); // on main, nothing is above V3 elsewhere
    }

    @Test
    void isolationLevelsAreParsed() {
        assertThat(Isolation.parse(null)).isEqualTo(Isolation.DATABASE);
        assertThat(Isolation.parse(" Shared ")).isEqualTo(Isolation.SHARED);
        assertThat(Isolation.parse("server")).isEqualTo(Isolation.SERVER);
        assertThatThrownBy(() -> Isolation.parse("schema")).isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("Use database (the default), shared or server");
    }
}
