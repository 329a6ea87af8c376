package io.github.worktreedb.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The marker's JSON: what clone writes, what every goal reads back, and what it refuses to take for its own. */
class MarkerTest {

    private static final Marker FULL = new Marker(Marker.TOOL, "1.0.0", "shop", "feature/ä \"quoted\" \\ back", "/w/shop-x",
            "2026-11-21T05:00:00Z", "file-copy (clone)", "/w/shop/.git", true);

    @Test
    void writesOneObjectInDeclarationOrderAndReadsItBack() {
        String json = FULL.toJson();
        assertThat(json).startsWith("{\"tool\":\"worktree-db\",\"version\":\"1.0.0\",\"source\":\"shop\",")
                .endsWith("\"repository\":\"/w/shop/.git\",\"detached\":true}")
                .contains("\"branch\":\"feature/ä \\\"quoted\\\" \\\\ back\"");
        assertThat(Marker.parse(json)).contains(FULL);
    }

    @Test
    void leavesOutWhatIsUnknown() {
        Marker m = new Marker(Marker.TOOL, "1.0.0", "shop", "main", "/w", "2026-11-21T05:00:00Z", "dump", null, null);
        assertThat(m.toJson()).doesNotContain("repository").doesNotContain("detached").doesNotContain("null");
        assertThat(Marker.parse(m.toJson())).contains(m);
    }

    @Test
    void readsMarkersOfOtherVersionsSkippingFieldsItDoesNotKnow() {
        // what 0.x wrote through jackson-databind, plus fields a newer version might add
        String json = "{\"tool\":\"worktree-db\",\"version\":\"0.9\",\"source\":\"shop\",\"branch\":\"b\",\"worktree\":\"/w\","
                + "\"createdAt\":\"2026-01-01T00:00:00Z\",\"strategy\":\"wal-log\",\"future\":{\"a\":[1,2,{\"b\":null}]},"
                + "\"count\":3,\"detached\":false,\"note\":null}";
        Marker m = Marker.parse(json).orElseThrow();
        assertThat(m.version()).isEqualTo("0.9");
        assertThat(m.strategy()).isEqualTo("wal-log");
        assertThat(m.detached()).isFalse();
        assertThat(m.repository()).isNull();
    }

    @Test
    void anythingElseIsNotAMarker() {
        assertThat(Marker.parse(null)).isEmpty();
        assertThat(Marker.parse("created by hand")).isEmpty();
        assertThat(Marker.parse("{\"tool\":\"other-tool\",\"source\":\"shop\"}")).isEmpty();
        assertThat(Marker.parse("{\"source\":\"shop\"}")).isEmpty();
        assertThat(Marker.parse("{\"tool\":\"worktree-db\",\"source\":")).as("truncated").isEmpty();
        assertThat(Marker.parse("{\"tool\":\"worktree-db\"} and more")).as("trailing text").isEmpty();
        assertThat(Marker.parse("{\"tool\":[\"worktree-db\"]}")).as("tool not a string").isEmpty();
    }
}
