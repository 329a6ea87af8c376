package io.github.worktreedb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.core.WorktreeDbException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvDatabaseSettingsTest {

    private static Optional<EnvDatabaseSettings.Found> find(String content) {
        return EnvDatabaseSettings.find(Dotenv.parse(Path.of(".env"), content.replace("\\n", "\n")), ".env", Map.of());
    }

    /**
     * The env files real projects ship, one convention a row, written from each convention's documentation (named in
     * the first column). The expected columns are what the plugin connects to.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
        Laravel, .env.example and "Database: Getting Started" (DB_CONNECTION=pgsql) | DB_CONNECTION=pgsql\\nDB_HOST=127.0.0.1\\nDB_PORT=5432\\nDB_DATABASE=laravel\\nDB_USERNAME=root\\nDB_PASSWORD=pw | DB_DATABASE | 4 | 127.0.0.1 | 5432 | laravel | root | pw
        Immich, docker/example.env: DB_DATABASE_NAME, DB_USERNAME, DB_PASSWORD (DB_HOSTNAME in docker-compose) | DB_PASSWORD=postgres\\nDB_USERNAME=postgres\\nDB_DATABASE_NAME=immich\\nDB_HOSTNAME=127.0.0.1 | DB_DATABASE_NAME | 3 | 127.0.0.1 | 5432 | immich | postgres | postgres
        Rails guides, "Configuring a Database": DATABASE_URL="postgresql://localhost/my_database" | RAILS_ENV=development\\nDATABASE_URL="postgresql://localhost/my_database" | DATABASE_URL | 2 | localhost | 5432 | my_database | null | null
        Phoenix/Ecto, config/runtime.exs: DATABASE_URL=ecto://USER:PASS@HOST/DATABASE | DATABASE_URL=ecto://postgres:postgres@localhost/hello_dev\\nSECRET_KEY_BASE=abc  | DATABASE_URL | 1 | localhost | 5432 | hello_dev | postgres | postgres
        Django with dj-database-url: DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/NAME | DJANGO_DEBUG=1\\nDATABASE_URL=postgres://django:pw@127.0.0.1:5433/mysite | DATABASE_URL | 2 | 127.0.0.1 | 5433 | mysite | django | pw
        Django settings reading POSTGRES_* (Docker’s "Quickstart: Compose and Django") | POSTGRES_NAME=postgres\\nPOSTGRES_USER=postgres\\nPOSTGRES_PASSWORD=postgres\\nPOSTGRES_HOST=localhost | POSTGRES_NAME | 1 | localhost | 5432 | postgres | postgres | postgres
        FastAPI full-stack template, .env: POSTGRES_SERVER is the host | POSTGRES_SERVER=db\\nPOSTGRES_PORT=5432\\nPOSTGRES_DB=app\\nPOSTGRES_USER=postgres\\nPOSTGRES_PASSWORD=changethis | POSTGRES_DB | 3 | db | 5432 | app | postgres | changethis
        SQLAlchemy / Flask-SQLAlchemy: SQLALCHEMY_DATABASE_URI with a driver-qualified scheme | SQLALCHEMY_DATABASE_URI=postgresql+psycopg2://scott:tiger@localhost/mydatabase | SQLALCHEMY_DATABASE_URI | 1 | localhost | 5432 | mydatabase | scott | tiger
        FastAPI + SQLAlchemy asyncio: postgresql+asyncpg | DATABASE_URL=postgresql+asyncpg://app:pw@localhost:5432/fastapi\\nTEST_DATABASE_URL=postgresql+asyncpg://app:pw@localhost:5432/fastapi_test | DATABASE_URL | 1 | localhost | 5432 | fastapi | app | pw
        Alembic, env.py reading the URL from the environment (psycopg 3) | ALEMBIC_DATABASE_URL=postgresql+psycopg://app:pw@localhost/alembic_app | ALEMBIC_DATABASE_URL | 1 | localhost | 5432 | alembic_app | app | pw
        Spring Boot, "Externalized Configuration", relaxed binding: SPRING_DATASOURCE_URL/_USERNAME/_PASSWORD | SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/petclinic\\nSPRING_DATASOURCE_USERNAME=petclinic\\nSPRING_DATASOURCE_PASSWORD=pw | SPRING_DATASOURCE_URL | 1 | localhost | 5432 | petclinic | petclinic | pw
        Keycloak, "Configuring the database": KC_DB, KC_DB_URL, KC_DB_USERNAME, KC_DB_PASSWORD | KC_DB=postgres\\nKC_DB_URL=jdbc:postgresql://localhost/keycloak\\nKC_DB_USERNAME=keycloak\\nKC_DB_PASSWORD=pw | KC_DB_URL | 2 | localhost | 5432 | keycloak | keycloak | pw
        Keycloak: KC_DB_URL_HOST, KC_DB_URL_PORT, KC_DB_URL_DATABASE instead of the URL | KC_DB=postgres\\nKC_DB_URL_HOST=127.0.0.1\\nKC_DB_URL_PORT=5433\\nKC_DB_URL_DATABASE=keycloak\\nKC_DB_USERNAME=kc\\nKC_DB_PASSWORD=pw | KC_DB_URL_DATABASE | 4 | 127.0.0.1 | 5433 | keycloak | kc | pw
        Quarkus, "Configure data sources": QUARKUS_DATASOURCE_DB_KIND, _JDBC_URL, _USERNAME, _PASSWORD | QUARKUS_DATASOURCE_DB_KIND=postgresql\\nQUARKUS_DATASOURCE_USERNAME=quarkus\\nQUARKUS_DATASOURCE_PASSWORD=pw\\nQUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://localhost:5432/hibernate_db | QUARKUS_DATASOURCE_JDBC_URL | 4 | localhost | 5432 | hibernate_db | quarkus | pw
        Prisma, "Connection URLs": DATABASE_URL with ?schema=, DIRECT_URL and SHADOW_DATABASE_URL beside it | SHADOW_DATABASE_URL="postgresql://johndoe:pw@localhost:5432/mydb_shadow"\\nDATABASE_URL="postgresql://johndoe:pw@localhost:5432/mydb?schema=public"\\nDIRECT_URL="postgresql://johndoe:pw@localhost:5432/mydb" | DATABASE_URL | 2 | localhost | 5432 | mydb | johndoe | pw
        Hasura, docker-compose: HASURA_GRAPHQL_DATABASE_URL (older) / PG_DATABASE_URL (newer) and the metadata database | HASURA_GRAPHQL_METADATA_DATABASE_URL=postgres://postgres:pw@localhost:5432/hasura_meta\\nPG_DATABASE_URL=postgres://postgres:pw@localhost:5432/postgres | PG_DATABASE_URL | 2 | localhost | 5432 | postgres | postgres | pw
        Hasura, docker-compose: HASURA_GRAPHQL_DATABASE_URL (older) / PG_DATABASE_URL (newer) and the metadata database | HASURA_GRAPHQL_DATABASE_URL=postgres://postgres:postgrespassword@localhost:5432/postgres\\nHASURA_GRAPHQL_ENABLE_CONSOLE=true | HASURA_GRAPHQL_DATABASE_URL | 1 | localhost | 5432 | postgres | postgres | postgrespassword
        Airflow, "Set up a Database Backend": AIRFLOW__DATABASE__SQL_ALCHEMY_CONN | AIRFLOW__CORE__EXECUTOR=LocalExecutor\\nAIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql+psycopg2://airflow:airflow@localhost/airflow | AIRFLOW__DATABASE__SQL_ALCHEMY_CONN | 2 | localhost | 5432 | airflow | airflow | airflow
        Celery, "Database backend settings": a result backend is the only PostgreSQL URL | CELERY_BROKER_URL=redis://localhost:6379/0\\nCELERY_RESULT_BACKEND=db+postgresql://scott:tiger@localhost/celery | CELERY_RESULT_BACKEND | 2 | localhost | 5432 | celery | scott | tiger
        docker-compose stacks: the URL’s password is a reference to a key below it | DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/app\\nPOSTGRES_PASSWORD=s3cret | DATABASE_URL | 1 | localhost | 5432 | app | postgres | s3cret
        docker-compose, official postgres image variables only | POSTGRES_USER=app\\nPOSTGRES_PASSWORD=pw\\nPOSTGRES_DB=shop | POSTGRES_DB | 3 | localhost | 5432 | shop | app | pw
        Polar (polarsource), server/.env: a prefixed family with _PWD | POLAR_POSTGRES_USER=polar\\nPOLAR_POSTGRES_PWD=polar\\nPOLAR_POSTGRES_HOST=127.0.0.1\\nPOLAR_POSTGRES_PORT=5432\\nPOLAR_POSTGRES_DATABASE=polar\\nPOLAR_POSTGRES_READ_DATABASE=polar_read | POLAR_POSTGRES_DATABASE | 5 | 127.0.0.1 | 5432 | polar | polar | polar
        libpq environment variables (PostgreSQL docs, 34.15) | PGHOST=localhost\\nPGPORT=5439\\nPGDATABASE=shop\\nPGUSER=app\\nPGPASSWORD=pw | PGDATABASE | 3 | localhost | 5439 | shop | app | pw
        a secondary database never wins over the main one, whichever comes first | READ_REPLICA_DATABASE_URL=postgres://app@replica/shop\\nTEST_DB_NAME=shop_test\\nDB_NAME=shop | DB_NAME | 3 | localhost | 5432 | shop | null | null
        """)
    void findsTheMainDatabaseInEachConvention(String convention, String content, String key, int line, String host, int port, String database,
            String user, String password) {
        findsTheMainDatabase(content, key, line, host, port, database, user, password);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
        Laravel on MySQL: DB_CONNECTION names another product | DB_CONNECTION=mysql\\nDB_HOST=127.0.0.1\\nDB_DATABASE=laravel
        Quarkus on MariaDB | QUARKUS_DATASOURCE_DB_KIND=mariadb\\nQUARKUS_DATASOURCE_DATABASE=shop
        other stores and other names | REDIS_DB=0\\nMONGO_DATABASE=shop\\nAPP_NAME=shop\\nCOMPOSE_PROJECT_NAME=shop
        only a test database | TEST_DATABASE_URL=postgres://localhost/shop_test
        a broken URL in a key of no convention is not the main database | BROKEN_URL=postgres://app:secret@localhost:99x/shop
        """)
    void findsNoMainDatabaseInOtherProductsOrSecondaryKeys(String convention, String content) {
        assertThat(find(content)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void saysWhereTheCredentialsCameFromAndWhichKeysAlsoNameTheDatabase() {
        EnvDatabaseSettings.Found spring = find("SPRING_DATASOURCE_URL=jdbc:postgresql://localhost/petclinic\n"
                + "SPRING_DATASOURCE_USERNAME=petclinic\nSPRING_DATASOURCE_PASSWORD=pw\n").orElseThrow();
        assertThat(spring.credentials())
                .isEqualTo("user from SPRING_DATASOURCE_USERNAME (line 2), password from SPRING_DATASOURCE_PASSWORD (line 3)");

        EnvDatabaseSettings.Found prisma = find("DATABASE_URL=postgresql://u:pw@localhost:5432/mydb?schema=public\n"
                + "DIRECT_URL=postgresql://u:pw@localhost:5432/mydb\nSHADOW_DATABASE_URL=postgresql://u:pw@localhost/shadow\n")
                .orElseThrow();
        assertThat(prisma.credentials()).isNull();
        assertThat(prisma.alsoNamedBy()).containsExactly("DIRECT_URL (line 2)");

        // a reference neither the file nor the environment sets: no password, and the reason is kept for messages
        EnvDatabaseSettings.Found compose =
                find("DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/app\n").orElseThrow();
        assertThat(compose.spec().password()).isNull();
        assertThat(compose.credentials()).isEqualTo("the password ${POSTGRES_PASSWORD} is set neither in the file nor in "
                + "the environment");
        // ... and the environment fills it in
        EnvDatabaseSettings.Found fromEnv = EnvDatabaseSettings.find(Dotenv.parse(Path.of(".env"),
                "DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/app\n"), ".env",
                Map.of("POSTGRES_PASSWORD", "from-env")).orElseThrow();
        assertThat(fromEnv.spec().password()).isEqualTo("from-env");
        assertThat(fromEnv.credentials()).isNull();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
        # env file (\\n = new line)                                                 | key            | line | host      | port | database | user     | password
        DATABASE_URL=postgres://app:pw@localhost:5432/shop                          | DATABASE_URL   | 1    | localhost | 5432 | shop     | app      | pw
        # app\\nPORT=3000\\nDATABASE_URL="postgresql://app:pw@127.0.0.1/shop"       | DATABASE_URL   | 3    | 127.0.0.1 | 5432 | shop     | app      | pw
        SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5433/shop                 | SPRING_DATASOURCE_URL | 1 | localhost | 5433 | shop | null | null
        DATABASE_URL=postgres://localhost/shop\\nPGUSER=app\\nPGPASSWORD=pw          | DATABASE_URL   | 1    | localhost | 5432 | shop     | app      | pw
        DB_HOST=db\\nDB_PORT=6000\\nDB_NAME=shop\\nDB_USER=app\\nDB_PASSWORD=pw     | DB_NAME        | 3    | db        | 6000 | shop     | app      | pw
        DB_DATABASE=shop\\nDB_USERNAME=app                                          | DB_DATABASE    | 1    | localhost | 5432 | shop     | app      | null
        PGHOST=localhost\\nPGPORT=5439\\nPGDATABASE=shop\\nPGUSER=app               | PGDATABASE     | 3    | localhost | 5439 | shop     | app      | null
        POSTGRES_DB=shop\\nPOSTGRES_PASSWORD=pw                                     | POSTGRES_DB    | 1    | localhost | 5432 | shop     | postgres | pw
        export DATABASE_URL='postgres://app:p%23w@localhost/shop' # main db         | DATABASE_URL   | 1    | localhost | 5432 | shop     | app      | p#w
        REDIS_URL=redis://x\\nANALYTICS_DATABASE_URL=postgres://a@h/analytics\\nDB_NAME=shop | DB_NAME | 3 | localhost | 5432 | shop | null | null
        """)
    void findsTheMainDatabase(String content, String key, int line, String host, int port, String database, String user,
            String password) {
        EnvDatabaseSettings.Found f = find(content).orElseThrow();
        assertThat(f.key()).isEqualTo(key);
        assertThat(f.line()).isEqualTo(line);
        assertThat(f.spec().primary().host()).isEqualTo(host);
        assertThat(f.spec().primary().port()).isEqualTo(port);
        assertThat(f.spec().database()).isEqualTo(database);
        assertThat(f.spec().user()).isEqualTo(user);
        assertThat(f.spec().password()).isEqualTo(password);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        PORT=3000\\nREDIS_URL=redis://localhost
        # nothing here
        ANALYTICS_DATABASE_URL=postgres://a@h/analytics
        """)
    void findsNothingWhereThereIsNoDatabaseKey(String content) {
        assertThat(find(content)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        A=1\\nDATABASE_URL=mysql://root:hunter2@localhost/shop | .env:2: DATABASE_URL is not a usable PostgreSQL URL: scheme 'mysql'
        DATABASE_URL=postgres://u:hunter2@localhost:port/shop  | .env:1: DATABASE_URL is not a usable PostgreSQL URL: port 'port'
        DB_NAME=shop\\nDB_PORT=hunter2                         | .env:2: port 'hunter2' is not a number
        """)
    void namesFileAndLineOfAMalformedSetting(String content, String message) {
        assertThatThrownBy(() -> find(content)).isInstanceOf(WorktreeDbException.class).hasMessageStartingWith(message);
    }

    @org.junit.jupiter.api.Test
    void malformedUrlMessageNeverShowsThePassword() {
        assertThatThrownBy(() -> find("DATABASE_URL=postgres://u:hunter2@localhost:port/shop"))
                .message().doesNotContain("hunter2");
    }
}
