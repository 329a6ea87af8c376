package io.github.worktreedb.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The import check's notes on encoding and locale: said only when the file and the target differ. */
class ImportCheckTest {

    private static Manifest manifest(String encoding, String collation, String ctype) {
        return new Manifest(Manifest.FORMAT, "full", "custom", "shop", "2026-11-30T00:00:00Z", "t", "15.19", 150019, "15.18",
                encoding, collation, ctype, List.of(), null, List.of(), 0, null);
    }

    @Test
    void nothingIsSaidWhenEncodingAndLocaleAgree() {
        assertThat(ImportCheck.encodingNotes(manifest("UTF8", "C.UTF-8", "C.UTF-8"), "UTF8", "C.UTF-8", "C.UTF-8", "shop_x"))
                .isEmpty();
    }

    @Test
    void aDifferentEncodingAndLocaleAreEachSaidInOneLine() {
        assertThat(ImportCheck.encodingNotes(manifest("LATIN1", "de_DE", "de_DE"), "UTF8", "C.UTF-8", "C.UTF-8", "shop_x"))
                .containsExactly("Encoding: the file is LATIN1 and shop_x is UTF8; text is converted as it loads (a "
                                + "character UTF8 cannot hold stops the import, and nothing is changed then).",
                        "Locale: the file's database sorted text by de_DE (character classes de_DE), shop_x by C.UTF-8 "
                                + "(C.UTF-8); text sorts, and its indexes are built, the target's way.");
    }

    @Test
    void oneLocaleSpelledTwoWaysIsTheSame() {
        assertThat(ImportCheck.encodingNotes(manifest("UTF8", "en_US.UTF-8", "en_US.UTF-8"), "UTF8", "en_US.utf8",
                "en_US.utf8", "shop_x")).isEmpty();
        assertThat(ImportCheck.sameLocale("C", "C")).isTrue();
        assertThat(ImportCheck.sameLocale("de_DE.UTF-8", "en_US.UTF-8")).isFalse();
    }
}
