package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.util.Locale;

/** How worktrees are kept apart ({@code worktree-db.isolation}). */
public enum Isolation {
    /** A database per worktree, copied from the main database on the main database's server. */
    DATABASE("database"),
    /** Every worktree uses the main database; migrations are coordinated across worktrees. */
    SHARED("shared"),
    /** A PostgreSQL server per worktree, on a port of its own ({@code serverPort + index × portStep}). */
    SERVER("server");

    private final String id;

    Isolation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Isolation parse(String text) {
        if (text == null || text.isBlank()) {
            return DATABASE;
        }
        String t = text.strip().toLowerCase(Locale.ROOT);
        for (Isolation i : values()) {
            if (i.id.equals(t)) {
                return i;
            }
        }
        throw WorktreeDbException.user(PropertyNames.ISOLATION + "='" + text + "' is not an isolation level. Use database "
                + "(the default), shared or server.");
    }
}
