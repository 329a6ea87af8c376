package io.github.worktreedb.env;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Dotenv;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvRewritePlanTest {

    static final ConnectionSpec MAIN = DatabaseUrls.parse("postgres://app:pw@localhost:5432/shop");
    static final String TARGET = "shop_feature_x";

    private static EnvRewritePlan plan(String content) {
        return EnvRewritePlan.of(Dotenv.parse(Path.of(".env"), content), MAIN, TARGET);
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
