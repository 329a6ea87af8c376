package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How {@code clone} copies the main database. */
public enum Strategy {
    /** Pick by server version and database size. */
    AUTO("auto"),
    /** {@code CREATE DATABASE ... STRATEGY WAL_LOG} (PostgreSQL 15+): block by block through the WAL. */
    WAL_LOG("wal-log"),
    /** {@code CREATE DATABASE ... STRATEGY FILE_COPY}: file by file, between two checkpoints. */
    FILE_COPY("file-copy"),
    /** {@code pg_dump | pg_restore} into a temporary database, renamed when complete: needs no exclusive access. */
    DUMP("dump");

    private final String id;

    Strategy(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Strategy parse(String text) {
        if (text == null || text.isBlank()) {
            return AUTO;
        }
        String t = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Strategy s : values()) {
            if (s.id.equals(t)) {
                return s;
            }
        }
        String valid = Arrays.stream(values()).map(Strategy::id).collect(Collectors.joining(", "));
        throw WorktreeDbException.user("worktree-db.strategy='" + text + "' is not a strategy. Use one of: " + valid + ".");
    }
}
