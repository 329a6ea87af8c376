package io.github.worktreedb.it;

import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.TestPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A sample project for one test: its own login role with a password, its own main database with data,
 * and a git repository whose committed {@code pom.xml} declares the plugin. Env files are gitignored, as in
 * real projects, so a linked worktree starts without them.
 */
public final class Sample {

    static final TestPostgres PG = TestPostgres.get();

    public final String role;
    public final String password;
    public final String main;
    public final GitRepo repo;
    public final Path dir;
    private final String url;
    private final TestPostgres pg;

    private Sample(TestPostgres pg, String name, String pluginConfiguration) {
        // characters that need percent-encoding in a URL and quoting in SQL
        TestPostgres.OwnedDatabase db = pg.createOwnedDatabase("it", r -> "S3cr@t/" + r + ":'%", """
                CREATE TABLE customer(id int PRIMARY KEY, name text NOT NULL);
                CREATE TABLE orders(id int PRIMARY KEY, customer_id int REFERENCES customer, total numeric(10,2));
                CREATE INDEX orders_customer ON orders(customer_id);
                INSERT INTO customer SELECT g, 'customer ' || g FROM generate_series(1, 1000) g;
                INSERT INTO orders SELECT g, 1 + g % 1000, g * 1.5 FROM generate_series(1, 5000) g;
                """);
        this.pg = pg;
        role = db.role();
        password = db.password();
        main = db.database();
        MavenRunner.secret(password);
        url = pg.url(db);
        dir = MavenRunner.workDir().resolve(name + "-" + main);
        delete(dir);
        repo = GitRepo.init(dir.resolve("shop"));
        repo.write("pom.xml", pom(pluginConfiguration));
        repo.commitAll("add the build");
    }

    /** A sample whose POM declares the plugin with this {@code <configuration>/<executions>} XML. */
    public static Sample create(String name, String pluginConfiguration) {
        return new Sample(PG, name, pluginConfiguration);
    }

    public static Sample create(String name) {
        return new Sample(PG, name, "");
    }

    /** A sample whose main database is on another server than the suite's. */
    public static Sample on(TestPostgres server, String name) {
        return new Sample(server, name, "");
    }

    /** Adds a table {@code events} of {@code rows} rows (about 100 bytes each) to the main database, owned by the role. */
    public void addEvents(int rows) {
        try (java.sql.Connection c = pg.admin(main)) {
            c.createStatement().execute("SET ROLE " + role + "; CREATE TABLE events AS SELECT g AS id, md5(g::text) || "
                    + "md5((g * 7)::text) AS payload FROM generate_series(1, " + rows + ") g");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A dump-based {@code mvn worktree-db:clone} running in its own process, caught in the middle of its copy. */
    public record CopyUnderWay(Path worktree, String target, String temp, Process build, Path log) {}

    /**
     * Gives main 1.5 M more rows (so that pg_dump | pg_restore takes a while) and a {@code .env}, starts
     * {@code mvn worktree-db:clone -Dworktree-db.strategy=dump} in a new worktree on {@code branch}, and returns once its
     * temporary database holds more than 20 MB.
     */
    public CopyUnderWay startDumpCloneAndAwaitCopy(String branch) throws Exception {
        addEvents(1_500_000);
        writeMainEnv("DATABASE_URL=" + databaseUrl() + "\n");
        Path wt = worktree(branch);
        String target = io.github.worktreedb.naming.DatabaseNamer.name("${main}_${branch}", main, branch, "");
        Path log = Files.createTempFile("dump-clone", ".log");
        Process build = MavenRunner.start(wt, log, "worktree-db:clone", "-Dworktree-db.strategy=dump");
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline && build.isAlive()) {
            for (String temp : pg.databasesStartingWith("wtdb_tmp_")) {
                if (temp.endsWith(target) && Long.parseLong(pg.queryIn("postgres", pg.format(
                        "SELECT pg_database_size(%L)", temp))) > 20L * 1024 * 1024) {
                    return new CopyUnderWay(wt, target, temp, build, log);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the dump-based copy was not under way within 2 minutes:\n" + Files.readString(log));
    }

    /** {@code DATABASE_URL=postgres://role:password@localhost:port/main} (password percent-encoded). */
    public String databaseUrl() {
        return url;
    }

    /** Writes the main worktree's (gitignored) {@code .env}. */
    public Path writeMainEnv(String content) {
        return repo.write(".env", content);
    }

    /** A base port for worktree servers ({@code isolation=server}) with the next three slots of 10 free. */
    public static int freeServerBase() throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            int base;
            try (ServerSocket s = new ServerSocket(0)) {
                base = Math.min(s.getLocalPort(), 65000) - 40;
            }
            boolean free = true;
            for (int i = 1; i <= 3 && free; i++) {
                try (ServerSocket probe = new ServerSocket(base + 10 * i, 50, InetAddress.getByName("127.0.0.1"))) {
                    probe.setReuseAddress(true);
                } catch (java.io.IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free ports");
    }

    public Path worktree(String branch) {
        return repo.addWorktree(dir.resolve("wt-" + Math.abs(branch.hashCode())), branch);
    }

    public String pom(String pluginConfiguration) {
        return pomDeclaringPlugin(pluginConfiguration);
    }

    /** A {@code pom}-packaged project {@code shop} that declares the plugin under test with this XML inside it. */
    public static String pomDeclaringPlugin(String pluginConfiguration) {
        return """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>it.sample</groupId>
                  <artifactId>shop</artifactId>
                  <version>1.0</version>
                  <packaging>pom</packaging>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>io.github.worktreedb</groupId>
                        <artifactId>worktree-db-maven-plugin</artifactId>
                        <version>%s</version>
                        %s
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(MavenRunner.pluginVersion(), pluginConfiguration);
    }

    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
