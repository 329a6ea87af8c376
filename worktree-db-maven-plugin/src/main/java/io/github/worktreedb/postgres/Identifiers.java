package io.github.worktreedb.postgres;

/** Identifier rules PostgreSQL imposes on a database name the plugin creates. */
public final class Identifiers {

    /** PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated by the server. */
    public static final int MAX_BYTES = 63;

    private Identifiers() {}

    /** Whether the server would keep the name as given (not empty, no NUL, at most 63 bytes in UTF-8). */
    public static boolean fits(String name) {
        return name != null && !name.isEmpty() && name.indexOf('\0') < 0
                && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_BYTES;
    }
}
