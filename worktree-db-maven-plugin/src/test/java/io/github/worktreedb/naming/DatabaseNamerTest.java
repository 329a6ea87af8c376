package io.github.worktreedb.naming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.worktreedb.core.WorktreeDbException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DatabaseNamerTest {

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
        shop     | feature/x                   | shop_feature_x
        shop     | Feature/JIRA-123_add-Login   | shop_feature_jira_123_add_login
        shop     | fix/'; DROP TABLE users; -- | shop_fix_drop_table_users
        shop     | feat/ünïcödé-çafé           | shop_feat_unicode_cafe
        shop     | fix/søren-straße-łódź-æon   | shop_fix_soren_strasse_lodz_aeon
        Shop-DB  | main                        | shop_db_main
        shop     | __x__                       | shop_x
        shop     | a$b\\c"d                    | shop_a_b_c_d
        """)
    void makesPlainLowerCaseIdentifiers(String main, String branch, String expected) {
        String name = DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, main, branch, "wt");
        assertThat(name).isEqualTo(expected);
        assertThat(DatabaseNamer.isPlainIdentifier(name)).isTrue();
    }

    @Test
    void replacesAllPlaceholders() {
        assertThat(DatabaseNamer.name("${main}_${worktree}", "shop", "feature/x", "shop-wt2")).isEqualTo("shop_shop_wt2");
        assertThat(DatabaseNamer.name("dev_${branch}", "shop", "feature/x", "wt")).isEqualTo("dev_feature_x");
        assertThat(DatabaseNamer.name(null, "shop", "b", "wt")).isEqualTo("shop_b");
    }

    @Test
    void rejectsUnknownPlaceholders() {
        assertThatThrownBy(() -> DatabaseNamer.name("${main}_${user}", "shop", "b", "wt"))
                .isInstanceOf(WorktreeDbException.class)
                .hasMessageContaining("${user}")
                .hasMessageContaining("${main}, ${branch} and ${worktree}");
    }

    @Test
    void aBranchWithNothingUsableGetsAStableHashNeverTheMainName() {
        String a = DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", "日本語", "wt");
        assertThat(a).matches("shop_h[0-9a-f]{8}");
        assertThat(DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", "日本語", "wt")).isEqualTo(a);
        assertThat(DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", "中文", "wt")).isNotEqualTo(a);
    }

    @Test
    void startsWithALetter() {
        assertThat(DatabaseNamer.name("${branch}", "shop", "123-fix", "wt")).isEqualTo("db_123_fix");
        assertThat(DatabaseNamer.sanitize("日本語")).matches("db_[0-9a-f]{8}");
    }

    @Test
    void longNamesAreCutTo63BytesWithAStableHashThatKeepsThemApart() {
        String base = "feature/" + "x".repeat(200);
        Set<String> names = new HashSet<>();
        for (char c = 'a'; c <= 'z'; c++) {
            String name = DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", base + c, "wt");
            assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(63);
            assertThat(DatabaseNamer.isPlainIdentifier(name)).isTrue();
            assertThat(name).startsWith("shop_feature_xxx").matches(".*_[0-9a-f]{8}");
            names.add(name);
        }
        assertThat(names).hasSize(26);
        assertThat(DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", base + "a", "wt"))
                .isEqualTo(DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", base + "a", "other-dir"));
    }

    @Test
    void exactly63BytesIsKeptAsIs() {
        String branch = "b".repeat(63 - "shop_".length());
        assertThat(DatabaseNamer.name(DatabaseNamer.DEFAULT_PATTERN, "shop", branch, "wt")).isEqualTo("shop_" + branch);
    }
}
