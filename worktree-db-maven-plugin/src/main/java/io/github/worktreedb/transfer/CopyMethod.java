package io.github.worktreedb.transfer;

import io.github.worktreedb.postgres.Catalog;

/**
 * How a database was (or will be) made: what the user's {@code Strategy} became on this server for this source. The
 * label is what the summary line and the marker say; code compares the constants, never the labels.
 */
public enum CopyMethod {
    /** {@code CREATE DATABASE ... STRATEGY WAL_LOG} (PostgreSQL 15+). */
    WAL_LOG("wal-log", Catalog.TemplateStrategy.WAL_LOG),
    /** {@code CREATE DATABASE ... STRATEGY FILE_COPY}, or the only way before PostgreSQL 15 (no clause). */
    FILE_COPY("file-copy", Catalog.TemplateStrategy.FILE_COPY),
    /** FILE_COPY with {@code file_copy_method = clone} (PostgreSQL 18+): the file system shares the blocks. */
    FILE_COPY_CLONE("file-copy (clone)", Catalog.TemplateStrategy.FILE_COPY),
    /** {@code pg_dump | pg_restore} into a temporary database: no exclusive access needed, any two servers. */
    DUMP("dump", null),
    /** An empty database ({@code reset -Dworktree-db.fromEmpty}). */
    EMPTY("empty", null),
    /** Restored from a dump file ({@code import}). */
    IMPORT("import", null);

    private final String label;
    private final Catalog.TemplateStrategy templateStrategy;

    CopyMethod(String label, Catalog.TemplateStrategy templateStrategy) {
        this.label = label;
        this.templateStrategy = templateStrategy;
    }

    public String label() {
        return label;
    }

    /** Whether the server copies the files itself ({@code CREATE DATABASE ... TEMPLATE}): source and target on one server. */
    public boolean serverSide() {
        return templateStrategy != null;
    }

    /** The {@code STRATEGY} clause on a server of this version ({@code server_version_num}). */
    Catalog.TemplateStrategy templateStrategy(int serverVersionNum) {
        return serverVersionNum < 150000 ? Catalog.TemplateStrategy.SERVER_DEFAULT : templateStrategy;
    }

    @Override
    public String toString() {
        return label;
    }
}
