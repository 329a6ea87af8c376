package io.github.worktreedb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DatabaseUrlsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
        # url                                                               | host                 | port | database | user     | password
        postgres://app:secret@localhost:5432/shop                          | localhost            | 5432 | shop     | app      | secret
        postgresql://app:secret@localhost/shop                             | localhost            | 5432 | shop     | app      | secret
        postgresql://localhost/shop                                        | localhost            | 5432 | shop     | null     | null
        postgresql:///shop                                                 | localhost            | 5432 | shop     | null     | null
        postgresql://db.internal:6543/shop?sslmode=require                 | db.internal          | 6543 | shop     | null     | null
        postgres://u%40corp:p%3Aw%2Fd%25@127.0.0.1:5433/my%20db            | 127.0.0.1            | 5433 | my db    | u@corp   | p:w/d%
        postgres://app:p@ss/w:rd@localhost/shop                            | localhost            | 5432 | shop     | app      | p@ss/w:rd
        postgres://app:pa+ss@localhost/shop                                | localhost            | 5432 | shop     | app      | pa+ss
        postgresql://[::1]:5432/shop                                       | ::1                  | 5432 | shop     | null     | null
        postgresql://[2001:db8::7]/shop                                    | 2001:db8::7          | 5432 | shop     | null     | null
        postgresql://%2Fvar%2Frun%2Fpostgresql/shop                        | /var/run/postgresql  | 5432 | shop     | null     | null
        postgresql:///shop?host=/var/run/postgresql&port=5433              | /var/run/postgresql  | 5433 | shop     | null     | null
        postgresql://localhost?dbname=shop&user=app&password=pw            | localhost            | 5432 | shop     | app      | pw
        postgresql://h1:5432,h2:5433/shop?target_session_attrs=read-write  | h1                   | 5432 | shop     | null     | null
        jdbc:postgresql://localhost:5432/shop                              | localhost            | 5432 | shop     | null     | null
        jdbc:postgresql://localhost/shop?user=app&password=s%26cret        | localhost            | 5432 | shop     | app      | s&cret
        jdbc:postgresql:shop                                               | localhost            | 5432 | shop     | null     | null
        jdbc:postgresql://[::1]:15432/shop?ssl=true                        | ::1                  | 15432| shop     | null     | null
        JDBC:PostgreSQL://LOCALHOST/Shop                                   | LOCALHOST            | 5432 | Shop     | null     | null
        postgres://app@localhost                                           | localhost            | 5432 | null     | app      | null
        ' postgres://app:pw@localhost/shop  '                              | localhost            | 5432 | shop     | app      | pw
        """)
    void parsesRealWorldShapes(String url, String host, int port, String database, String user, String password) {
        ConnectionSpec spec = DatabaseUrls.parse(url);
        assertThat(spec.primary().host()).isEqualTo(host);
        assertThat(spec.primary().port()).isEqualTo(port);
        assertThat(spec.database()).isEqualTo(database);
        assertThat(spec.user()).isEqualTo(user);
        assertThat(spec.password()).isEqualTo(password);
        assertThat(spec.toString()).doesNotContain(password == null ? "\u0000" : ":" + password);
    }

    /** The driver- and framework-qualified schemes; each row follows the documentation named in its first column. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
        SQLAlchemy 2.0, Engine Configuration, "PostgreSQL" (psycopg2 is the default DBAPI) | postgresql+psycopg2://scott:tiger@localhost/mydatabase              | localhost | 5432 | mydatabase | scott    | tiger
        SQLAlchemy 2.0, dialects/postgresql: psycopg (3) | postgresql+psycopg://user:password@localhost:5433/dbname           | localhost | 5433 | dbname     | user     | password
        SQLAlchemy 2.0, dialects/postgresql: asyncpg (FastAPI async templates) | postgresql+asyncpg://user:password@host:5432/dbname?prepared_statement_cache_size=500 | host | 5432 | dbname | user | password
        SQLAlchemy: pg8000, as Alembic’s alembic.ini sqlalchemy.url takes it | postgresql+pg8000://dbuser:kx%40jj5%2Fg@pghost10/appdb             | pghost10  | 5432 | appdb      | dbuser   | kx@jj5/g
        Phoenix, config/runtime.exs: "ecto://USER:PASS@HOST/DATABASE" | ecto://postgres:postgres@localhost/hello_dev                       | localhost | 5432 | hello_dev  | postgres | postgres
        Celery, "Database backend settings": result_backend = ’db+postgresql://scott:tiger@localhost/mydatabase’ | db+postgresql://scott:tiger@localhost/mydatabase                   | localhost | 5432 | mydatabase | scott    | tiger
        Celery with an explicit driver | db+postgresql+psycopg2://scott:tiger@db:6432/mydatabase            | db        | 6432 | mydatabase | scott    | tiger
        dj-database-url and django-environ schemes | pgsql://user:pass@127.0.0.1:5432/django                            | 127.0.0.1 | 5432 | django     | user     | pass
        dj-database-url and django-environ schemes | psql://user:pass@127.0.0.1:5432/django                             | 127.0.0.1 | 5432 | django     | user     | pass
        dj-database-url and django-environ schemes | postgis://user:pass@localhost/geodjango                            | localhost | 5432 | geodjango  | user     | pass
        docker-compose style: the password is a reference the file or the environment fills in | postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/app      | localhost | 5432 | app        | postgres | ${POSTGRES_PASSWORD}
        docker-compose style: the password is a reference the file or the environment fills in | POSTGRESQL+ASYNCPG://u@LOCALHOST/Shop                              | LOCALHOST | 5432 | Shop       | u        | null
        """)
    void parsesDriverAndFrameworkQualifiedSchemes(String doc, String url, String host, int port, String database, String user,
            String password) {
        assertThat(DatabaseUrls.isPostgresUrl(url)).isTrue();
        parsesRealWorldShapes(url, host, port, database, user, password);
        // only the database name changes, every other byte stays
        int[] span = DatabaseUrls.databaseSpan(url);
        assertThat(url.substring(span[0], span[1])).isEqualTo(database);
        assertThat(DatabaseUrls.replaceDatabase(url, "x_feature")).isEqualTo(url.substring(0, span[0]) + "x_feature"
                + url.substring(span[1]));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        mysql+pymysql://scott:tiger@localhost/foo
        sqlite:///foo.db
        redis://localhost:6379/0
        db+mysql://scott:tiger@localhost/foo
        mongodb://localhost/shop
        postgresql-shop
        ecto:shop
        """)
    void otherSchemesAreNotPostgres(String url) {
        assertThat(DatabaseUrls.isPostgresUrl(url)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        mysql://root:hunter2@localhost/shop           | scheme 'mysql' is not PostgreSQL
        jdbc:mysql://localhost/shop?password=hunter2  | scheme 'jdbc:mysql' is not PostgreSQL
        localhost:5432/shop                           | not a URL
        postgres://app:hunter2@localhost:54x2/shop    | port '54x2' is not a number
        postgres://app:hunter2@localhost:99999/shop   | port '99999' is not a number
        postgres://app:hun%zzter2@localhost/shop      | bad percent-encoding in the password
        postgres://app:hunter2@[::1/shop              | closing ']'
        """)
    void rejectsMalformedUrlsWithoutShowingThePassword(String url, String message) {
        assertThatThrownBy(() -> DatabaseUrls.parse(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .message()
                .doesNotContain("hunter2")
                .doesNotContain("hun%zz");
    }

    @org.junit.jupiter.api.Test
    void keepsParametersAndBuildsJdbcUrlsWithoutCredentials() {
        ConnectionSpec spec =
                DatabaseUrls.parse("postgres://app:pw@localhost:5433/shop?sslmode=disable&application_name=web");
        assertThat(spec.parameters()).isEqualTo(Map.of("sslmode", "disable", "application_name", "web"));
        assertThat(spec.jdbcUrl("shop_feature"))
                .isEqualTo("jdbc:postgresql://localhost:5433/shop_feature?sslmode=disable&ApplicationName=web");
        assertThat(DatabaseUrls.parse("postgresql://[::1]:5432/a").jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5432/a");
        assertThat(DatabaseUrls.parse("postgresql:///a?host=/tmp").jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/a");
        assertThat(spec.toString()).isEqualTo("postgresql://app@localhost:5433/shop");
    }

    @org.junit.jupiter.api.Test
    void tellsLocalFromRemote() {
        assertThat(DatabaseUrls.parse("postgres://localhost/a").isLocal()).isTrue();
        assertThat(DatabaseUrls.parse("postgres://127.0.0.2/a").isLocal()).isTrue();
        assertThat(DatabaseUrls.parse("postgres://[::1]/a").isLocal()).isTrue();
        assertThat(DatabaseUrls.parse("postgresql:///a?host=/var/run/postgresql").isLocal()).isTrue();
        assertThat(DatabaseUrls.parse("postgres://db.example.com/a").isLocal()).isFalse();
        assertThat(DatabaseUrls.parse("postgres://localhost,db.example.com/a").isLocal()).isFalse();
    }
}
