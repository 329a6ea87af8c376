package io.github.worktreedb.postgres;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * The plugin's mark on a database it created, kept as {@code COMMENT ON DATABASE} in JSON.
 * Only a database with this mark may ever be dropped by any goal.
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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Marker(
        String tool,
        String version,
        String source,
        String branch,
        String worktree,
        String createdAt,
        String strategy,
        String repository,
        Boolean detached) {

    public static final String TOOL = "worktree-db";
    private static final ObjectMapper JSON = new ObjectMapper();

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The marker in a database comment, or empty when the comment is not one of ours. */
    public static Optional<Marker> parse(String comment) {
        if (comment == null || !comment.strip().startsWith("{")) {
            return Optional.empty();
        }
        try {
            Marker m = JSON.readValue(comment, Marker.class);
            return TOOL.equals(m.tool()) ? Optional.of(m) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
