package io.github.worktreedb.env;

import io.github.worktreedb.config.ConnectionSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A keyword/value connection string, as libpq ({@code host=localhost port=5432 dbname=shop user=app}, psycopg's and
 * Go's lib/pq {@code dsn}) and Npgsql ({@code Host=localhost;Port=5432;Database=shop;Username=app}) write it: where its
 * server is and where, in the text, its database name is.
 *
 * @param spec host and port (database and credentials left out)
 * @param database the database name, unquoted, or {@code null}
 * @param databaseStart where the database name starts in the text (inside quotes), or -1
 * @param databaseEnd where it ends
 * @param portStart where the port is in the text (inside quotes), or -1 when it names none
 * @param portEnd where it ends
 * @param hostStart where the host is in the text, or -1
 * @param hostEnd where it ends
 */
record ConnInfo(ConnectionSpec spec, String database, int databaseStart, int databaseEnd, int portStart, int portEnd,
        int hostStart, int hostEnd) {

    private static final Pattern PAIR = Pattern.compile(
            "(?i)(?<=^|[\\s;])(host|hostaddr|server|port|dbname|database)\\s*=\\s*(?:'([^']*)'|([^\\s;']*))");

    /** A value that names a database in keyword/value form and is not a URL. */
    static boolean looksLike(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        return !v.contains("://") && (Pattern.compile("(^|[\\s;])dbname\\s*=").matcher(v).find()
                || Pattern.compile("(^|[\\s;])database\\s*=").matcher(v).find()
                        && Pattern.compile("(^|[\\s;])(host|server)\\s*=").matcher(v).find());
    }

    static ConnInfo parse(String text) {
        String host = "localhost";
        int port = ConnectionSpec.DEFAULT_PORT;
        String database = null;
        int start = -1;
        int end = -1;
        int portStart = -1;
        int portEnd = -1;
        int hostStart = -1;
        int hostEnd = -1;
        Matcher m = PAIR.matcher(text);
        while (m.find()) {
            int group = m.group(2) != null ? 2 : 3;
            String v = m.group(group);
            switch (m.group(1).toLowerCase(Locale.ROOT)) {
                case "host", "hostaddr", "server" -> {
                    host = v.isEmpty() ? host : v.split(",")[0];
                    hostStart = m.start(group);
                    hostEnd = m.end(group);
                }
                case "port" -> {
                    portStart = m.start(group);
                    portEnd = m.end(group);
                    try {
                        port = Integer.parseInt(v.split(",")[0].strip());
                    } catch (NumberFormatException e) {
                        port = -1;
                    }
                }
                default -> {
                    database = v;
                    start = m.start(group);
                    end = m.end(group);
                }
            }
        }
        return new ConnInfo(new ConnectionSpec(List.of(new ConnectionSpec.HostPort(host, Math.max(port, 1))), null, null,
                null, Map.of()), database, start, end, portStart, portEnd, hostStart, hostEnd);
    }
}
