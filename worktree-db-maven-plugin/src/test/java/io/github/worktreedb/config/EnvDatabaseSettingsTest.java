package io.github.worktreedb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.core.WorktreeDbException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvDatabaseSettingsTest {

    private static Optional<EnvDatabaseSettings.Found> find(String content) {
        return EnvDatabaseSettings.find(Dotenv.parse(Path.of(".env"), content.replace("\\n", "\n")), ".env");
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
