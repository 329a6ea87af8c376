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

/** {@code isolation=server}: values naming the main database are pointed at this worktree's server, byte for byte. */
class EnvRewritePlanServerTest {

    static final ConnectionSpec MAIN = DatabaseUrls.parse("postgres://app:pw@localhost:5432/shop");
    static final ConnectionSpec REMOTE_MAIN = DatabaseUrls.parse("postgres://app:pw@db.example.com:5432/shop");

    private static EnvRewritePlan plan(ConnectionSpec main, String content) {
        return EnvRewritePlan.toServer(Dotenv.parse(Path.of(".env"), content), main, 5442, Map.of());
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("a URL: only its port changes",
                        "DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5432/shop?sslmode=disable\nPOSTGRES_PASSWORD=pw\n",
                        "DATABASE_URL=postgresql://postgres:${POSTGRES_PASSWORD}@localhost:5442/shop?sslmode=disable\nPOSTGRES_PASSWORD=pw\n"),
                Arguments.of("a URL without a port gets one; 127.0.0.1 is written as it was",
                        "DATABASE_URL=\"postgres://app:pw@127.0.0.1/shop\"\n",
                        "DATABASE_URL=\"postgres://app:pw@127.0.0.1:5442/shop\"\n"),
                Arguments.of("a JDBC URL and the Spring keys beside it",
                        "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop\nSPRING_DATASOURCE_USERNAME=app\n",
                        "SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5442/shop\nSPRING_DATASOURCE_USERNAME=app\n"),
                Arguments.of("DB_* keys: the port key beside the name key",
                        "DB_HOST=localhost\nDB_PORT=5432\nDB_NAME=shop\nDB_USER=app\n",
                        "DB_HOST=localhost\nDB_PORT=5442\nDB_NAME=shop\nDB_USER=app\n"),
                Arguments.of("libpq's PG* keys",
                        "PGHOST=localhost\nPGPORT=5432\nPGDATABASE=shop\n",
                        "PGHOST=localhost\nPGPORT=5442\nPGDATABASE=shop\n"),
                Arguments.of("a keyword/value string",
                        "DSN='host=localhost port=5432 dbname=shop user=app'\n",
                        "DSN='host=localhost port=5442 dbname=shop user=app'\n"),
                Arguments.of("other databases on the main server and other servers stay",
                        "SHADOW_DATABASE_URL=postgres://app:pw@localhost:5432/shop_shadow\nOTHER=postgres://app:pw@localhost:6543/shop\n",
                        "SHADOW_DATABASE_URL=postgres://app:pw@localhost:5432/shop_shadow\nOTHER=postgres://app:pw@localhost:6543/shop\n"),
                Arguments.of("already pointing at the worktree server: unchanged",
                        "DATABASE_URL=postgres://app:pw@localhost:5442/shop\n",
                        "DATABASE_URL=postgres://app:pw@localhost:5442/shop\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rewritesPortsByteForByte(String what, String before, String after) {
        EnvRewritePlan p = plan(MAIN, before);
        assertThat(p.apply(before)).isEqualTo(after);
        assertThat(p.problems()).isEmpty();
    }

    @Test
    void aRemoteMainServerHasItsHostReplacedToo() {
        String before = "DATABASE_URL=postgres://app:pw@db.example.com:5432/shop\nDB_HOST=db.example.com\nDB_PORT=5432\nDB_NAME=shop\n"
                + "DSN=host=db.example.com port=5432 dbname=shop\n";
        assertThat(plan(REMOTE_MAIN, before).apply(before)).isEqualTo(
                "DATABASE_URL=postgres://app:pw@localhost:5442/shop\nDB_HOST=localhost\nDB_PORT=5442\nDB_NAME=shop\n"
                        + "DSN=host=localhost port=5442 dbname=shop\n");
    }

    @Test
    void aNameKeyWithoutAPortKeyIsAProblemNotASilentMiss() {
        EnvRewritePlan p = plan(MAIN, "DB_HOST=localhost\nDB_NAME=shop\n");
        assertThat(p.edits()).isEmpty();
        assertThat(p.problems()).singleElement().satisfies(pr -> assertThat(pr.reason()).contains("add DB_PORT=5432"));
    }

    @Test
    void replaceServerKeepsEverythingElse() {
        assertThat(DatabaseUrls.replaceServer("postgres://u:p%40ss@[::1]:5432/shop?x=1", null, 5442))
                .isEqualTo("postgres://u:p%40ss@[::1]:5442/shop?x=1");
        assertThat(DatabaseUrls.replaceServer("jdbc:postgresql://localhost/shop", "localhost", 7000))
                .isEqualTo("jdbc:postgresql://localhost:7000/shop");
    }
}
