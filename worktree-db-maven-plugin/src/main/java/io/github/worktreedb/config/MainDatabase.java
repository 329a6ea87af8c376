package io.github.worktreedb.config;

/**
 * The main database: how to reach it and where that was found.
 *
 * @param spec connection to the main database (database and user filled in)
 * @param origin where it was found, e.g. {@code .env:3 (DATABASE_URL)} or {@code -Dworktree-db.url}; never a password
 */
public record MainDatabase(ConnectionSpec spec, String origin) {

    public String name() {
        return spec.database();
    }
}
