package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Zero configuration on the conventions real projects ship, end to end: one sample project, whose main worktree's
 * env files follow one convention after the other; for each, a new linked worktree and one real build with
 * {@code clone} and {@code rewrite-env} bound, then the worktree's database on the server and its env files byte for
 * byte. Each build must log in with the credentials the convention keeps beside the database setting.
 */
class ConventionsIT {

    static final TestPostgres PG = TestPostgres.get();

    /** One main database and login role for every convention of this class. */
    static final Sample S = Sample.create("conventions", RewriteEnvIT.BOUND);

    private static String encodedPassword() {
        return URLEncoder.encode(S.password, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Writes the main worktree's env files, makes a worktree on {@code branch}, builds it once, and checks that the
     * worktree's database was cloned and that each env file became exactly what {@code after} says.
     */
    private static MavenRunner.Result cloneAndRewrite(String branch, Map<String, String> before, Map<String, String> after)
            throws Exception {
        for (String f : new String[] {".env", "backend/.env", "frontend/.env.local"}) {
            Files.deleteIfExists(S.repo.root().resolve(f));
        }
        before.forEach(S.repo::write);
        Path wt = S.worktree(branch);
        String target = S.main + "_" + branch.replace('/', '_');
        MavenRunner.Result r = MavenRunner.run(wt, "initialize");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(PG.exists(target)).as("the worktree's database " + target).isTrue();
        for (var e : after.entrySet()) {
            assertThat(Files.readString(wt.resolve(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(Files.readString(S.repo.root().resolve(e.getKey()))).as("main's " + e.getKey())
                    .isEqualTo(before.get(e.getKey()));
        }
        return r;
    }

    /** Spring Boot, Keycloak, Quarkus: JDBC URLs without credentials, the user and password in the keys beside them. */
    @Test
    void jdbcUrlsWithCredentialsBesideThem() throws Exception {
        String jdbc = "jdbc:postgresql://localhost:" + PG.port() + "/" + S.main;
        String env = "SPRING_DATASOURCE_URL=" + jdbc + "\n"
                + "SPRING_DATASOURCE_USERNAME=" + S.role + "\n"
                + "SPRING_DATASOURCE_PASSWORD=\"" + S.password + "\"\n"
                + "KC_DB=postgres\n"
                + "KC_DB_URL=" + jdbc + "\n"
                + "QUARKUS_DATASOURCE_JDBC_URL=" + jdbc + "?sslmode=disable\n";
        String target = S.main + "_feature_java";
        MavenRunner.Result r = cloneAndRewrite("feature/java", Map.of(".env", env),
                Map.of(".env", env.replace("/" + S.main + "\n", "/" + target + "\n").replace("/" + S.main + "?", "/" + target + "?")));
        assertThat(r.log()).contains("found in " + S.repo.root().toRealPath().resolve(".env") + ":1 (SPRING_DATASOURCE_URL), "
                + "user from SPRING_DATASOURCE_USERNAME (line 2), password from SPRING_DATASOURCE_PASSWORD (line 3)")
                .contains("SPRING_DATASOURCE_URL (line 1), KC_DB_URL (line 5), QUARKUS_DATASOURCE_JDBC_URL (line 6) changed for "
                        + target);
    }

    /**
     * docker-compose, SQLAlchemy/Alembic, Celery: driver-qualified schemes, credentials that are references to a key
     * below them. The references stay byte for byte; only the database name changes.
     */
    @Test
    void driverQualifiedUrlsWithReferencedCredentials() throws Exception {
        String host = "localhost:" + PG.port() + "/";
        String env = "POSTGRES_USER=" + S.role + "\n"
                + "DATABASE_URL=postgresql+asyncpg://" + S.role + ":${POSTGRES_PASSWORD}@" + host + S.main + "\n"
                + "SQLALCHEMY_DATABASE_URI=\"postgresql+psycopg2://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:" + PG.port()
                + "/" + S.main + "\"\n"
                + "CELERY_RESULT_BACKEND=db+postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@" + host + S.main + "\n"
                + "POSTGRES_PASSWORD=" + encodedPassword() + "\n";
        String target = S.main + "_feature_python";
        cloneAndRewrite("feature/python", Map.of(".env", env),
                Map.of(".env", env.replace("/" + S.main + "\n", "/" + target + "\n").replace("/" + S.main + "\"", "/" + target + "\"")));
    }

    /**
     * Laravel's DB_* family (DB_CONNECTION=pgsql, DB_DATABASE, DB_USERNAME), with Phoenix's ecto:// and Hasura's key in
     * the other env files.
     */
    @Test
    void keyFamiliesAndUrlsInAnyKey() throws Exception {
        String laravel = "APP_NAME=" + S.main + "\nDB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_PORT=" + PG.port()
                + "\nDB_DATABASE=" + S.main + "\nDB_USERNAME=" + S.role + "\nDB_PASSWORD=\"" + S.password + "\"\n";
        String ecto = "DATABASE_URL=ecto://" + S.role + ":" + encodedPassword() + "@localhost:" + PG.port() + "/" + S.main
                + "\r\nSECRET_KEY_BASE=x\r\n";
        String hasura = "HASURA_GRAPHQL_DATABASE_URL=postgres://" + S.role + ":" + encodedPassword() + "@localhost:" + PG.port()
                + "/" + S.main;
        String target = S.main + "_feature_families";
        MavenRunner.Result r = cloneAndRewrite("feature/families",
                Map.of(".env", laravel, "backend/.env", ecto, "frontend/.env.local", hasura),
                Map.of(".env", laravel.replace("DB_DATABASE=" + S.main, "DB_DATABASE=" + target),
                        "backend/.env", ecto.replace("/" + S.main + "\r", "/" + target + "\r"),
                        "frontend/.env.local", hasura + "_feature_families"));
        assertThat(r.log()).contains(":5 (DB_DATABASE), user from DB_USERNAME (line 6), password from DB_PASSWORD (line 7)")
                .contains("rewrite-env: changed 3 value(s) in 3 file(s) for " + target);
    }

    /** The rule: a value naming the main database in a form rewrite-env cannot change fails the build; nothing is written. */
    @Test
    void aValueItCannotRewriteFailsTheBuild() throws Exception {
        for (String f : new String[] {".env", "backend/.env", "frontend/.env.local"}) {
            Files.deleteIfExists(S.repo.root().resolve(f));
        }
        S.writeMainEnv("APP=" + S.main + "\nDATABASE_URL=postgres://" + S.role + ":" + encodedPassword() + "@localhost:"
                + PG.port() + "/${APP}\n");
        Path wt = S.worktree("feature/rule");
        MavenRunner.Result r = MavenRunner.run(wt, "worktree-db:rewrite-env");
        MavenRunner.assertCleanFailure(r, "rewrite-env cannot point every env value at " + S.main + "_feature_rule:");
        assertThat(r.log()).contains(".env:2 (DATABASE_URL) names the main database " + S.main + ", but its database name "
                + "is ${APP}, and APP is not a value rewrite-env changes in this file")
                .doesNotContain("nothing to change");
        assertThat(wt.resolve(".env")).doesNotExist();
    }
}
