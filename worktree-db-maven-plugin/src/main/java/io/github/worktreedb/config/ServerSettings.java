package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.server.BinariesResolver;
import java.util.Locale;

/**
 * {@code isolation=server}: where worktree servers listen, what their database starts with, which PostgreSQL runs them.
 *
 * @param port the port of index 0 ({@code serverPort}), or {@code null} for the main database's port; a worktree's
 *     server listens on {@code port + index × portStep}
 * @param source what a new worktree server's database holds
 * @param pgVersion the PostgreSQL version of new servers ({@code 16} or a zonky version {@code 16.15.0}), or
 *     {@code null} for the main server's major version
 * @param binaries fetches zonky's binaries when no installed PostgreSQL of that version is found
 */
public record ServerSettings(Integer port, Source source, String pgVersion, BinariesResolver binaries) {

    /** What a new worktree server's database holds ({@code serverSource}). */
    public enum Source {
        /** A copy of the main database ({@code pg_dump | pg_restore} between the two servers). */
        MAIN,
        /** An empty database, for {@code migrate} and {@code seed}. */
        EMPTY;

        public static Source parse(String text) {
            if (text == null || text.isBlank()) {
                return parse(Defaults.SERVER_SOURCE);
            }
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "main" -> MAIN;
                case "empty" -> EMPTY;
                default -> throw WorktreeDbException.user(PropertyNames.SERVER_SOURCE + "='" + text + "' is not known. Use "
                        + "main (a copy of the main database, the default) or empty (then migrate and seed).");
            };
        }
    }

    public ServerSettings {
        source = source == null ? Source.parse(Defaults.SERVER_SOURCE) : source;
        pgVersion = pgVersion == null || pgVersion.isBlank() ? null : pgVersion.strip();
        binaries = binaries == null ? BinariesResolver.NONE : binaries;
    }

    public static ServerSettings defaults() {
        return new ServerSettings(null, null, null, null);
    }
}
