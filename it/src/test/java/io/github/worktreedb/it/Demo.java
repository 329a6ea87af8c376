package io.github.worktreedb.it;

import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.TestPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code ./mvnw verify -Pdemo}: the plugin's main job end to end on a machine with nothing installed.
 * Starts a PostgreSQL (embedded unless one is given, see {@link TestPostgres}), makes a main database
 * {@code shop} with data, a git repository whose gitignored {@code .env} points at it, a linked worktree
 * on {@code feature/login}, and runs {@code mvn worktree-db:clone} there, twice.
 */
public final class Demo {

    public static void main(String[] args) throws Exception {
        TestPostgres pg = TestPostgres.get();
        try {
            run(pg);
        } finally {
            // runs inside the outer Maven (exec:java): stop the server here, so that Maven goes on and ends as usual
            pg.close();
        }
    }

    private static void run(TestPostgres pg) {
        String main = pg.exists("shop") ? TestPostgres.uniqueName("shop") : "shop";
        String role = TestPostgres.uniqueName("shop_app");
        String password = "demo-" + TestPostgres.uniqueName("pw");
        MavenRunner.secret(password);
        pg.createRole(role, password);
        say("1. Main database '" + main + "' on PostgreSQL " + pg.serverVersion() + " (" + pg.provider() + ", port " + pg.port()
                + ")");
        pg.createDatabase(main, role, """
                CREATE TABLE customer(id int PRIMARY KEY, email text UNIQUE NOT NULL);
                CREATE TABLE orders(id bigint PRIMARY KEY, customer_id int REFERENCES customer, total numeric(10,2),
                                    placed_at timestamptz NOT NULL);
                CREATE INDEX orders_customer ON orders(customer_id);
                INSERT INTO customer SELECT g, 'customer' || g || '@example.com' FROM generate_series(1, 10000) g;
                INSERT INTO orders SELECT g, 1 + g % 10000, (g % 997) * 1.25, now() - g * interval '1 minute'
                  FROM generate_series(1, 200000) g;
                """);

        Path work = MavenRunner.workDir();
        Sample.delete(work);
        GitRepo repo = GitRepo.init(work.resolve("shop"));
        repo.write("pom.xml", Sample.pomDeclaringPlugin(""));
        repo.commitAll("the shop's build");
        repo.write(".env", "# gitignored, so only the main worktree has it\nDATABASE_URL=postgres://" + role + ":"
                + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@localhost:" + pg.port() + "/" + main + "\n");
        say("2. Git repository " + repo.root() + " with a gitignored .env (DATABASE_URL=postgres://" + role
                + ":****@localhost:" + pg.port() + "/" + main + ")");

        Path wt = repo.addWorktree(work.resolve("shop-feature-login"), "feature/login");
        say("3. git worktree add " + wt + " -b feature/login   (the new worktree has no .env)");

        say("4. mvn worktree-db:clone   (in the linked worktree)");
        MavenRunner.Result first = MavenRunner.run(wt, Demo::echoPluginLines, "worktree-db:clone");
        if (!first.succeeded()) {
            throw new IllegalStateException("the demo build failed");
        }

        say("5. mvn worktree-db:clone   (again: the database is kept)");
        MavenRunner.Result second = MavenRunner.run(wt, "worktree-db:clone");
        second.log().lines().filter(l -> l.contains("already exists") || l.contains("BUILD"))
                .forEach(l -> System.out.println("   | " + l));

        String target = main + "_feature_login";
        say("6. On the server now:");
        System.out.printf(Locale.ROOT, "   %-28s %10s %8s  %s%n", "database", "size", "orders", "worktree-db marker");
        for (String db : new String[] {main, target}) {
            String size = pg.queryIn(db, "SELECT pg_size_pretty(pg_database_size(current_database()))");
            String orders = pg.queryIn(db, "SELECT count(*) FROM orders");
            String marker = Marker.parse(pg.comment(db))
                    .map(m -> "from " + m.source() + ", branch " + m.branch() + ", " + m.createdAt())
                    .orElse("(none: never dropped by the plugin)");
            System.out.printf(Locale.ROOT, "   %-28s %10s %8s  %s%n", db, size, orders, marker);
        }
        say("Done. The worktree's build can now use ${worktree-db.jdbcUrl} = jdbc:postgresql://localhost:" + pg.port() + "/"
                + target);
    }

    private static boolean inGoal;

    /** Echoes what the goal printed, its warnings and errors, and how the build ended; not Maven's other lines. */
    private static void echoPluginLines(String line) {
        if (line.startsWith("[INFO] --- ")) {
            inGoal = line.contains("worktree-db");
        } else if (line.startsWith("[INFO] ---") || line.startsWith("[INFO] Total time")) {
            inGoal = false;
        }
        if (inGoal && !line.isBlank() && !line.equals("[INFO] ") || line.startsWith("[WARNING]") || line.startsWith("[ERROR]")
                || line.contains("BUILD ")) {
            System.out.println("   | " + line);
        }
    }

    private static void say(String text) {
        System.out.println();
        System.out.println("[demo] " + text);
    }
}
