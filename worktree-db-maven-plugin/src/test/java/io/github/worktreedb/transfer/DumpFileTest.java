package io.github.worktreedb.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a {@code pg_restore -l} data entry (schema, table and owner joined by spaces) is matched to known tables. */
class DumpFileTest {

    private static Manifest.Table t(String schema, String name) {
        return new Manifest.Table(schema, name, List.of(), -1);
    }

    @Test
    void theLongestNameFollowedByAOneWordOwnerIsTheTable() {
        List<Manifest.Table> known = List.of(t("public", "order"), t("public", "order items"), t("public", "orders"));
        assertThat(DumpFile.Contents.names("public order items app", known)).containsExactly(t("public", "order items"));
        assertThat(DumpFile.Contents.names("public order app", known)).containsExactly(t("public", "order"));
        assertThat(DumpFile.Contents.names("public orders app", known)).containsExactly(t("public", "orders"));
        assertThat(DumpFile.Contents.names("public invoices app", known)).isEmpty();
        assertThat(DumpFile.Contents.names("other order app", known)).isEmpty();
    }

    @Test
    void anEntryNamesTablesEitherWayWhenOnlyAnOwnerWithSpacesCouldTellThem() {
        List<Manifest.Table> known = List.of(t("public", "a"), t("public", "a b"));
        assertThat(DumpFile.Contents.names("public a b c d", known)).hasSize(2);
    }

    @Test
    void parsedContentsKeepTheWholeEntryAndSequenceValuesAreData() {
        DumpFile.Contents c = DumpFile.parseContents("""
                ;
                ; Archive created at 2026-11-30 12:00:00 UTC
                3354; 0 16386 TABLE DATA public order items app
                3355; 0 16390 TABLE DATA odd.schema x y app
                3356; 0 0 SEQUENCE SET public orders_id_seq app
                """);
        assertThat(c.dataEntries()).containsExactly("public order items app", "odd.schema x y app");
        assertThat(c.items()).isEqualTo(3);
        assertThat(c.hasSchema()).isFalse();
        assertThat(DumpFile.Contents.display("public order items app")).isEqualTo("public order items");
    }
}
