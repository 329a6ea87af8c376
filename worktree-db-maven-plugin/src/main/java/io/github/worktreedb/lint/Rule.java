package io.github.worktreedb.lint;

/** What {@code lint} looks for in pending migrations, in the spirit of squawk and strong_migrations. */
public enum Rule {
    DROP_TABLE("drop-table", "takes an ACCESS EXCLUSIVE lock and deletes the table and its data; code still using it breaks",
            "stop using the table in the code and deploy that first, drop it in a later migration, and keep a backup"),
    DROP_COLUMN("drop-column", "takes an ACCESS EXCLUSIVE lock and deletes the column's data; code still reading it breaks",
            "stop using the column in the code and deploy that first, then drop it in a later migration"),
    DROP_SCHEMA("drop-schema", "deletes every object in the schema and its data", "drop what it holds one by one, deliberately"),
    DROP_DATABASE("drop-database", "deletes a whole database", "never from a migration: drop databases by hand"),
    TRUNCATE("truncate", "takes an ACCESS EXCLUSIVE lock and deletes every row", "delete in batches, or do it by hand"),
    INDEX_NOT_CONCURRENT("index-not-concurrent",
            "builds the index under a SHARE lock: writes to the table wait until it is built",
            "CREATE INDEX CONCURRENTLY, alone in its own migration (Flyway then runs it outside a transaction)"),
    NOT_NULL_WITHOUT_DEFAULT("not-null-without-default",
            "adding a NOT NULL column without a default fails on a table that has rows",
            "add it nullable (or with a constant DEFAULT), backfill in batches, then add the NOT NULL"),
    SET_NOT_NULL("set-not-null",
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait",
            "ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET NOT NULL "
                    + "(PostgreSQL 12+ then skips the scan)"),
    CONSTRAINT_WITHOUT_NOT_VALID("constraint-without-not-valid",
            "checks every row while holding a lock that blocks writes (SHARE ROW EXCLUSIVE; ACCESS EXCLUSIVE for CHECK)",
            "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later migration (it takes a weaker lock)"),
    CONSTRAINT_BUILDS_INDEX("constraint-builds-index",
            "a UNIQUE or PRIMARY KEY constraint builds its index under an ACCESS EXCLUSIVE lock",
            "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX"),
    COLUMN_TYPE_CHANGE("column-type-change",
            "changing a column's type usually rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
            "add a column of the new type, backfill it in batches, switch the code over, drop the old column later"),
    RENAME_COLUMN("rename-column", "code deployed before the migration still uses the old name and fails",
            "add the new column, write to both, backfill, switch reads, drop the old column later (or a view)"),
    RENAME_TABLE("rename-table", "code deployed before the migration still uses the old name and fails",
            "create the new table (or a view under the new name), switch the code, drop the old one later"),
    VOLATILE_DEFAULT("volatile-default",
            "a volatile default (random(), gen_random_uuid(), clock_timestamp(), a serial or identity, a stored generated "
                    + "column) rewrites the whole table under an ACCESS EXCLUSIVE lock",
            "add the column without the default, set the default in a second statement, backfill existing rows in batches"),
    CONCURRENTLY_IN_TRANSACTION("concurrently-in-transaction",
            "CONCURRENTLY cannot run inside a transaction, and Flyway runs this migration in one (it mixes in transactional "
                    + "statements, or its .conf sets executeInTransaction=true): Flyway refuses it, or with mixed=true runs "
                    + "all of it without a transaction, so a failure leaves it half applied",
            "put the CONCURRENTLY statement alone in its own migration"),
    REWRITES_TABLE("rewrites-table", "VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock",
            "pg_repack, or do it by hand in a maintenance window"),
    LOCK_TABLE("lock-table", "an explicit LOCK TABLE blocks everyone else for the rest of the migration",
            "leave locking to the statements that need it"),
    MISSING_LOCK_TIMEOUT("missing-lock-timeout",
            "on a protected database a statement that waits for a lock queues every later query behind it, with no limit",
            "SET lock_timeout = '5s' at the top of the migration, or leave -Dworktree-db.lockTimeout at its default");

    private final String id;
    private final String why;
    private final String safer;

    Rule(String id, String why, String safer) {
        this.id = id;
        this.why = why;
        this.safer = safer;
    }

    public String id() {
        return id;
    }

    public String why() {
        return why;
    }

    public String safer() {
        return safer;
    }
}
