package io.github.worktreedb.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.RecordingLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rewrite-env in real git repositories with linked worktrees made by the git command line. */
class RewriteEnvOperationTest {

    static final String MAIN_ENV = "# shop\r\nexport DATABASE_URL=\"postgres://app:s3cr%40t@localhost:5432/shop?sslmode=disable\"\r\n"
            + "ANALYTICS_DATABASE_URL=postgres://app:s3cr%40t@localhost:5432/analytics\r\nPORT=3000 # web\r\nSECRET='a$b#c'";

    @TempDir
    Path tmp;

    GitRepo repo;
    final RecordingLog log = new RecordingLog();
    final List<String> lines = log.lines();

    @BeforeEach
    void repository() {
        repo = GitRepo.init(tmp.resolve("shop"));
        repo.write(".env", MAIN_ENV);
    }

    private RewriteEnvOperation.Result rewrite(Path dir, boolean dryRun) {
        WorktreeDbConfig config = WorktreeDbConfig.builder(dir).dryRun(dryRun).build();
        return new RewriteEnvOperation(WorktreeContext.resolve(config, log), log).run();
    }

    @Test
    void copiesFromTheMainWorktreeAndChangesOnlyTheDatabaseName() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-x"), "feature/x");
        RewriteEnvOperation.Result r = rewrite(wt, false);

        assertThat(r.filesCopied()).isEqualTo(1);
        assertThat(r.valuesChanged()).isEqualTo(1);
        assertThat(Files.readString(wt.resolve(".env"))).isEqualTo(MAIN_ENV.replace("5432/shop?", "5432/shop_feature_x?"));
        assertThat(Files.readString(repo.root().resolve(".env"))).isEqualTo(MAIN_ENV);
        Path original = wt.resolve(".git").toFile().isFile()
                ? Path.of(Files.readString(wt.resolve(".git")).replace("gitdir:", "").strip()).resolve("worktree-db/backup/.env")
                : null;
        assertThat(original).exists();
        assertThat(Files.readString(original)).isEqualTo(MAIN_ENV);
        assertThat(String.join("\n", lines)).doesNotContain("s3cr");
    }

    @Test
    void aSecondRunChangesNothingAndTheMainDatabaseIsStillFound() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-y"), "feature/y");
        rewrite(wt, false);
        String after = Files.readString(wt.resolve(".env"));
        lines.clear();

        RewriteEnvOperation.Result again = rewrite(wt, false);
        assertThat(again.valuesChanged()).isZero();
        assertThat(again.filesCopied()).isZero();
        assertThat(Files.readString(wt.resolve(".env"))).isEqualTo(after);
        assertThat(lines).contains("INFO rewrite-env: .env already point(s) at shop_feature_y; nothing to change");

        WorktreeContext ctx = WorktreeContext.resolve(WorktreeDbConfig.builder(wt).build(), Log.NONE);
        assertThat(ctx.main().name()).isEqualTo("shop");
        // the file that was read, by its real path, and what it is
        assertThat(ctx.main().origin()).isEqualTo(ctx.git().backupOf(".env") + ":2 (DATABASE_URL) - the original of .env, "
                + "kept by rewrite-env");
        assertThat(ctx.git().backupOf(".env")).isRegularFile();
        assertThat(ctx.database()).isEqualTo("shop_feature_y");
    }

    @Test
    void aWorktreeFileIsRewrittenInPlaceKeepingItsOwnOtherSettings() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-own"), "feature/own");
        String own = "DB_HOST=localhost\nDB_NAME=shop\nFEATURE_FLAG=on\n";
        Files.writeString(wt.resolve(".env"), own);
        Files.setPosixFilePermissions(wt.resolve(".env"), PosixFilePermissions.fromString("rw-------"));
        rewrite(wt, false);
        assertThat(Files.readString(wt.resolve(".env"))).isEqualTo(own.replace("DB_NAME=shop", "DB_NAME=shop_feature_own"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wt.resolve(".env")))).isEqualTo("rw-------");
    }

    @Test
    void dryRunPrintsAMaskedDiffAndWritesNothing() {
        Path wt = repo.addWorktree(tmp.resolve("shop-dry"), "feature/dry");
        RewriteEnvOperation.Result r = rewrite(wt, true);
        assertThat(r.valuesChanged()).isZero();
        assertThat(wt.resolve(".env")).doesNotExist();
        String out = String.join("\n", lines);
        assertThat(out).contains("[dry run] Would copy .env from the main worktree");
        assertThat(out).contains("-DATABASE_URL=postgres://app:****@localhost:5432/shop?sslmode=disable");
        assertThat(out).contains("+DATABASE_URL=postgres://app:****@localhost:5432/shop_feature_dry?sslmode=disable");
        assertThat(out).doesNotContain("s3cr");
    }

    @Test
    void aTrackedFileNamingTheMainDatabaseFailsTheGoalUntilItsOverrideIsWritten() throws Exception {
        repo.write("backend/.env", "DATABASE_URL=postgres://app:s3cr%40t@localhost/shop\n");
        repo.git("add", "-f", "backend/.env");
        repo.commitAll("commit an env file");
        Path wt = repo.addWorktree(tmp.resolve("shop-tracked"), "feature/tracked");
        String before = Files.readString(wt.resolve("backend/.env"));
        // the rule: never a success while an env value still names the main database
        assertThatThrownBy(() -> rewrite(wt, false)).isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("backend/.env:1 is tracked by git, so rewrite-env never changes it, but it names the "
                        + "main database shop")
                .hasMessageContaining("DATABASE_URL=postgres://app:****@localhost/shop_feature_tracked")
                .hasMessageContaining("-Dworktree-db.overrideEnvFile=.env.local")
                .hasMessageContaining("Nothing was changed")
                .message().doesNotContain("s3cr");
        assertThat(Files.readString(wt.resolve("backend/.env"))).isEqualTo(before);
        assertThat(wt.resolve(".env")).doesNotExist();

        WorktreeDbConfig config = WorktreeDbConfig.builder(wt).build();
        new RewriteEnvOperation(WorktreeContext.resolve(config, log), log).overrideEnvFile(".env.local").run();
        assertThat(Files.readString(wt.resolve("backend/.env"))).isEqualTo(before);
        assertThat(Files.readString(wt.resolve(".env.local"))).isEqualTo("# for this worktree's database, written by "
                + "worktree-db rewrite-env\nDATABASE_URL=postgres://app:s3cr%40t@localhost/shop_feature_tracked\n");
    }

    @Test
    void aReadOnlyFileIsAClearErrorAndStaysAsItWas() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-ro"), "feature/ro");
        Files.writeString(wt.resolve(".env"), "DATABASE_URL=postgres://localhost/shop\n");
        Files.setPosixFilePermissions(wt.resolve(".env"), PosixFilePermissions.fromString("r--r--r--"));
        assertThatThrownBy(() -> rewrite(wt, false))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining(".env is read-only, so it is left as it is. Make it writable (chmod u+w .env)");
        assertThat(Files.readString(wt.resolve(".env"))).isEqualTo("DATABASE_URL=postgres://localhost/shop\n");
    }

    @Test
    void aFileThatIsNotUtf8IsAClearError() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-latin1"), "feature/latin1");
        byte[] latin1 = "DATABASE_URL=postgres://localhost/shop\nNAME=Caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(wt.resolve(".env"), latin1);
        assertThatThrownBy(() -> rewrite(wt, false)).hasMessageContaining(".env is not UTF-8 text, so it is left as it is");
        assertThat(Files.readAllBytes(wt.resolve(".env"))).isEqualTo(latin1);
    }

    @Test
    void theMainWorktreeIsLeftAlone() throws Exception {
        repo.git("checkout", "-q", "-b", "feature/in-main");
        RewriteEnvOperation.Result r = rewrite(repo.root(), false);
        assertThat(r.mainWorktree()).isTrue();
        assertThat(Files.readString(repo.root().resolve(".env"))).isEqualTo(MAIN_ENV);
    }

    @Test
    void portIndexesAreStableDistinctAndReusedOnlyAfterAWorktreeIsGone() throws Exception {
        repo.write(".env", "DATABASE_URL=postgres://localhost/shop\nPORT=3000\n");
        Path a = repo.addWorktree(tmp.resolve("wt-a"), "a");
        Path b = repo.addWorktree(tmp.resolve("wt-b"), "b");
        assertThat(ports(a)).isEqualTo(1);
        assertThat(ports(b)).isEqualTo(2);
        assertThat(ports(a)).isEqualTo(1);
        assertThat(Files.readString(a.resolve(".env"))).endsWith("PORT=3010\n");
        assertThat(Files.readString(b.resolve(".env"))).endsWith("PORT=3020\n");

        repo.git("worktree", "remove", "--force", a.toString());
        Path c = repo.addWorktree(tmp.resolve("wt-c"), "c");
        assertThat(ports(c)).isEqualTo(1);
        assertThat(ports(b)).isEqualTo(2);
        assertThat(Files.readString(c.resolve(".env"))).endsWith("PORT=3010\n");
    }

    private int ports(Path dir) {
        WorktreeDbConfig config = WorktreeDbConfig.builder(dir).ports(List.of("PORT")).build();
        return new RewriteEnvOperation(WorktreeContext.resolve(config, log), log).run().portIndex();
    }

    @Test
    void trackedFrameworkSettingsAreReportedAndOverriddenInAnUntrackedFileWhenAsked() throws Exception {
        String props = "spring.application.name=shop\nspring.datasource.url=jdbc:postgresql://localhost:5432/shop?sslmode=disable\n"
                + "spring.datasource.username=app\n";
        String yaml = "quarkus:\n  datasource:\n    jdbc:\n      url: jdbc:postgresql://localhost/shop\n";
        repo.write("api/src/main/resources/application.properties", props);
        repo.write("worker/src/main/resources/application-dev.yml", yaml);
        repo.write("backend/.env", "DB_NAME=shop\n");
        repo.git("add", "-f", "backend/.env");
        repo.commitAll("application config");
        Path wt = repo.addWorktree(tmp.resolve("shop-spring"), "feature/spring");

        assertThatThrownBy(() -> rewrite(wt, false)).hasMessageContaining("backend/.env:1 is tracked by git")
                .hasMessageContaining("DB_NAME=shop_feature_spring");
        assertThat(wt.resolve(".env")).doesNotExist();

        lines.clear();
        WorktreeDbConfig config = WorktreeDbConfig.builder(wt).build();
        new RewriteEnvOperation(WorktreeContext.resolve(config, log), log).overrideEnvFile(".env.local").run();
        String out = String.join("\n", lines);
        assertThat(out).contains("WARN api/src/main/resources/application.properties:2 (spring.datasource.url) names the main "
                + "database shop; rewrite-env does not edit tracked application configuration. Instead, set "
                + "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop_feature_spring?sslmode=disable for this worktree");
        assertThat(out).contains("worker/src/main/resources/application-dev.yml:4 (url)")
                .contains("QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://localhost/shop_feature_spring");
        assertThat(Files.readString(wt.resolve(".env.local"))).isEqualTo("""
                # for this worktree's database, written by worktree-db rewrite-env
                DB_NAME=shop_feature_spring
                SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop_feature_spring?sslmode=disable
                QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://localhost/shop_feature_spring
                """);
        assertThat(Files.readString(wt.resolve("api/src/main/resources/application.properties"))).isEqualTo(props);
        assertThat(Files.readString(wt.resolve("backend/.env"))).isEqualTo("DB_NAME=shop\n");
        assertThat(repo.git("-C", wt.toString(), "status", "--porcelain")).isEmpty();

        // once more: nothing changes
        String before = Files.readString(wt.resolve(".env.local"));
        new RewriteEnvOperation(WorktreeContext.resolve(config, log), log).overrideEnvFile(".env.local").run();
        assertThat(Files.readString(wt.resolve(".env.local"))).isEqualTo(before);
    }

    @Test
    void aTrackedOverrideFileIsRefused() {
        repo.write("config.env", "X=1\n");
        repo.commitAll("a committed env file");
        repo.write("backend/.env", "DB_NAME=shop\n");
        repo.git("add", "-f", "backend/.env");
        repo.commitAll("tracked db");
        Path wt = repo.addWorktree(tmp.resolve("shop-ovr"), "feature/ovr");
        WorktreeDbConfig config = WorktreeDbConfig.builder(wt).build();
        assertThatThrownBy(() -> new RewriteEnvOperation(WorktreeContext.resolve(config, log), log).overrideEnvFile("config.env").run())
                .hasMessageContaining("worktree-db.overrideEnvFile=config.env is tracked by git");
    }

    @Test
    void unparseableLinesAreKeptAndReportedWithTheirLine() throws Exception {
        Path wt = repo.addWorktree(tmp.resolve("shop-odd"), "feature/odd");
        String odd = "DATABASE_URL=postgres://localhost/shop\nthis line is not an assignment\nOK=1\n";
        Files.writeString(wt.resolve(".env"), odd);
        rewrite(wt, false);
        assertThat(Files.readString(wt.resolve(".env"))).isEqualTo(odd.replace("/shop\n", "/shop_feature_odd\n"));
        assertThat(lines).contains("WARN .env:2: not a KEY=value line (kept as it is)");
    }

    /**
     * The rule: rewrite-env never succeeds while an env value still names the main database in a form it cannot
     * rewrite. It fails naming file:line, key and why, before it writes anything; status flags the value as [!!].
     */
    @Test
    void aValueItCannotRewriteFailsTheGoalBeforeAnythingIsWrittenAndStatusFlagsIt() throws Exception {
        io.github.worktreedb.testing.TestPostgres pg = io.github.worktreedb.testing.TestPostgres.get();
        var db = pg.createOwnedDatabase("rule", r -> "pw-" + r, null);
        String url = pg.url(db);
        String main = db.database();
        repo.write(".env", "DATABASE_URL=" + url + "\n");
        String backend = "DB_HOST=localhost\nDB_PORT=" + pg.port() + "\nDB_NAME=${PROJECT}\nPROJECT=" + main + "\n";
        repo.write("backend/.env", backend);
        Path wt = repo.addWorktree(tmp.resolve("shop-rule"), "feature/rule");
        try {
            assertThatThrownBy(() -> rewrite(wt, false)).isInstanceOf(WorktreeDbException.class)
                    .hasMessageStartingWith("rewrite-env cannot point every env value at " + main + "_feature_rule:")
                    .hasMessageContaining("backend/.env:3 (DB_NAME) names the main database " + main + ", but its value is "
                            + "${PROJECT}, and PROJECT is not a value rewrite-env changes in this file. Write the database "
                            + "name literally in DB_NAME")
                    .hasMessageContaining("Nothing was changed");
            assertThat(wt.resolve(".env")).as("not even the rewritable file is written").doesNotExist();
            assertThat(wt.resolve("backend/.env")).doesNotExist();
            assertThat(lines).noneMatch(l -> l.contains("nothing to change"));

            // status, on the worktree holding such a file, flags that value
            Files.createDirectories(wt.resolve("backend"));
            Files.writeString(wt.resolve("backend/.env"), backend);
            Files.writeString(wt.resolve(".env"), "DATABASE_URL=" + url + "\n");
            WorktreeContext ctx = WorktreeContext.resolve(WorktreeDbConfig.builder(wt).build(), Log.NONE);
            StatusReport report = new StatusOperation(ctx, Log.NONE, false).run();
            assertThat(report.envFiles()).filteredOn(f -> f.pointsAt().equals("unrewritable")).singleElement()
                    .satisfies(f -> {
                        assertThat(f.file()).isEqualTo("backend/.env");
                        assertThat(f.line()).isEqualTo(3);
                    });
            assertThat(StatusText.render(report)).anySatisfy(l -> assertThat(l).startsWith("  backend/.env:3")
                    .contains("[!!] DB_NAME names the main database " + main + ", but its value is ${PROJECT}"));
            assertThat(report.problems()).anySatisfy(p -> assertThat(p).startsWith("backend/.env:3: DB_NAME names the main "
                    + "database"));

            // written literally, it is rewritten
            String literal = backend.replace("${PROJECT}", main);
            Files.writeString(wt.resolve("backend/.env"), literal);
            rewrite(wt, false);
            assertThat(Files.readString(wt.resolve("backend/.env")))
                    .isEqualTo(literal.replace("DB_NAME=" + main, "DB_NAME=" + main + "_feature_rule"));
        } finally {
            pg.dropDatabase(main);
        }
    }
}
