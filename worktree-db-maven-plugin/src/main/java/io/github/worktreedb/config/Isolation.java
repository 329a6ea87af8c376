package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.util.Locale;

/** How worktrees are kept apart ({@code worktree-db.isolation}). */
public enum Isolation {
    /** A database per worktree, copied from the main database on the main database's server. */
    DATABASE("database"),
    /** Every worktree uses the main database; migrations are coordinated across worktrees. */
    SHARED("shared");

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
        if (t.equals("server")) {
            throw WorktreeDbException.user(PropertyNames.ISOLATION + "=server (a PostgreSQL server per worktree) is not "
                    + "available yet in this version. Use " + PropertyNames.ISOLATION + "=database (a database per worktree, "
                    + "the default) or " + PropertyNames.ISOLATION + "=shared (every worktree on the main database).");
        }
        throw WorktreeDbException.user(PropertyNames.ISOLATION + "='" + text + "' is not an isolation level. Use database "
                + "(the default) or shared.");
    }
}
