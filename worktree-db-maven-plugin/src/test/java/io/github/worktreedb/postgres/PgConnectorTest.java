package io.github.worktreedb.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the plugin's connections are opened, against the real test server. The login is bounded by a read timeout
 * (a server that accepts but never answers: {@code CloneMojoTest}); once logged in, that limit must be gone, or a
 * copy or restore taking longer than it would be cut off mid-way.
 */
class PgConnectorTest {

    static final TestPostgres PG = TestPostgres.get();
    static TestPostgres.OwnedDatabase db;

    @BeforeAll
    static void ownedDatabase() {
        db = PG.createOwnedDatabase("srv", role -> role + "-pw", null);
    }

    @AfterAll
    static void drop() {
        PG.dropDatabase(db.database());
    }

    @Test
    void onceLoggedInAConnectionHasNoReadTimeoutAndNamesItself() throws SQLException {
        PgConnector connector = new PgConnector(DatabaseUrls.parse(PG.url(db)), "a test", Duration.ofSeconds(1));
        try (Connection c = connector.connect(db.database()); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_setting('application_name')")) {
            assertThat(c.getNetworkTimeout()).as("read timeout (ms) after the login").isZero();
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(PgConnector.APPLICATION_NAME);
        }
    }

    @Test
    void aSocketTimeoutGivenInTheUrlStaysInForce() throws SQLException {
        PgConnector connector = new PgConnector(DatabaseUrls.parse(PG.url(db) + "?socketTimeout=42"), "a test", Duration.ofSeconds(1));
        try (Connection c = connector.connect(db.database())) {
            assertThat(c.getNetworkTimeout()).isEqualTo(42_000);
        }
    }

    /**
     * A login refused for a missing or wrong password: the server answered, so the message says so, names the user and
     * where the credentials came from, and never says "cannot reach" or shows the password.
     */
    @Test
    void aRefusedLoginSaysTheServerAnsweredAndWhereTheCredentialsCameFrom() {
        var noPassword = DatabaseUrls.parse(PG.url(db)).withPassword(null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PgConnector(noPassword, ".env:1 (DATABASE_URL)",
                        Duration.ofSeconds(2)).connect(db.database()))
                .isInstanceOf(io.github.worktreedb.core.WorktreeDbException.class)
                .hasMessageContaining("answered, but refused the login of user '" + db.role() + "': it asked for a password "
                        + "and none was given. The credentials came from .env:1 (DATABASE_URL)")
                .message().doesNotContain("Cannot reach").doesNotContain("running");
        var wrong = DatabaseUrls.parse(PG.url(db)).withPassword("wrong-" + db.password());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PgConnector(wrong, ".env:1 (DATABASE_URL)",
                        Duration.ofSeconds(2)).connect(db.database()))
                .hasMessageContaining("answered, but refused the login of user '" + db.role() + "'")
                .hasMessageContaining("-Dworktree-db.password")
                .message().doesNotContain("wrong-" + db.password()).doesNotContain("Cannot reach");
    }
}
