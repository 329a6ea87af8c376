package io.github.worktreedb.it;

import static io.github.worktreedb.it.MavenRunner.assertCleanFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code mvn worktree-db:clone} in real builds, real linked worktrees, against a real PostgreSQL. */
class CloneIT {

    static final TestPostgres PG = TestPostgres.get();

    /** A worktree on {@code branch} whose database was cloned and then emptied of orders. */
    private static Path clonedThenChanged(Sample s, String branch) throws Exception {
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree(branch);
        MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        String target = r.log().lines().filter(l -> l.contains("Cloned ")).findFirst().orElseThrow()
                .replaceAll(".* → (\\S+) .*", "$1");
        try (Connection c = PG.admin(target)) {
            c.createStatement().execute("DELETE FROM orders");
        }
        return wt;
    }

    @Test
    void clonesInALinkedWorktreeWhoseEnvFileIsOnlyInTheMainWorktreeAndIsIdempotent() throws Exception {
        Sample s = Sample.create("linked");
        Path env = s.writeMainEnv("# app settings\nPORT=3000\nDATABASE_URL=" + s.databaseUrl() + "\n");
        String envBefore = Files.readString(env);
        Path wt = s.worktree("feature/login");
        assertThat(wt.resolve(".env")).doesNotExist();

        MavenRunner.Result first = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(first.succeeded()).as(first.log()).isTrue();
        String target = s.main + "_feature_login";
        assertThat(first.log()).contains("Main database " + s.main + " found in " + env.toRealPath() + ":3 (DATABASE_URL)");
        assertThat(first.log()).containsPattern("Cloned " + s.main + " → " + target + " \\([0-9.]+ [kMG]?B, (wal-log|file-copy|file-copy \\(clone\\)), [0-9.]+ s\\)");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("5000");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("1000");
        assertThat(PG.owner(target)).isEqualTo(s.role);
        Marker marker = Marker.parse(PG.comment(target)).orElseThrow();
        assertThat(marker.source()).isEqualTo(s.main);
        assertThat(marker.branch()).isEqualTo("feature/login");
        assertThat(Path.of(marker.worktree())).isEqualTo(wt.toRealPath());
        assertThat(marker.version()).isEqualTo(MavenRunner.pluginVersion());
        assertThat(Files.readString(env)).isEqualTo(envBefore);
        assertThat(PG.comment(s.main)).isNull();

        // work done in the copy survives a second run, which changes nothing
        try (Connection c = PG.admin(target)) {
            c.createStatement().execute("INSERT INTO customer VALUES (5001, 'made in the worktree')");
        }
        MavenRunner.Result second = MavenRunner.run(wt, "worktree-db:clone");
        assertThat(second.succeeded()).as(second.log()).isTrue();
        assertThat(second.log()).contains("Database " + target + " already exists (created " + marker.createdAt());
        assertThat(PG.queryIn(target, "SELECT count(*) FROM customer")).isEqualTo("1001");
        assertThat(PG.queryIn(s.main, "SELECT count(*) FROM customer")).isEqualTo("1000");
    }

    /** Runs on every PostgreSQL the build tests (14, 15, 18): each says which way it copied, and the rows are the same. */
    @Test
    void eachStrategySaysHowItCopiedAndCopiesTheSameRows() throws Exception {
        Sample s = Sample.create("strategies");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        int version = PG.serverVersionNum();

        MavenRunner.Result fileCopy = MavenRunner.run(s.worktree("strategy/file"), "worktree-db:clone",
                "-Dworktree-db.strategy=file-copy");
        assertThat(fileCopy.succeeded()).as(fileCopy.log()).isTrue();
        // PostgreSQL 18+ clones the files (copy_file_range / reflink) instead of copying them
        assertThat(fileCopy.log()).containsPattern("Cloned " + s.main + " → " + s.main + "_strategy_file \\([^)]*, "
                + java.util.regex.Pattern.quote(version >= 180000 ? "file-copy (clone)" : "file-copy") + ", [0-9.]+ s\\)");
        assertThat(PG.queryIn(s.main + "_strategy_file", "SELECT count(*) FROM orders")).isEqualTo("5000");

        MavenRunner.Result walLog = MavenRunner.run(s.worktree("strategy/wal"), "worktree-db:clone",
                "-Dworktree-db.strategy=wal-log");
        if (version < 150000) {
            assertCleanFailure(walLog, "worktree-db.strategy=wal-log needs PostgreSQL 15 or newer; this server is "
                    + PG.serverVersion());
            assertThat(PG.exists(s.main + "_strategy_wal")).isFalse();
        } else {
            assertThat(walLog.succeeded()).as(walLog.log()).isTrue();
            assertThat(walLog.log()).contains(", wal-log, ");
            assertThat(PG.queryIn(s.main + "_strategy_wal", "SELECT count(*) FROM orders")).isEqualTo("5000");
        }
    }

    /**
     * Runs for real in the PostgreSQL 18 execution: this machine's pg_dump is Debian's 15, and pg_dump refuses servers
     * newer than itself, so a dump-based copy must say which client is needed instead of failing halfway. Skipped where
     * the host's client tools are new enough for the server (the PostgreSQL 14 and 15 executions).
     */
    @Test
    void aDumpWithClientToolsOlderThanTheServerSaysWhichClientToInstall() {
        int serverMajor = PG.serverVersionNum() / 10000;
        int newestClient = io.github.worktreedb.postgres.ClientTools.candidates(null).stream()
                .map(io.github.worktreedb.postgres.ClientTools::probe).filter(java.util.Objects::nonNull)
                .mapToInt(io.github.worktreedb.postgres.ClientTools.Tools::major).max().orElse(0);
        org.junit.jupiter.api.Assumptions.assumeTrue(newestClient < serverMajor,
                "the host's pg_dump " + newestClient + " can copy PostgreSQL " + serverMajor + ": nothing to mismatch");
        Sample s = Sample.create("tools-too-old");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/old-tools");

        MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.strategy=dump");
        assertCleanFailure(r, "A dump-based copy needs pg_dump and pg_restore of PostgreSQL " + serverMajor + " or newer",
                "the server is " + PG.serverVersion(), "Found: " + newestClient + ".",
                "postgresql-client-" + serverMajor, "-Dworktree-db.pgBin");
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main);
        assertThat(PG.databasesStartingWith("wtdb_tmp_")).noneMatch(d -> d.endsWith(s.main + "_feature_old_tools"));
    }

    @Test
    void forceReCreatesOnlyWhenConfirmedInBatchMode() throws Exception {
        Sample s = Sample.create("force");
        Path wt = clonedThenChanged(s, "feature/force");
        String target = s.main + "_feature_force";

        MavenRunner.Result unconfirmed = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.force=true");
        assertThat(unconfirmed.succeeded()).as(unconfirmed.log()).isTrue();
        assertThat(unconfirmed.log()).contains("[WARNING] Drop " + target).contains("Add -Dworktree-db.yes=true to confirm.");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("0");

        MavenRunner.Result dryRun = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.force=true",
                "-Dworktree-db.dryRun=true");
        assertThat(dryRun.log()).contains("[dry run] Drop " + target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("0");

        MavenRunner.Result confirmed = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.force=true",
                "-Dworktree-db.yes=true");
        assertThat(confirmed.succeeded()).as(confirmed.log()).isTrue();
        assertThat(confirmed.log()).contains("Re-created " + s.main + " → " + target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("5000");
    }

    @Test
    void forceInAnInteractiveBuildAsksFirst() throws Exception {
        Sample s = Sample.create("interactive");
        Path wt = clonedThenChanged(s, "feature/ask");
        String target = s.main + "_feature_ask";

        MavenRunner.Result no = MavenRunner.runInteractive(wt, "n\n", "worktree-db:clone", "-Dworktree-db.force=true");
        assertThat(no.succeeded()).as(no.log()).isTrue();
        assertThat(no.log()).contains("Drop " + target).contains("Continue? [y/N]");
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("0");

        MavenRunner.Result yes = MavenRunner.runInteractive(wt, "y\n", "worktree-db:clone", "-Dworktree-db.force=true");
        assertThat(yes.succeeded()).as(yes.log()).isTrue();
        assertThat(yes.log()).contains("Re-created " + s.main + " → " + target);
        assertThat(PG.queryIn(target, "SELECT count(*) FROM orders")).isEqualTo("5000");
    }

    @Test
    void envFilesAndKeyFamiliesAreConfigurable() {
        Sample s = Sample.create("envfiles");
        s.repo.write("config/db.env", "export PGHOST=localhost\nexport PGPORT=" + PG.port() + "\nexport PGDATABASE=" + s.main
                + "\nexport PGUSER=" + s.role + "\nexport PGPASSWORD='" + s.password.replace("'", "") + "'\n");
        s.repo.write(".env", "DATABASE_URL=postgres://nobody@localhost:1/not_this_one\n");
        Path wt = s.worktree("feature/env");
        // single quotes cannot hold a quote: this role gets a password the file can carry
        PG.sql(PG.format("ALTER ROLE %I PASSWORD %L", s.role, s.password.replace("'", "")));
        MavenRunner.secret(s.password.replace("'", ""));
        MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.envFiles=config/db.env,.env");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("found in " + s.repo.root().toAbsolutePath() + "/config/db.env:3 (PGDATABASE)");
        assertThat(PG.exists(s.main + "_feature_env")).isTrue();
    }

    @Test
    void aPasswordGivenOnTheCommandLineWorksAndStaysOutOfTheDebugLog() {
        Sample s = Sample.create("debuglog");
        s.writeMainEnv("DB_NAME=" + s.main + "\nDB_PORT=" + PG.port() + "\nDB_USER=" + s.role + "\n");
        Path wt = s.worktree("feature/debug");
        // MavenRunner fails the test if the password shows anywhere in this -X log
        MavenRunner.Result r = MavenRunner.run(wt, "-X", "worktree-db:clone", "-Dworktree-db.password=" + s.password);
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("(f) password = <password>${worktree-db.password}</password>");
        assertThat(PG.exists(s.main + "_feature_debug")).isTrue();
    }

    @Test
    void theMainWorktreeOnTheMainBranchClonesNothing() {
        Sample s = Sample.create("mainwt");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        MavenRunner.Result r = MavenRunner.run(s.repo.root(), "worktree-db:clone");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("This is the main worktree on the main branch (main): its database is " + s.main
                + " itself, so there is nothing to clone.");
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main);
    }

    @Test
    void aBusyMainDatabaseIsReportedAndTerminateConnectionsGetsThrough() throws Exception {
        Sample s = Sample.create("busy");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/busy");
        try (Connection app = PG.connect(s.main, s.role, s.password)) {
            app.createStatement().execute("SET application_name = 'shop-dev-server'");
            MavenRunner.Result blocked = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.strategy=file-copy");
            assertCleanFailure(blocked, "Cannot copy " + s.main + " while other sessions are connected to it",
                    "shop-dev-server", "-Dworktree-db.terminateConnections=true");
            assertThat(PG.exists(s.main + "_feature_busy")).isFalse();

            MavenRunner.Result through = MavenRunner.run(wt, "worktree-db:clone", "-Dworktree-db.terminateConnections=true");
            assertThat(through.succeeded()).as(through.log()).isTrue();
            assertThat(through.log()).contains("[WARNING] Ended 1 session(s) on " + s.main);
            assertThat(app.isValid(2)).isFalse();
        }
        assertThat(PG.queryIn(s.main + "_feature_busy", "SELECT count(*) FROM orders")).isEqualTo("5000");
    }

    @Test
    void hostileAndVeryLongBranchNamesGetSafeDistinctDatabases() {
        Sample s = Sample.create("hostile");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        String longA = "feature/" + "very-long-branch-name-".repeat(10) + "a";
        String longB = "feature/" + "very-long-branch-name-".repeat(10) + "b";
        String[] branches = {"fix/';DROP-DATABASE-postgres;--", "feat/\"quoted\"$HOME", "feat/ünïcødé", longA, longB};
        java.util.Set<String> made = new java.util.HashSet<>();
        for (String branch : branches) {
            Path wt = s.worktree(branch);
            MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:clone");
            assertThat(r.succeeded()).as(branch + "\n" + r.log()).isTrue();
            String name = r.log().lines().filter(l -> l.contains("Cloned " + s.main + " → ")).findFirst().orElseThrow()
                    .replaceAll(".* → (\\S+) .*", "$1");
            assertThat(name).matches("[a-z_][a-z0-9_]{0,62}");
            assertThat(PG.queryIn(name, "SELECT count(*) FROM orders")).isEqualTo("5000");
            made.add(name);
        }
        assertThat(made).hasSize(branches.length).contains(s.main + "_feat_unicode", s.main + "_feat_quoted_home");
        assertThat(PG.exists("postgres")).isTrue();
    }

    @Test
    void boundToTheLifecycleItPublishesTheDatabaseToLaterPlugins() throws Exception {
        Sample s = Sample.create("lifecycle", """
                <executions>
                  <execution>
                    <goals><goal>clone</goal></goals>
                  </execution>
                </executions>
              </plugin>
              <plugin>
                <artifactId>maven-resources-plugin</artifactId>
                <version>3.5.0</version>
                <executions>
                  <execution>
                    <id>show-database</id>
                    <phase>process-resources</phase>
                    <goals><goal>copy-resources</goal></goals>
                    <configuration>
                      <outputDirectory>${project.build.directory}/db</outputDirectory>
                      <resources><resource><directory>db-template</directory><filtering>true</filtering></resource></resources>
                    </configuration>
                  </execution>
                </executions>
                """);
        s.repo.write("db-template/db.properties", """
                jdbcUrl=${worktree-db.jdbcUrl}
                host=${worktree-db.host}
                port=${worktree-db.port}
                databaseName=${worktree-db.databaseName}
                username=${worktree-db.username}
                passwordMatches=${worktree-db.password}
                """);
        s.repo.commitAll("db template");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/ci");

        MavenRunner.Result r = MavenRunner.run(wt, "process-resources");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("--- worktree-db:" + MavenRunner.pluginVersion() + ":clone (default) @ shop ---");
        Properties published = new Properties();
        try (var in = Files.newBufferedReader(wt.resolve("target/db/db.properties"))) {
            published.load(in);
        }
        String target = s.main + "_feature_ci";
        assertThat(published.getProperty("jdbcUrl")).isEqualTo("jdbc:postgresql://localhost:" + PG.port() + "/" + target);
        assertThat(published.getProperty("host")).isEqualTo("localhost");
        assertThat(published.getProperty("port")).isEqualTo(Integer.toString(PG.port()));
        assertThat(published.getProperty("databaseName")).isEqualTo(target);
        assertThat(published.getProperty("username")).isEqualTo(s.role);
        assertThat(published.getProperty("passwordMatches")).isEqualTo(s.password);
        try (Connection c = PG.connect(target, s.role, s.password)) {
            assertThat(c.isValid(2)).isTrue();
        }
    }

    @Test
    void skipPropertySkipsEvenOutsideGit() throws Exception {
        Path plain = Files.createTempDirectory("worktree-db-skip"); // outside any git repository
        Sample s = Sample.create("skip");
        Files.writeString(plain.resolve("pom.xml"), s.pom(""));
        MavenRunner.Result r = MavenRunner.run(plain, "worktree-db:clone", "-Dworktree-db.skip=true");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(r.log()).contains("Skipping worktree-db (worktree-db.skip=true)");
    }

    // --- bad input: one clear error, nothing created, no password, no stack trace ---

    @Test
    void unreachableServer() {
        Sample s = Sample.create("unreachable");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl().replace(":" + PG.port() + "/", ":1/") + "\n");
        MavenRunner.Result r = MavenRunner.run(s.worktree("feature/x"), "worktree-db:clone");
        assertCleanFailure(r, "Cannot reach PostgreSQL at localhost:1", ".env:1 (DATABASE_URL)", "Is the server running");
    }

    @Test
    void authenticationFailed() {
        Sample s = Sample.create("auth");
        s.writeMainEnv("DB_HOST=localhost\nDB_PORT=" + PG.port() + "\nDB_NAME=" + s.main + "\nDB_USER=" + s.role
                + "\nDB_PASSWORD=wrong-" + s.password + "\n");
        MavenRunner.secret("wrong-" + s.password);
        MavenRunner.Result r = MavenRunner.run(s.worktree("feature/x"), "worktree-db:clone");
        assertCleanFailure(r, "refused the login of user '" + s.role + "'", ".env:3 (DB_NAME)", "-Dworktree-db.serverId");
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main);
    }

    @Test
    void mainDatabaseMissing() {
        Sample s = Sample.create("missing");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "_typo\n");
        MavenRunner.Result r = MavenRunner.run(s.worktree("feature/x"), "worktree-db:clone");
        assertCleanFailure(r, "The main database '" + s.main + "_typo'", "does not exist on localhost:" + PG.port(),
                "Databases there:", s.main);
        assertThat(PG.databasesStartingWith(s.main)).containsExactly(s.main);
    }

    @Test
    void noEnvFileAndNoSetting() {
        Sample s = Sample.create("noenv");
        MavenRunner.Result r = MavenRunner.run(s.worktree("feature/x"), "worktree-db:clone");
        assertCleanFailure(r, "Could not find the main database. Searched:", ".env: not there", "backend/.env: not there",
                "frontend/.env.local: not there", "DATABASE_URL", "PGDATABASE", "-Dworktree-db.url");
    }

    @Test
    void malformedUrlNamesFileAndLine() {
        Sample s = Sample.create("malformed");
        s.writeMainEnv("PORT=8080\n\nDATABASE_URL=" + s.databaseUrl().replace(":" + PG.port() + "/", ":54x2/") + "\n");
        MavenRunner.Result r = MavenRunner.run(s.worktree("feature/x"), "worktree-db:clone");
        assertCleanFailure(r, ".env:3: DATABASE_URL is not a usable PostgreSQL URL: port '54x2' is not a number");
    }

    @Test
    void notInsideAGitRepository() throws Exception {
        Sample s = Sample.create("nogit");
        Path plain = Files.createTempDirectory("worktree-db-nogit"); // outside this repository's own checkout
        Files.writeString(plain.resolve("pom.xml"), s.pom(""));
        Files.writeString(plain.resolve(".env"), "DATABASE_URL=" + s.databaseUrl() + "\n");
        MavenRunner.Result r = MavenRunner.run(plain, "worktree-db:clone");
        assertCleanFailure(r, "is not inside a git working tree");
    }
}
