package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listings ask for one kind of marked database: a snapshot, a half-made copy, or a kind a newer plugin adds is never
 * listed by {@code status} nor dropped by {@code cleanup} as a stale worktree database, even when everything else
 * about it (this repository, a branch and worktree that are gone) would make it one.
 */
class OwnedKindsTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    @Test
    void onlyWorktreeDatabasesAreListedAndCleanedUp() {
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase("kinds", r -> "pw-" + r, "CREATE TABLE t(x int)");
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        WorktreeDbConfig config = WorktreeDbConfig.builder(repo.root()).yes(true).build();
        WorktreeContext ctx = WorktreeContext.resolve(config, Log.NONE);
        String repository = ctx.git().commonDir().toString();
        String prefix = main.database() + "_k_";
        // everything a stale worktree database has: this repository, a branch and a worktree that are gone
        String stale = "{\"tool\":\"worktree-db\",\"version\":\"t\",\"source\":\"" + main.database() + "\",\"branch\":\"gone/x\","
                + "\"worktree\":\"" + tmp.resolve("gone") + "\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"strategy\":\"wal-log\","
                + "\"repository\":\"" + repository + "\"";
        for (String kind : List.of("worktree", "snapshot", "in-progress", "export-cache")) {
            String name = prefix + kind.replace('-', '_');
            PG.createDatabase(name, main.role(), "SELECT 1");
            PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", name, stale + ",\"kind\":\"" + kind + "\"}"));
        }
        assertThat(Marker.parse(PG.comment(prefix + "export_cache")).orElseThrow().kind()).isEqualTo(Marker.Kind.OTHER);
        assertThat(Marker.parse(PG.comment(prefix + "snapshot")).orElseThrow().kind()).isEqualTo(Marker.Kind.SNAPSHOT);

        StatusReport status = new StatusOperation(ctx, Log.NONE, true).run();
        assertThat(status.otherDatabases()).extracting(StatusReport.OtherDatabase::name)
                .filteredOn(n -> n.startsWith(prefix)).containsExactly(prefix + "worktree");

        CleanupOperation.Result r = new CleanupOperation(ctx, Log.NONE, Confirmation.NOBODY, CleanupOperation.When.EITHER,
                false).run(false);
        assertThat(r.dropped()).filteredOn(n -> n.startsWith(prefix)).containsExactly(prefix + "worktree");
        assertThat(PG.databasesStartingWith(prefix)).containsExactlyInAnyOrder(prefix + "snapshot", prefix + "in_progress",
                prefix + "export_cache");
    }

    /** A drop that fails (here: the database belongs to a role this user is no member of) is in the result, with why. */
    @Test
    void aFailedDropIsInTheResult() {
        TestPostgres.OwnedDatabase main = PG.createOwnedDatabase("fail", r -> "pw-" + r, "SELECT 1");
        TestPostgres.OwnedDatabase stranger = PG.createOwnedDatabase("stranger", r -> "pw-" + r, "SELECT 1");
        GitRepo repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + PG.url(main) + "\n");
        WorktreeContext ctx = WorktreeContext.resolve(WorktreeDbConfig.builder(repo.root()).yes(true).build(), Log.NONE);
        String name = main.database() + "_theirs";
        PG.createDatabase(name, stranger.role(), "SELECT 1");
        PG.sql(PG.format("COMMENT ON DATABASE %I IS %L", name, new Marker(Marker.TOOL, "t", main.database(), "gone/y",
                tmp.resolve("gone-y").toString(), "2026-01-01T00:00:00Z", "wal-log", ctx.git().commonDir().toString(), false)
                .toJson()));
        try {
            CleanupOperation.Result r = new CleanupOperation(ctx, Log.NONE, Confirmation.NOBODY,
                    CleanupOperation.When.EITHER, false).run(false);
            assertThat(r.dropped()).doesNotContain(name);
            assertThat(r.failed()).singleElement().satisfies(f -> {
                assertThat(f.name()).isEqualTo(name);
                assertThat(f.reason()).contains("must be owner");
            });
            assertThat(PG.exists(name)).isTrue();
        } finally {
            PG.dropDatabase(name);
        }
    }
}
