package io.github.worktreedb.ops;

import java.time.Duration;

/** The operations' short name for {@link io.github.worktreedb.core.Sizes}, which the lower layers use too. */
public final class Sizes {

    private Sizes() {}

    /** Bytes as PostgreSQL's pg_size_pretty would say them, one decimal: {@code 7.9 MB}, {@code 1.1 GB}. */
    public static String human(long bytes) {
        return io.github.worktreedb.core.Sizes.human(bytes);
    }

    public static String seconds(Duration d) {
        return io.github.worktreedb.core.Sizes.seconds(d);
    }
}
