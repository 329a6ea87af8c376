package io.github.worktreedb.postgres;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The plugin's mark on a database it created, kept as {@code COMMENT ON DATABASE} in JSON.
 * Only a database with this mark may ever be dropped by any goal.
 *
 * <p>Written and read with Jackson's streaming API (jackson-core), not the object mapper: a clone in a fresh Maven
 * JVM writes one small object, and jackson-databind's start-up (some 500 classes, about 0.2 s) was the largest single
 * cost of a cold clone.
 *
 * @param tool always {@value #TOOL}
 * @param version the plugin version that created it
 * @param source the main database it was copied from
 * @param branch the branch it was made for (or the worktree directory name when detached)
 * @param worktree the worktree's absolute path
 * @param createdAt ISO-8601 instant
 * @param strategy how it was copied
 * @param repository the repository's git common dir: cleanup only ever considers its own repository's databases
 * @param detached the worktree had a detached HEAD ({@code branch} is then its directory name)
 * @param kind what the database is: every listing ({@code status}, {@code cleanup}, leftovers) asks for one kind, so a
 *     kind added later is never taken for another
 * @param snapshot what a {@code snapshot} database saved ({@code null} for every other kind); written as the flat
 *     fields {@code snapshot}, {@code snapshotOf}, {@code flywayVersion}, {@code seeds}
 */
public record Marker(
        String tool,
        String version,
        String source,
        String branch,
        String worktree,
        String createdAt,
        String strategy,
        String repository,
        Boolean detached,
        Kind kind,
        Snapshot snapshot) {

    public static final String TOOL = "worktree-db";
    /** What 0.x wrote as {@code strategy} on a half-made dump copy, before markers had a kind. */
    public static final String LEGACY_IN_PROGRESS = "dump-in-progress";
    private static final JsonFactory JSON = new JsonFactory();

    /** What a marked database is. */
    public enum Kind {
        /** A worktree's database: status lists it, cleanup may drop it when its branch or worktree is gone. */
        WORKTREE("worktree"),
        /** A half-made copy under a temporary name: the next run for the same target drops it. */
        IN_PROGRESS("in-progress"),
        /** A snapshot of a worktree's database: {@code status} lists it, {@code restore} copies it back. */
        SNAPSHOT("snapshot"),
        /** A kind this version does not know (a newer plugin's): listed and dropped by nothing. */
        OTHER(null);

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The text in the marker's JSON; {@code null} for {@link #OTHER}. */
        public String id() {
            return id;
        }

        static Kind of(String id) {
            for (Kind k : values()) {
                if (k.id != null && k.id.equals(id)) {
                    return k;
                }
            }
            return OTHER;
        }
    }

    /**
     * What a snapshot saved.
     *
     * @param name the name the user gave it (any text; the database name is derived from it)
     * @param of the worktree database it is a snapshot of
     * @param flywayVersion the Flyway version of that database at that moment, or {@code null} (no history)
     * @param seeds how many seed files had been applied at that moment, or {@code null} (no seed history)
     */
    public record Snapshot(String name, String of, String flywayVersion, String seeds) {}

    public Marker {
        kind = kind == null ? (LEGACY_IN_PROGRESS.equals(strategy) ? Kind.IN_PROGRESS : Kind.WORKTREE) : kind;
    }

    /** A marker without snapshot facts. */
    public Marker(String tool, String version, String source, String branch, String worktree, String createdAt,
            String strategy, String repository, Boolean detached, Kind kind) {
        this(tool, version, source, branch, worktree, createdAt, strategy, repository, detached, kind, null);
    }

    /** A marker without a kind: read as a worktree database's (or a 0.x half-made dump copy's). */
    public Marker(String tool, String version, String source, String branch, String worktree, String createdAt,
            String strategy, String repository, Boolean detached) {
        this(tool, version, source, branch, worktree, createdAt, strategy, repository, detached, null, null);
    }

    /** This marker with another kind and copy method (the snapshot facts kept). */
    public Marker as(Kind newKind, String newStrategy) {
        return new Marker(tool, version, source, branch, worktree, createdAt, newStrategy, repository, detached, newKind,
                snapshot);
    }

    /** This marker as a snapshot's: kind {@code snapshot}, made at {@code at}, with what it saved. */
    public Marker asSnapshot(Snapshot saved, String at) {
        return new Marker(tool, version, source, branch, worktree, at, strategy, repository, detached, Kind.SNAPSHOT, saved);
    }

    /** One JSON object, fields in declaration order, {@code null} ones left out. */
    public String toJson() {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            field(g, "tool", tool);
            field(g, "version", version);
            field(g, "source", source);
            field(g, "branch", branch);
            field(g, "worktree", worktree);
            field(g, "createdAt", createdAt);
            field(g, "strategy", strategy);
            field(g, "kind", kind.id());
            field(g, "repository", repository);
            if (detached != null) {
                g.writeBooleanField("detached", detached);
            }
            if (snapshot != null) {
                field(g, "snapshot", snapshot.name());
                field(g, "snapshotOf", snapshot.of());
                field(g, "flywayVersion", snapshot.flywayVersion());
                field(g, "seeds", snapshot.seeds());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /**
     * The marker in a database comment, or empty when the comment is not one of ours: not a JSON object, or no
     * {@code "tool": "worktree-db"}. Unknown fields (a newer plugin's) are skipped; scalars are read as text.
     */
    public static Optional<Marker> parse(String comment) {
        if (comment == null || !comment.strip().startsWith("{")) {
            return Optional.empty();
        }
        Map<String, String> fields = new HashMap<>();
        try (JsonParser p = JSON.createParser(comment)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else if (value != JsonToken.VALUE_NULL) {
                    fields.put(name, p.getValueAsString());
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Optional.empty(); // truncated, or something after the object
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!TOOL.equals(fields.get("tool"))) {
            return Optional.empty();
        }
        String detached = fields.get("detached");
        String kind = fields.get("kind");
        Snapshot snapshot = fields.containsKey("snapshot") || fields.containsKey("snapshotOf")
                ? new Snapshot(fields.get("snapshot"), fields.get("snapshotOf"), fields.get("flywayVersion"), fields.get("seeds"))
                : null;
        return Optional.of(new Marker(fields.get("tool"), fields.get("version"), fields.get("source"), fields.get("branch"),
                fields.get("worktree"), fields.get("createdAt"), fields.get("strategy"), fields.get("repository"),
                detached == null ? null : Boolean.valueOf(detached), kind == null ? null : Kind.of(kind), snapshot));
    }
}
