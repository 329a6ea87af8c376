package io.github.worktreedb.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        postgres://app:hunter2@localhost/shop                  | postgres://app:****@localhost/shop
        see jdbc:postgresql://h/db?user=a&password=hunter2&x=1 | see jdbc:postgresql://h/db?user=a&password=****&x=1
        PGPASSWORD=hunter2 psql                                | PGPASSWORD=**** psql
        postgres://app@localhost/shop                          | postgres://app@localhost/shop
        """)
    void masksPasswordsInUrlsAndAssignments(String text, String expected) {
        assertThat(Secrets.redact(text)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void masksAKnownSecretAnywhere() {
        assertThat(Secrets.redact("FATAL: bad thing 'hunter2'", "hunter2")).isEqualTo("FATAL: bad thing '****'");
    }

    /** A password equal to a name ({@code postgres}/{@code postgres}) does not mangle longer names that contain it. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        .env: DATABASE_URL (line 1) changed for postgres_feature_x | postgres | .env: DATABASE_URL (line 1) changed for postgres_feature_x
        Cloned postgres → postgres_feature_x                       | postgres | Cloned **** → postgres_feature_x
        password=postgres user=app                                 | postgres | password=**** user=app
        login 'postgres' refused                                   | postgres | login '****' refused
        x-hunter2-y                                                | hunter2  | x-****-y
        user:p@ss!@host                                            | p@ss!    | user:****@host
        """)
    void masksTheSecretButNotInsideALongerName(String text, String secret, String expected) {
        assertThat(Secrets.redact(text, secret)).isEqualTo(expected);
    }
}
