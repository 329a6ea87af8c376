package io.github.worktreedb.it.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Run by the benchmark in a JVM of its own, with only the PostgreSQL driver on the class path: one login and
 * {@code SELECT 1} (arguments: JDBC URL, user; the password comes on standard input, never on a command line). Without
 * arguments it does nothing: the same JVM's start alone. The difference is what one login costs in a fresh JVM, the
 * floor under any goal that connects.
 */
public final class ColdLogin {

    private ColdLogin() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            return;
        }
        String password = new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try (Connection c = DriverManager.getConnection(args[0], args[1], password);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
        }
    }
}
