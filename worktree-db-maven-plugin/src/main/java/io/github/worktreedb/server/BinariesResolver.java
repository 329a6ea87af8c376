package io.github.worktreedb.server;

import java.nio.file.Path;

/**
 * Fetches an artifact (the zonky binaries jar) and returns its file. The plugin implements it with Maven's own
 * repository system, so mirrors, offline mode and settings.xml apply; the core never imports Maven.
 */
@FunctionalInterface
public interface BinariesResolver {

    Path resolve(ZonkyBinaries.Coordinates coordinates);

    /** For callers without Maven: nothing can be downloaded. */
    BinariesResolver NONE = c -> {
        throw io.github.worktreedb.core.WorktreeDbException.user("PostgreSQL binaries " + c + " are needed, but nothing "
                + "can be downloaded here. Install that PostgreSQL version on this machine.");
    };
}
