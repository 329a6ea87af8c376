package io.github.worktreedb.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DotenvTest {

    private static final Path FILE = Path.of(".env");

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
        # line in the file                                          | value of KEY
        KEY=plain                                                   | plain
        KEY = spaced                                                | spaced
        export KEY=exported                                         | exported
        KEY="double quoted"                                         | double quoted
        KEY='single $quoted \\n'                                    | single $quoted \\n
        KEY="esc\\"aped\\\\ \\$HOME"                                | esc"aped\\ $HOME
        KEY=value # inline comment                                  | value
        KEY=pass#word                                               | pass#word
        KEY="has # hash" # comment                                  | has # hash
        KEY=                                                        | ~~
        KEY=""                                                      | ~~
        KEY=trailing spaces   \t                                    | trailing spaces
        KEY=postgres://a:p%40ss@h/db?x=1&y=2                        | postgres://a:p%40ss@h/db?x=1&y=2
        KEY=`backtick`                                              | backtick
        """)
    void readsOneLine(String line, String expected) {
        Dotenv env = Dotenv.parse(FILE, line.replace("\\t", "\t"));
        assertThat(env.problems()).isEmpty();
        assertThat(env.get("KEY")).get().extracting(Dotenv.Entry::value).isEqualTo(expected == null ? "" : expected);
    }

    @Test
    void keepsLineNumbersAcrossCommentsBlankLinesCrlfAndMultiLineValues() {
        String content = "\uFEFF# comment\r\n\r\nA=1\r\nCERT=\"line one\nline two\"\nB=2\r\n";
        Dotenv env = Dotenv.parse(FILE, content);
        assertThat(env.problems()).isEmpty();
        assertThat(env.get("A")).get().extracting(Dotenv.Entry::line).isEqualTo(3);
        assertThat(env.get("CERT")).get().extracting(Dotenv.Entry::value).isEqualTo("line one\nline two");
        assertThat(env.get("CERT")).get().extracting(Dotenv.Entry::line).isEqualTo(4);
        assertThat(env.get("B")).get().extracting(Dotenv.Entry::line).isEqualTo(6);
    }

    @Test
    void reportsBadLinesWithTheirNumberAndKeepsReading() {
        String content = "A=1\nthis is not an assignment\n9KEY=x\nQ=\"never closed\nB=2\n";
        Dotenv env = Dotenv.parse(FILE, content);
        assertThat(env.problems()).extracting(Dotenv.Problem::line).containsExactly(2, 3, 4);
        assertThat(env.asMap()).containsOnlyKeys("A", "B");
    }

    @Test
    void expandsReferencesToEarlierKeys() {
        Dotenv env = Dotenv.parse(FILE, """
                DB_USER=app
                DB_PASSWORD=s3cret
                DATABASE_URL=postgres://${DB_USER}:${DB_PASSWORD}@localhost/${DB_NAME:-shop}
                LITERAL='${DB_USER}'
                """);
        assertThat(env.get("DATABASE_URL")).get().extracting(Dotenv.Entry::value)
                .isEqualTo("postgres://app:s3cret@localhost/shop");
        assertThat(env.get("LITERAL")).get().extracting(Dotenv.Entry::value).isEqualTo("${DB_USER}");
    }

    @Test
    void laterAssignmentWins() {
        Dotenv env = Dotenv.parse(FILE, "A=1\nA=2\n");
        assertThat(env.get("A")).get().extracting(Dotenv.Entry::value, Dotenv.Entry::line).containsExactly("2", 2);
    }
}
