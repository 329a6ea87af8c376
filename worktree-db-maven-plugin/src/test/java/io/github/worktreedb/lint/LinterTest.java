package io.github.worktreedb.lint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinterTest {

    private static List<Finding> lint(Linter.Options options, Linter.MigrationFile... files) {
        return new Linter(options).lint(List.of(files));
    }

    private static List<String> rules(String sql) {
        return lint(Linter.Options.LOCAL, new Linter.MigrationFile("V9__x.sql", sql, null)).stream()
                .map(f -> f.line() + " " + f.rule().id()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        DROP TABLE legacy_orders                                                | drop-table
        drop table if exists public.legacy_orders cascade                       | drop-table
        ALTER TABLE customer DROP COLUMN fax                                    | drop-column
        ALTER TABLE IF EXISTS ONLY public.customer DROP fax                     | drop-column
        DROP SCHEMA reporting CASCADE                                           | drop-schema
        DROP DATABASE shop_old                                                  | drop-database
        TRUNCATE audit_log                                                      | truncate
        ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)                | column-type-change
        ALTER TABLE orders ALTER total SET DATA TYPE bigint                     | column-type-change
        create index orders_customer on orders(customer_id)                     | index-not-concurrent
        CREATE UNIQUE INDEX IF NOT EXISTS customer_email ON ONLY "Customer" (email) | index-not-concurrent
        ALTER TABLE customer ALTER COLUMN email SET NOT NULL                    | set-not-null
        ALTER TABLE customer ADD COLUMN tier text NOT NULL                      | not-null-without-default
        ALTER TABLE customer ADD tier text CONSTRAINT t NOT NULL                | not-null-without-default
        ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0)            | constraint-without-not-valid
        ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customer    | constraint-without-not-valid
        ALTER TABLE customer ADD CONSTRAINT email_unique UNIQUE (email)         | constraint-builds-index
        ALTER TABLE customer RENAME COLUMN name TO full_name                    | rename-column
        ALTER TABLE customer RENAME name TO full_name                           | rename-column
        ALTER TABLE customer RENAME TO client                                   | rename-table
        ALTER TABLE customer ADD COLUMN token uuid DEFAULT gen_random_uuid()    | volatile-default
        ALTER TABLE customer ADD COLUMN r float8 NOT NULL DEFAULT random()      | volatile-default
        ALTER TABLE customer ADD COLUMN seq bigserial                           | volatile-default
        ALTER TABLE customer ADD COLUMN n int GENERATED ALWAYS AS IDENTITY      | volatile-default
        VACUUM FULL orders                                                      | rewrites-table
        LOCK TABLE orders IN ACCESS EXCLUSIVE MODE                              | lock-table
        """)
    void reportsEachRuleOnItsLine(String sql, String rule) {
        assertThat(rules("-- comment\n" + sql + ";\n")).containsExactly("2 " + rule);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        CREATE INDEX CONCURRENTLY orders_customer ON orders(customer_id)
        ALTER TABLE customer ADD COLUMN tier text NOT NULL DEFAULT 'basic'
        ALTER TABLE customer ADD COLUMN seen timestamptz NOT NULL DEFAULT now()
        ALTER TABLE customer ADD COLUMN note text
        ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID
        ALTER TABLE orders VALIDATE CONSTRAINT positive
        ALTER TABLE customer ADD CONSTRAINT email_unique UNIQUE USING INDEX customer_email
        ALTER TABLE customer ALTER COLUMN tier SET DEFAULT 'gold'
        ALTER TABLE customer ALTER COLUMN tier DROP NOT NULL
        ALTER TABLE customer DROP CONSTRAINT positive
        ALTER TABLE customer RENAME CONSTRAINT a TO b
        CREATE TABLE coupon(code text PRIMARY KEY)
        INSERT INTO customer VALUES (1, 'drop table customer')
        UPDATE customer SET name = 'ALTER TABLE x DROP COLUMN y'
        SET lock_timeout = '5s'
        """)
    void leavesSafeStatementsAlone(String sql) {
        assertThat(rules(sql + ";")).isEmpty();
    }

    @Test
    void readsFunctionBodiesAsOneStatementAndCommentsAsNothing() {
        String sql = """
                /* DROP TABLE in a comment */
                CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE x; END $$;
                -- TRUNCATE in a comment
                CREATE INDEX i ON t(x);
                """;
        assertThat(lint(Linter.Options.LOCAL, new Linter.MigrationFile("V3__f.sql", sql, null))).singleElement()
                .extracting(Finding::describe).asString()
                .startsWith("V3__f.sql:4: [index-not-concurrent] CREATE INDEX i ON t(x) — builds the index under a SHARE lock")
                .contains("Safer: CREATE INDEX CONCURRENTLY");
    }

    @Test
    void aTableCreatedEarlierInThePendingSetIsNewAndLocksNobody() {
        var create = new Linter.MigrationFile("V5__coupon.sql", "CREATE TABLE coupon(code text);\n", null);
        var index = new Linter.MigrationFile("V6__coupon_index.sql", """
                CREATE INDEX coupon_code ON coupon(code);
                ALTER TABLE coupon ADD COLUMN valid boolean NOT NULL;
                CREATE INDEX orders_total ON orders(total);
                """, null);
        assertThat(lint(Linter.Options.LOCAL, create, index)).extracting(f -> f.file() + ":" + f.line() + " " + f.rule().id())
                .containsExactly("V6__coupon_index.sql:3 index-not-concurrent");
    }

    @Test
    void aCommentInOrAboveTheStatementSuppressesNamedRules() {
        assertThat(rules("""
                -- worktree-db:ignore drop-column
                ALTER TABLE customer DROP COLUMN fax;
                ALTER TABLE customer DROP COLUMN telex, -- worktree-db:ignore rename-column
                  RENAME COLUMN a TO b;
                /* worktree-db:ignore all */ DROP TABLE legacy;
                """)).containsExactly("3 drop-column");
    }

    @Test
    void concurrentlyMixedWithTransactionalStatementsOrForcedIntoATransaction() {
        assertThat(rules("SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY i ON orders(total);\n"))
                .containsExactly("2 concurrently-in-transaction");
        assertThat(rules("CREATE INDEX CONCURRENTLY i ON orders(total);\n")).isEmpty();
        assertThat(lint(Linter.Options.LOCAL, new Linter.MigrationFile("V7__i.sql",
                "CREATE INDEX CONCURRENTLY i ON orders(total);\n", true))).extracting(f -> f.rule().id())
                .containsExactly("concurrently-in-transaction");
    }

    @Test
    void aProtectedTargetNeedsALockTimeoutBeforeTheFirstLockingStatement() {
        String sql = "ALTER TABLE customer ADD COLUMN note text;\nALTER TABLE orders ADD COLUMN note text;\n";
        assertThat(lint(new Linter.Options(true, false), new Linter.MigrationFile("V8__n.sql", sql, null)))
                .extracting(f -> f.line() + " " + f.rule().id()).containsExactly("1 missing-lock-timeout");
        assertThat(lint(new Linter.Options(true, true), new Linter.MigrationFile("V8__n.sql", sql, null))).isEmpty();
        assertThat(lint(new Linter.Options(true, false), new Linter.MigrationFile("V8__n.sql",
                "SET lock_timeout = '3s';\n" + sql, null))).isEmpty();
        assertThat(lint(Linter.Options.LOCAL, new Linter.MigrationFile("V8__n.sql", sql, null))).isEmpty();
    }
}
