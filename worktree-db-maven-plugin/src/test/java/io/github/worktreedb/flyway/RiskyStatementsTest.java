package io.github.worktreedb.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RiskyStatementsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        DROP TABLE legacy_orders                                        | drops data
        ALTER TABLE customer DROP COLUMN fax                            | drops a column
        TRUNCATE audit_log                                              | deletes every row
        ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)        | changes a column type
        ALTER TABLE orders ALTER COLUMN total SET DATA TYPE bigint      | changes a column type
        create index orders_customer on orders(customer_id)             | without CONCURRENTLY
        CREATE UNIQUE INDEX customer_email ON customer(email)           | without CONCURRENTLY
        ALTER TABLE customer ALTER COLUMN email SET NOT NULL            | exclusive lock
        ALTER TABLE customer ADD COLUMN tier text NOT NULL              | without a default
        VACUUM FULL orders                                              | rewrites or locks
        """)
    void flagsStatementsThatLoseDataOrLockTables(String sql, String why) {
        assertThat(RiskyStatements.find("V9__x.sql", "-- comment\n" + sql + ";\n"))
                .singleElement().asString().startsWith("V9__x.sql:2: ").contains(why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        CREATE INDEX CONCURRENTLY orders_customer ON orders(customer_id)
        ALTER TABLE customer ADD COLUMN tier text NOT NULL DEFAULT 'basic'
        CREATE TABLE coupon(code text PRIMARY KEY)
        INSERT INTO customer VALUES (1, 'drop table customer')
        """)
    void leavesSafeStatementsAlone(String sql) {
        assertThat(RiskyStatements.find("V9__x.sql", sql + ";")).isEmpty();
    }

    @Test
    void readsFunctionBodiesAsOneStatementAndCommentsAsNothing() {
        String sql = """
                /* DROP TABLE in a comment */
                CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;
                -- TRUNCATE in a comment
                CREATE INDEX i ON t(x);
                """;
        assertThat(RiskyStatements.find("V3__f.sql", sql)).containsExactly(
                "V3__f.sql:4: builds an index without CONCURRENTLY: blocks writes to the table");
    }
}
