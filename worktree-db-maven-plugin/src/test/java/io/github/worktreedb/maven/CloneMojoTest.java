package io.github.worktreedb.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.TestPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.maven.api.plugin.testing.InjectMojo;
import org.apache.maven.api.plugin.testing.MojoParameter;
import org.apache.maven.api.plugin.testing.MojoTest;
import org.apache.maven.execution.DefaultMavenExecutionRequest;
import org.apache.maven.execution.DefaultMavenExecutionResult;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.model.Model;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.Server;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clone goal as Maven wires it: parameters from the POM and properties, settings.xml credentials through
 * the real SettingsDecrypter, skip, error mapping and the published project properties. The database and the
 * git worktree are real.
 */
@MojoTest
class CloneMojoTest {

    static final TestPostgres PG = TestPostgres.get();

    @TempDir
    Path tmp;

    String role;
    String password;
    String main;
    GitRepo repo;
    Path worktree;

    @BeforeEach
    void setUp() {
        var db = PG.createOwnedDatabase("mojo", r -> "pw-" + r, "CREATE TABLE t(x int); INSERT INTO t VALUES (1), (2)");
        role = db.role();
        password = db.password();
        main = db.database();
        repo = GitRepo.init(tmp.resolve("shop"));
        worktree = repo.addWorktree(tmp.resolve("shop-wire"), "wire/me");
    }

    /** Points the injected mojo at a real project in the worktree and a real session with these servers. */
    private void inWorktree(AbstractWorktreeDbMojo mojo, Server... servers) throws Exception {
        Model model = new Model();
        model.setGroupId("test");
        model.setArtifactId("sample");
        model.setVersion("1");
        MavenProject project = new MavenProject(model);
        Files.writeString(worktree.resolve("pom.xml"), "<project/>");
        project.setFile(worktree.resolve("pom.xml").toFile());
        DefaultMavenExecutionRequest request = new DefaultMavenExecutionRequest();
        request.setInteractiveMode(false);
        request.setServers(List.of(servers));
        mojo.project = project;
        mojo.session = new MavenSession(null, null, request, new DefaultMavenExecutionResult());
    }

    @Test
    @InjectMojo(goal = "clone")
    void publishesTheWorktreeDatabaseToTheProject(CloneMojo mojo) throws Exception {
        inWorktree(mojo);
        mojo.url = "postgres://" + role + ":" + password + "@localhost:" + PG.port() + "/" + main;
        mojo.execute();

        String target = main + "_wire_me";
        assertThat(PG.queryIn(target, "SELECT count(*) FROM t")).isEqualTo("2");
        var props = mojo.project.getProperties();
        assertThat(props.getProperty("worktree-db.jdbcUrl")).isEqualTo("jdbc:postgresql://localhost:" + PG.port() + "/" + target);
        assertThat(props.getProperty("worktree-db.host")).isEqualTo("localhost");
        assertThat(props.getProperty("worktree-db.port")).isEqualTo(Integer.toString(PG.port()));
        assertThat(props.getProperty("worktree-db.databaseName")).isEqualTo(target);
        assertThat(props.getProperty("worktree-db.username")).isEqualTo(role);
        assertThat(props.getProperty("worktree-db.password")).isEqualTo(password);
    }

    @Test
    @InjectMojo(goal = "clone")
    void takesCredentialsFromASettingsServer(CloneMojo mojo) throws Exception {
        Server server = new Server();
        server.setId("local-pg");
        server.setUsername(role);
        server.setPassword(password);
        inWorktree(mojo, server);
        mojo.url = "jdbc:postgresql://localhost:" + PG.port() + "/" + main;
        mojo.serverId = "local-pg";
        mojo.execute();
        assertThat(PG.exists(main + "_wire_me")).isTrue();
        assertThat(mojo.project.getProperties().getProperty("worktree-db.username")).isEqualTo(role);
    }

    @Test
    @InjectMojo(goal = "clone")
    void unknownServerIdIsAFailureTheUserCanFix(CloneMojo mojo) throws Exception {
        inWorktree(mojo);
        mojo.url = "jdbc:postgresql://localhost:" + PG.port() + "/" + main;
        mojo.serverId = "nope";
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("worktree-db.serverId='nope' names no <server> in settings.xml");
    }

    @Test
    @InjectMojo(goal = "clone")
    @MojoParameter(name = "strategy", value = "copy-quickly")
    void badStrategyIsAFailure(CloneMojo mojo) throws Exception {
        inWorktree(mojo);
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("worktree-db.strategy='copy-quickly' is not a strategy. Use one of: auto, wal-log, file-copy, dump.");
    }

    @Test
    @InjectMojo(goal = "clone")
    void unreachableServerIsAnExecutionErrorNamingHostAndPort(CloneMojo mojo) throws Exception {
        inWorktree(mojo);
        mojo.url = "postgres://" + role + ":" + password + "@127.0.0.1:1/" + main;
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoExecutionException.class)
                .hasMessageContaining("Cannot reach PostgreSQL at 127.0.0.1:1 (from -Dworktree-db.url)")
                .message().doesNotContain(password);
    }

    @Test
    @InjectMojo(goal = "clone")
    @MojoParameter(name = "connectTimeout", value = "1")
    void aServerThatNeverAnswersFailsWithinSecondsInsteadOfHanging(CloneMojo mojo) throws Exception {
        inWorktree(mojo);
        // accepts TCP connections (the kernel's backlog) but never speaks PostgreSQL
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            mojo.url = "postgres://" + role + ":" + password + "@127.0.0.1:" + silent.getLocalPort() + "/" + main;
            long start = System.nanoTime();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () ->
                    assertThatThrownBy(mojo::execute).isInstanceOf(MojoExecutionException.class)
                            .hasMessageContaining("Cannot reach PostgreSQL at 127.0.0.1:" + silent.getLocalPort())
                            .hasMessageContaining("no answer within 1 s"));
            System.out.printf("silent server: gave up after %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
    }

    @Test
    @InjectMojo(goal = "clone")
    @MojoParameter(name = "skip", value = "true")
    void skipDoesNothingAtAll(CloneMojo mojo) throws Exception {
        mojo.project = new MavenProject();
        mojo.project.setFile(new File(tmp.toFile(), "nowhere/pom.xml")); // not even a git repository
        mojo.execute();
        assertThat(mojo.project.getProperties()).doesNotContainKey("worktree-db.jdbcUrl");
    }

    @Test
    @InjectMojo(goal = "clone")
    void defaultsMatchTheDocumentedInterface(CloneMojo mojo) {
        assertThat(mojo.envFiles).containsExactly(".env", "backend/.env", "frontend/.env.local");
        assertThat(mojo.namePattern).isEqualTo("${main}_${branch}");
        assertThat(mojo.strategy).isEqualTo("auto");
        assertThat(mojo.maintenanceDatabase).isEqualTo("postgres");
        assertThat(mojo.connectTimeout).isEqualTo(10);
        assertThat(mojo.force).isFalse();
        assertThat(mojo.yes).isFalse();
        assertThat(mojo.skip).isFalse();
    }
}
