package io.github.worktreedb.config;

import java.nio.file.Path;
import java.util.List;

/**
 * How {@code seed} runs.
 *
 * @param directories directories whose {@code *.sql} files are applied, in file-name order
 * @param reapplyChanged re-apply a seed file whose content changed since it was applied
 * @param table the history table that records applied seed files
 */
public record SeedSettings(List<Path> directories, boolean reapplyChanged, String table) {

    public static final String DEFAULT_TABLE = "worktree_db_seed_history";

    public SeedSettings {
        directories = directories == null ? List.of() : List.copyOf(directories);
        table = table == null || table.isBlank() ? DEFAULT_TABLE : table;
    }

    public static SeedSettings defaults(Path baseDir) {
        return new SeedSettings(List.of(baseDir.resolve("src/main/resources/db/seed")), false, null);
    }
}
