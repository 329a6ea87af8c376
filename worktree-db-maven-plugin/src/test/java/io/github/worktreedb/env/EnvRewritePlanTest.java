package io.github.worktreedb.env;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Dotenv;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvRewritePlanTest {

    static final ConnectionSpec MAIN = DatabaseUrls.parse("postgres://app:pw@localhost:5432/shop");
    static final String TARGET = "shop_feature_x";

    private static EnvRewritePlan plan(String content) {
        return EnvRewritePlan.of(Dotenv.parse(Path.of(".env"), content), MAIN, TARGET, Map.of());
    }

    /**
     * The conventions real projects ship, one a row, written from each one's documentation (the first argument names
     * it): the file before, and byte for byte after.
     */
    static Stream<Arguments> conventions() {
        return Stream.of(
                Arguments.of("docker-compose: the URL's password is a reference to a key below it",
                        "DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/shop\nPOSTGRES_PASSWORD=pw\n",
                        "DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/shop_feature_x\nPOSTGRES_PASSWORD=pw\n"),
                Arguments.of("docker-compose: a reference set nowhere, in double quotes, with a default",
                        "DATABASE_URL=\"postgres://${DB_USER:-app}:${DB_PASS}@localhost:5432/shop?sslmode=disable\"\n",
                        "DATABASE_URL=\"postgres://${DB_USER:-app}:${DB_PASS}@localhost:5432/shop_feature_x?sslmode=disable\"\n"),
                Arguments.of("SQLAlchemy engine docs: postgresql+psycopg2",
                        "SQLALCHEMY_DATABASE_URI=postgresql+psycopg2://scott:tiger@localhost/shop\n",
                        "SQLALCHEMY_DATABASE_URI=postgresql+psycopg2://scott:tiger@localhost/shop_feature_x\n"),
                Arguments.of("SQLAlchemy asyncio (FastAPI): postgresql+asyncpg; the sync URL for Alembic beside it",
                        "DATABASE_URL=postgresql+asyncpg://app:pw@127.0.0.1:5432/shop\nALEMBIC_URL=postgresql+psycopg://app:pw@127.0.0.1:5432/shop\n",
                        "DATABASE_URL=postgresql+asyncpg://app:pw@127.0.0.1:5432/shop_feature_x\nALEMBIC_URL=postgresql+psycopg://app:pw@127.0.0.1:5432/shop_feature_x\n"),
                Arguments.of("Phoenix config/runtime.exs: ecto://USER:PASS@HOST/DATABASE",
                        "export DATABASE_URL=ecto://postgres:postgres@localhost/shop\n",
                        "export DATABASE_URL=ecto://postgres:postgres@localhost/shop_feature_x\n"),
                Arguments.of("Celery result backend: db+postgresql",
                        "CELERY_BROKER_URL=redis://localhost:6379/0\nCELERY_RESULT_BACKEND=db+postgresql://app:pw@localhost/shop\n",
                        "CELERY_BROKER_URL=redis://localhost:6379/0\nCELERY_RESULT_BACKEND=db+postgresql://app:pw@localhost/shop_feature_x\n"),
                Arguments.of("Airflow: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow:airflow@localhost/shop\n",
                        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow:airflow@localhost/shop_feature_x\n"),
                Arguments.of("Django with django-environ: psql:// and postgis://",
                        "DATABASE_URL=psql://app:pw@127.0.0.1:5432/shop\nGIS_DATABASE_URL=postgis://app:pw@127.0.0.1:5432/shop\n",
                        "DATABASE_URL=psql://app:pw@127.0.0.1:5432/shop_feature_x\nGIS_DATABASE_URL=postgis://app:pw@127.0.0.1:5432/shop_feature_x\n"),
                Arguments.of("Hasura: the metadata database and PG_DATABASE_URL, any key naming the same database",
                        "HASURA_GRAPHQL_METADATA_DATABASE_URL=postgres://postgres:pw@localhost:5432/shop\nPG_DATABASE_URL=postgres://postgres:pw@localhost:5432/shop\n",
                        "HASURA_GRAPHQL_METADATA_DATABASE_URL=postgres://postgres:pw@localhost:5432/shop_feature_x\nPG_DATABASE_URL=postgres://postgres:pw@localhost:5432/shop_feature_x\n"),
                Arguments.of("Prisma: DATABASE_URL with ?schema=, DIRECT_URL; the shadow database stays",
                        "DATABASE_URL=\"postgresql://app:pw@localhost:5432/shop?schema=public\"\nDIRECT_URL=\"postgresql://app:pw@localhost:5432/shop\"\nSHADOW_DATABASE_URL=\"postgresql://app:pw@localhost:5432/shop_shadow\"\n",
                        "DATABASE_URL=\"postgresql://app:pw@localhost:5432/shop_feature_x?schema=public\"\nDIRECT_URL=\"postgresql://app:pw@localhost:5432/shop_feature_x\"\nSHADOW_DATABASE_URL=\"postgresql://app:pw@localhost:5432/shop_shadow\"\n"),
                Arguments.of("Keycloak: KC_DB_URL with KC_DB_USERNAME; KC_DB names the product and stays",
                        "KC_DB=postgres\nKC_DB_URL=jdbc:postgresql://localhost/shop\nKC_DB_USERNAME=app\n",
                        "KC_DB=postgres\nKC_DB_URL=jdbc:postgresql://localhost/shop_feature_x\nKC_DB_USERNAME=app\n"),
                Arguments.of("Keycloak: KC_DB_URL_HOST, KC_DB_URL_DATABASE",
                        "KC_DB=postgres\nKC_DB_URL_HOST=localhost\nKC_DB_URL_DATABASE=shop\n",
                        "KC_DB=postgres\nKC_DB_URL_HOST=localhost\nKC_DB_URL_DATABASE=shop_feature_x\n"),
                Arguments.of("Quarkus: QUARKUS_DATASOURCE_JDBC_URL",
                        "QUARKUS_DATASOURCE_DB_KIND=postgresql\nQUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://localhost:5432/shop\n",
                        "QUARKUS_DATASOURCE_DB_KIND=postgresql\nQUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://localhost:5432/shop_feature_x\n"),
                Arguments.of("Spring Boot: SPRING_DATASOURCE_URL with credentials beside it",
                        "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop\nSPRING_DATASOURCE_USERNAME=app\nSPRING_DATASOURCE_PASSWORD=shop\n",
                        "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop_feature_x\nSPRING_DATASOURCE_USERNAME=app\nSPRING_DATASOURCE_PASSWORD=shop\n"),
                Arguments.of("Laravel .env.example: DB_CONNECTION=pgsql, DB_DATABASE",
                        "DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_PORT=5432\nDB_DATABASE=shop\nDB_USERNAME=app\nDB_PASSWORD=pw\n",
                        "DB_CONNECTION=pgsql\nDB_HOST=127.0.0.1\nDB_PORT=5432\nDB_DATABASE=shop_feature_x\nDB_USERNAME=app\nDB_PASSWORD=pw\n"),
                Arguments.of("Laravel on MySQL: nothing is PostgreSQL",
                        "DB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=5432\nDB_DATABASE=shop\n",
                        "DB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=5432\nDB_DATABASE=shop\n"),
                Arguments.of("Immich example.env: DB_DATABASE_NAME with DB_HOSTNAME",
                        "DB_HOSTNAME=localhost\nDB_USERNAME=postgres\nDB_DATABASE_NAME=shop\n",
                        "DB_HOSTNAME=localhost\nDB_USERNAME=postgres\nDB_DATABASE_NAME=shop_feature_x\n"),
                Arguments.of("Polar: POLAR_POSTGRES_DATABASE with its own host; a read replica elsewhere stays",
                        "POLAR_POSTGRES_HOST=127.0.0.1\nPOLAR_POSTGRES_DATABASE=shop\nPOLAR_POSTGRES_READ_HOST=replica.example.com\nPOLAR_POSTGRES_READ_DATABASE=shop\n",
                        "POLAR_POSTGRES_HOST=127.0.0.1\nPOLAR_POSTGRES_DATABASE=shop_feature_x\nPOLAR_POSTGRES_READ_HOST=replica.example.com\nPOLAR_POSTGRES_READ_DATABASE=shop\n"),
                Arguments.of("FastAPI full-stack template: POSTGRES_SERVER is the host",
                        "POSTGRES_SERVER=localhost\nPOSTGRES_PORT=5432\nPOSTGRES_DB=shop\n",
                        "POSTGRES_SERVER=localhost\nPOSTGRES_PORT=5432\nPOSTGRES_DB=shop_feature_x\n"),
                Arguments.of("FastAPI full-stack template: POSTGRES_SERVER on another host stays",
                        "POSTGRES_SERVER=db.example.com\nPOSTGRES_DB=shop\n",
                        "POSTGRES_SERVER=db.example.com\nPOSTGRES_DB=shop\n"),
                Arguments.of("Rails: a read replica URL on the same server names the same database",
                        "DATABASE_URL=postgres://app@localhost/shop\nREAD_REPLICA_DATABASE_URL=postgres://app@127.0.0.1:5432/shop\n",
                        "DATABASE_URL=postgres://app@localhost/shop_feature_x\nREAD_REPLICA_DATABASE_URL=postgres://app@127.0.0.1:5432/shop_feature_x\n"),
                Arguments.of("names that only look alike stay: project, app, other stores",
                        "COMPOSE_PROJECT_NAME=shop\nAPP_NAME=shop\nREDIS_DB=shop\nMONGO_DATABASE=shop\n",
                        "COMPOSE_PROJECT_NAME=shop\nAPP_NAME=shop\nREDIS_DB=shop\nMONGO_DATABASE=shop\n"),
                Arguments.of("libpq keyword/value connection string (PostgreSQL docs 34.1.1.1; psycopg, Go lib/pq dsn)",
                        "DATABASE_DSN=\"host=localhost port=5432 dbname=shop user=app password=pw sslmode=disable\"\n",
                        "DATABASE_DSN=\"host=localhost port=5432 dbname=shop_feature_x user=app password=pw sslmode=disable\"\n"),
                Arguments.of("libpq keyword/value with a quoted dbname; another host stays",
                        "PG_DSN=\"host=127.0.0.1 dbname='shop'\"\nREMOTE_DSN=\"host=db.example.com dbname=shop\"\n",
                        "PG_DSN=\"host=127.0.0.1 dbname='shop_feature_x'\"\nREMOTE_DSN=\"host=db.example.com dbname=shop\"\n"),
                Arguments.of("Npgsql connection string in an ASP.NET Core variable (ConnectionStrings__Default)",
                        "ConnectionStrings__Default=Host=localhost;Port=5432;Database=shop;Username=app;Password=pw\n",
                        "ConnectionStrings__Default=Host=localhost;Port=5432;Database=shop_feature_x;Username=app;Password=pw\n"),
                Arguments.of("a name key that follows another one stays a reference",
                        "DB_DATABASE=shop\nPOSTGRES_DB=${DB_DATABASE}\n",
                        "DB_DATABASE=shop_feature_x\nPOSTGRES_DB=${DB_DATABASE}\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("conventions")
    void rewritesEachConventionByteForByte(String convention, String before, String after) {
        rewritesOnlyTheMainDatabaseName(convention, before, after);
        assertThat(plan(before).problems()).isEmpty();
    }

    /** The rule: a value that names the main database and that the plan cannot rewrite is a problem, never skipped. */
    static Stream<Arguments> unrewritable() {
        return Stream.of(
                Arguments.of("the database name is a reference to a key that is not a database name",
                        "APP=shop\nDATABASE_URL=postgres://app@localhost/${APP}\n", 2, "DATABASE_URL",
                        "its database name is ${APP}, and APP is not a value rewrite-env changes in this file"),
                Arguments.of("the whole URL is assembled from references",
                        "PG_BASE=postgres://app@localhost:5432\nDATABASE_URL=${PG_BASE}/shop\n", 2, "DATABASE_URL",
                        "its URL is assembled from ${PG_BASE}, so its database name cannot be changed in place"),
                Arguments.of("a name key built from another key",
                        "PROJECT=shop\nDB_NAME=${PROJECT}\n", 2, "DB_NAME",
                        "its value is ${PROJECT}, and PROJECT is not a value rewrite-env changes in this file"),
                Arguments.of("a name key with text around a reference",
                        "PREFIX=sh\nPOSTGRES_DB=${PREFIX}op\n", 2, "POSTGRES_DB", "its value is ${PREFIX}op"),
                Arguments.of("a libpq connection string whose dbname is a reference",
                        "APP=shop\nPG_DSN=\"host=localhost dbname=${APP}\"\n", 2, "PG_DSN",
                        "its dbname is written with references, quotes or escapes"),
                Arguments.of("a reference set only in the environment",
                        "DATABASE_URL=postgres://app@localhost/${MAIN_DB}\n", 1, "DATABASE_URL",
                        "its database name is ${MAIN_DB}, and MAIN_DB is not a value rewrite-env changes in this file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unrewritable")
    void aValueNamingTheMainDatabaseThatCannotBeRewrittenIsAProblem(String name, String content, int line, String key,
            String reason) {
        EnvRewritePlan plan = EnvRewritePlan.of(Dotenv.parse(Path.of(".env"), content), MAIN, TARGET, Map.of("MAIN_DB", "shop"));
        assertThat(plan.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(line);
            assertThat(p.key()).isEqualTo(key);
            assertThat(p.reason()).startsWith(reason);
        });
        assertThat(plan.edits()).noneMatch(e -> e.entry().key().equals(key));
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("encoded password, query kept",
                        "DATABASE_URL=postgres://app:p%40ss%2Fw@localhost:5432/shop?sslmode=disable&application_name=web\n",
                        "DATABASE_URL=postgres://app:p%40ss%2Fw@localhost:5432/shop_feature_x?sslmode=disable&application_name=web\n"),
                Arguments.of("CRLF, comments, export, double quotes",
                        "# Local settings\r\n\r\nexport DATABASE_URL=\"postgresql://app:pw@127.0.0.1/shop\"\r\nPORT=3000\r\n",
                        "# Local settings\r\n\r\nexport DATABASE_URL=\"postgresql://app:pw@127.0.0.1/shop_feature_x\"\r\nPORT=3000\r\n"),
                Arguments.of("single quotes and an inline comment",
                        "DATABASE_URL='postgres://app@localhost/shop'   # main db\n",
                        "DATABASE_URL='postgres://app@localhost/shop_feature_x'   # main db\n"),
                Arguments.of("JDBC with credentials in the query",
                        "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop?user=app&password=p%26w\n",
                        "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop_feature_x?user=app&password=p%26w\n"),
                Arguments.of("JDBC short form", "JDBC_DATABASE_URL=jdbc:postgresql:shop\n",
                        "JDBC_DATABASE_URL=jdbc:postgresql:shop_feature_x\n"),
                Arguments.of("dbname parameter wins over the path",
                        "DATABASE_URL=postgresql://localhost/other?dbname=shop&sslmode=prefer\n",
                        "DATABASE_URL=postgresql://localhost/other?dbname=shop_feature_x&sslmode=prefer\n"),
                Arguments.of("socket URL is the local server",
                        "DATABASE_URL=postgresql:///shop?host=/var/run/postgresql\n",
                        "DATABASE_URL=postgresql:///shop_feature_x?host=/var/run/postgresql\n"),
                Arguments.of("IPv6 loopback", "DATABASE_URL=postgresql://app@[::1]:5432/shop\n",
                        "DATABASE_URL=postgresql://app@[::1]:5432/shop_feature_x\n"),
                Arguments.of("several URLs; only the main database's change",
                        "DATABASE_URL=postgres://app@localhost/shop\nANALYTICS_DATABASE_URL=postgres://app@localhost/analytics\n"
                                + "TEST_DATABASE_URL=postgres://app@localhost/shop\nREDIS_URL=redis://localhost:6379/0\n",
                        "DATABASE_URL=postgres://app@localhost/shop_feature_x\nANALYTICS_DATABASE_URL=postgres://app@localhost/analytics\n"
                                + "TEST_DATABASE_URL=postgres://app@localhost/shop_feature_x\nREDIS_URL=redis://localhost:6379/0\n"),
                Arguments.of("another server with the same database name stays",
                        "STAGING_DATABASE_URL=postgres://app@db.staging.example.com/shop\nOTHER_PORT_URL=postgres://app@localhost:5433/shop\n",
                        "STAGING_DATABASE_URL=postgres://app@db.staging.example.com/shop\nOTHER_PORT_URL=postgres://app@localhost:5433/shop\n"),
                Arguments.of("DB_* keys", "DB_HOST=localhost\nDB_PORT=5432\nDB_NAME=shop\nDB_USER=app\nDB_PASSWORD=shop\n",
                        "DB_HOST=localhost\nDB_PORT=5432\nDB_NAME=shop_feature_x\nDB_USER=app\nDB_PASSWORD=shop\n"),
                Arguments.of("DB_NAME on another host stays", "DB_HOST=prod.example.com\nDB_NAME=shop\n",
                        "DB_HOST=prod.example.com\nDB_NAME=shop\n"),
                Arguments.of("PG and POSTGRES keys, quoted", "PGDATABASE=\"shop\"\nPOSTGRES_DB='shop'\nPOSTGRES_USER=app\n",
                        "PGDATABASE=\"shop_feature_x\"\nPOSTGRES_DB='shop_feature_x'\nPOSTGRES_USER=app\n"),
                Arguments.of("prefixed name keys", "READ_DB_HOST=localhost\nREAD_DB_NAME=shop\n",
                        "READ_DB_HOST=localhost\nREAD_DB_NAME=shop_feature_x\n"),
                Arguments.of("URL built from other keys follows them",
                        "DB_NAME=shop\nDATABASE_URL=postgres://app@localhost/${DB_NAME}\n",
                        "DB_NAME=shop_feature_x\nDATABASE_URL=postgres://app@localhost/${DB_NAME}\n"),
                Arguments.of("no final newline, odd characters elsewhere",
                        "SECRET=\"a$b#c'd\\\"e\"\nDATABASE_URL=postgres://app@localhost/shop",
                        "SECRET=\"a$b#c'd\\\"e\"\nDATABASE_URL=postgres://app@localhost/shop_feature_x"),
                Arguments.of("unparseable lines are kept verbatim", "this is not an assignment\nDATABASE_URL=postgres://localhost/shop\n=x\n",
                        "this is not an assignment\nDATABASE_URL=postgres://localhost/shop_feature_x\n=x\n"),
                Arguments.of("multi-line value before the URL",
                        "CERT=\"-----BEGIN-----\nabc\n-----END-----\"\nDATABASE_URL=postgres://localhost/shop\n",
                        "CERT=\"-----BEGIN-----\nabc\n-----END-----\"\nDATABASE_URL=postgres://localhost/shop_feature_x\n"),
                Arguments.of("a database whose name contains the main name",
                        "DB_NAME=shop\nSHOP_ARCHIVE_URL=postgres://localhost/shop_archive\n",
                        "DB_NAME=shop_feature_x\nSHOP_ARCHIVE_URL=postgres://localhost/shop_archive\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void rewritesOnlyTheMainDatabaseName(String name, String before, String after) {
        EnvRewritePlan plan = plan(before);
        assertThat(plan.problems()).isEmpty();
        assertThat(plan.apply(before)).isEqualTo(after);
        // idempotent: the result has nothing left to change
        EnvRewritePlan again = plan(after);
        assertThat(again.changes()).isFalse();
        assertThat(again.apply(after)).isEqualTo(after);
    }

    @Test
    void notesWhatItLeavesAndCountsWhatIsAlreadyDone() {
        EnvRewritePlan plan = plan("""
                DATABASE_URL=postgres://app@localhost/shop_feature_x
                ANALYTICS_DATABASE_URL=postgres://app:secret@localhost/analytics
                BROKEN_URL=postgres://app:secret@localhost:99x/shop
                """);
        assertThat(plan.changes()).isFalse();
        assertThat(plan.alreadyTarget()).isEqualTo(1);
        assertThat(plan.notes()).containsExactly(
                "line 2: ANALYTICS_DATABASE_URL points at the database analytics, not shop; left as it is",
                "line 3: BROKEN_URL is not a usable PostgreSQL URL (port '99x' is not a number from 1 to 65535); left as it is");
        assertThat(String.join("\n", plan.notes())).doesNotContain("secret");
    }

    @Test
    void offsetsPointAtTheRawValue() {
        String content = "A=plain\nexport B = \"quoted \\\"x\\\"\"  # c\nC='single' \r\nD=multi # comment\n";
        Dotenv env = Dotenv.parse(Path.of(".env"), content);
        assertThat(env.entries()).extracting(e -> content.substring(e.valueStart(), e.valueEnd()))
                .containsExactly("plain", "quoted \\\"x\\\"", "single", "multi");
        assertThat(env.entries()).extracting(Dotenv.Entry::quote).containsExactly((char) 0, '"', '\'', (char) 0);
    }
}
