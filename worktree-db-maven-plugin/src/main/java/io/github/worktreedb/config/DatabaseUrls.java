package io.github.worktreedb.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses PostgreSQL connection URLs in the forms people put in env files and configuration:
 * libpq URIs ({@code postgres://}, {@code postgresql://}), JDBC URLs ({@code jdbc:postgresql:}), and the
 * driver- and framework-qualified schemes of SQLAlchemy/Alembic ({@code postgresql+psycopg2://},
 * {@code postgresql+asyncpg://}...), Celery result backends ({@code db+postgresql://}), Phoenix/Ecto
 * ({@code ecto://}) and dj-database-url and django-environ ({@code psql://}, {@code pgsql://}, {@code postgis://},
 * {@code timescale://}).
 *
 * <p>Understands user:password@, percent-encoding, ports, several hosts, IPv6 literals in brackets,
 * socket directories (as an encoded host or {@code ?host=/path}) and query parameters. The error
 * messages it throws ({@link IllegalArgumentException}) never contain the URL or its password.
 */
public final class DatabaseUrls {

    private DatabaseUrls() {}

    /**
     * The schemes of a PostgreSQL URL: {@code jdbc:postgresql:}, or {@code postgres}, {@code postgresql},
     * {@code pgsql}, {@code postgis}, {@code timescale}, {@code ecto}, optionally after {@code db+} (Celery) and
     * before {@code +driver} (SQLAlchemy), then {@code ://}.
     */
    private static final Pattern SCHEME = Pattern.compile(
            "(?i)^(?:jdbc:postgresql:|(?:db\\+)?(?:postgres|postgresql|psql|pgsql|postgis|timescale|timescalegis|ecto)"
                    + "(?:\\+[a-z0-9_]+)?:(?=//))");

    /** Whether the text looks like a PostgreSQL URL at all (it may still be malformed). */
    public static boolean isPostgresUrl(String text) {
        return SCHEME.matcher(text.trim()).find();
    }

    /** Where the scheme of a PostgreSQL URL ends (after {@code jdbc:postgresql:} or before {@code //}), or -1. */
    private static int schemeEnd(String s) {
        Matcher m = SCHEME.matcher(s);
        return m.find() ? m.end() : -1;
    }

    /** The scheme of a URL-like text ({@code mysql}, {@code jdbc:mysql}), or {@code null}. */
    public static String schemeOf(String text) {
        String s = text.trim();
        int i = s.indexOf("://");
        if (i <= 0) {
            i = s.startsWith("jdbc:") ? s.indexOf(':', 5) : -1;
        }
        return i > 0 ? s.substring(0, i).toLowerCase(Locale.ROOT) : null;
    }

    public static ConnectionSpec parse(String url) {
        String s = url.trim();
        int schemeEnd = schemeEnd(s);
        if (schemeEnd < 0) {
            String scheme = schemeOf(s);
            throw new IllegalArgumentException((scheme == null ? "not a URL" : "scheme '" + scheme + "' is not PostgreSQL")
                    + "; expected postgres://, postgresql:// (also postgresql+driver://), ecto:// or jdbc:postgresql://");
        }
        boolean jdbc = s.regionMatches(true, 0, "jdbc:", 0, 5);
        String rest = s.substring(schemeEnd);

        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int fragment = query == null ? rest.indexOf('#') : -1;
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }

        String user = null;
        String password = null;
        List<ConnectionSpec.HostPort> hosts = new ArrayList<>();
        String database;
        if (jdbc && !rest.startsWith("//")) {
            // jdbc:postgresql:database  or  jdbc:postgresql:/
            database = rest.startsWith("/") ? rest.substring(1) : rest;
            database = decode(database, "database name");
        } else {
            if (!rest.startsWith("//")) {
                throw new IllegalArgumentException("expected '//' after the scheme");
            }
            rest = rest.substring(2);
            // the last '@' ends the user info: passwords with unencoded '@' or '/' still parse
            int at = rest.lastIndexOf('@');
            if (at >= 0) {
                String userInfo = rest.substring(0, at);
                rest = rest.substring(at + 1);
                int colon = userInfo.indexOf(':');
                if (colon >= 0) {
                    user = decode(userInfo.substring(0, colon), "user name");
                    password = decode(userInfo.substring(colon + 1), "password");
                } else {
                    user = decode(userInfo, "user name");
                }
            }
            int slash = rest.indexOf('/');
            String hostSpec = slash >= 0 ? rest.substring(0, slash) : rest;
            database = slash >= 0 ? decode(rest.substring(slash + 1), "database name") : null;
            if (!hostSpec.isEmpty()) {
                for (String hp : splitHosts(hostSpec)) {
                    hosts.add(parseHostPort(hp));
                }
            }
        }

        Map<String, String> params = new LinkedHashMap<>();
        String queryHost = null;
        String queryPort = null;
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq >= 0 ? pair.substring(0, eq) : pair, "parameter name");
                String value = eq >= 0 ? decode(pair.substring(eq + 1), "value of parameter '" + key + "'") : "";
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    case "dbname" -> database = value;
                    case "host" -> queryHost = value;
                    case "port" -> queryPort = value;
                    default -> params.put(key, value);
                }
            }
        }
        if (queryHost != null && !queryHost.isEmpty()) {
            hosts.clear();
            for (String h : queryHost.split(",")) {
                hosts.add(new ConnectionSpec.HostPort(h.trim(), ConnectionSpec.DEFAULT_PORT));
            }
        }
        if (hosts.isEmpty()) {
            hosts.add(new ConnectionSpec.HostPort("localhost", ConnectionSpec.DEFAULT_PORT));
        }
        if (queryPort != null && !queryPort.isEmpty()) {
            String[] ports = queryPort.split(",");
            for (int i = 0; i < hosts.size(); i++) {
                String p = ports[Math.min(i, ports.length - 1)].trim();
                hosts.set(i, new ConnectionSpec.HostPort(hosts.get(i).host(), parsePort(p)));
            }
        }
        if (database != null && database.isEmpty()) {
            database = null;
        }
        if (user != null && user.isEmpty()) {
            user = null;
        }
        return new ConnectionSpec(hosts, database, user, password, params);
    }

    /**
     * The URL with only its database name replaced: every other character (user, password, hosts, parameters and
     * their encoding) stays as it was. {@code newDatabase} must be a plain identifier (it is not encoded).
     */
    public static String replaceDatabase(String url, String newDatabase) {
        int[] span = databaseSpan(url);
        return url.substring(0, span[0]) + (span[2] == 1 ? "/" : "") + newDatabase + url.substring(span[1]);
    }

    /**
     * Where the database name is in a PostgreSQL URL, as written (encoded, or a {@code ${REFERENCE}}):
     * {@code {start, end, slash}}; {@code start == end} when the URL names no database, and {@code slash == 1} when a
     * {@code /} must go before a name inserted there. {@code ?dbname=} wins over the path, as in libpq.
     */
    public static int[] databaseSpan(String url) {
        int afterScheme = schemeEnd(url);
        if (afterScheme < 0) {
            throw new IllegalArgumentException("not a PostgreSQL URL");
        }
        int q = url.indexOf('?', afterScheme);
        int end = q >= 0 ? q : url.length();
        if (q >= 0) {
            int p = q + 1;
            while (p < url.length()) {
                int amp = url.indexOf('&', p);
                int pairEnd = amp < 0 ? url.length() : amp;
                if (url.startsWith("dbname=", p)) {
                    return new int[] {p + 7, pairEnd, 0};
                }
                p = pairEnd + 1;
            }
        }
        if (!url.startsWith("//", afterScheme)) {
            // jdbc:postgresql:database or jdbc:postgresql:/database
            int from = url.startsWith("/", afterScheme) ? afterScheme + 1 : afterScheme;
            return new int[] {from, end, 0};
        }
        int at = url.lastIndexOf('@', end - 1);
        int hostStart = at >= afterScheme ? at + 1 : afterScheme + 2;
        int slash = url.indexOf('/', hostStart);
        if (slash < 0 || slash > end) {
            return new int[] {end, end, 1};
        }
        int hash = url.indexOf('#', slash);
        int dbEnd = hash >= 0 && hash < end ? hash : end;
        return new int[] {slash + 1, dbEnd, 0};
    }

    /**
     * Where the host list of a PostgreSQL URL is, as written ({@code localhost:5432} in
     * {@code postgres://app@localhost:5432/shop}): {@code {start, end}}, or {@code null} when the URL has none
     * ({@code jdbc:postgresql:shop}).
     */
    public static int[] hostSpan(String url) {
        int afterScheme = schemeEnd(url);
        if (afterScheme < 0 || !url.startsWith("//", afterScheme)) {
            return null;
        }
        int q = url.indexOf('?', afterScheme);
        int end = q >= 0 ? q : url.length();
        int at = url.lastIndexOf('@', end - 1);
        int hostStart = at >= afterScheme ? at + 1 : afterScheme + 2;
        int slash = url.indexOf('/', hostStart);
        int hostEnd = slash >= 0 && slash < end ? slash : end;
        int hash = url.indexOf('#', hostStart);
        if (hash >= 0 && hash < hostEnd) {
            hostEnd = hash;
        }
        return new int[] {hostStart, hostEnd};
    }

    /**
     * The URL with only its server changed: the port set to {@code port}, the host to {@code host} unless that is
     * {@code null} (then kept as written). Every other character stays. The URL must have a single host.
     */
    public static String replaceServer(String url, String host, int port) {
        int[] span = hostSpan(url);
        if (span == null) {
            throw new IllegalArgumentException("the URL names no host");
        }
        String hp = url.substring(span[0], span[1]);
        if (hp.contains(",")) {
            throw new IllegalArgumentException("the URL names several hosts");
        }
        String writtenHost;
        if (hp.startsWith("[")) {
            writtenHost = hp.substring(0, hp.indexOf(']') + 1);
        } else {
            int colon = hp.lastIndexOf(':');
            writtenHost = colon >= 0 ? hp.substring(0, colon) : hp;
        }
        String newHost = host != null ? host : writtenHost.isEmpty() ? "localhost" : writtenHost;
        return url.substring(0, span[0]) + newHost + ":" + port + url.substring(span[1]);
    }

    private static List<String> splitHosts(String hostSpec) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < hostSpec.length(); i++) {
            char c = hostSpec.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(hostSpec.substring(start, i));
                start = i + 1;
            }
        }
        out.add(hostSpec.substring(start));
        return out;
    }

    private static ConnectionSpec.HostPort parseHostPort(String hp) {
        String host;
        String port = null;
        if (hp.startsWith("[")) {
            int close = hp.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("IPv6 host is missing its closing ']'");
            }
            host = hp.substring(1, close);
            String after = hp.substring(close + 1);
            if (after.startsWith(":")) {
                port = after.substring(1);
            } else if (!after.isEmpty()) {
                throw new IllegalArgumentException("unexpected text after the IPv6 host");
            }
        } else {
            int colon = hp.lastIndexOf(':');
            if (colon >= 0) {
                host = hp.substring(0, colon);
                port = hp.substring(colon + 1);
            } else {
                host = hp;
            }
            host = decode(host, "host");
        }
        if (host.isEmpty()) {
            host = "localhost";
        }
        return new ConnectionSpec.HostPort(host, port == null || port.isEmpty() ? ConnectionSpec.DEFAULT_PORT : parsePort(port));
    }

    static int parsePort(String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("port '" + port + "' is not a number from 1 to 65535");
    }

    /** Percent-decoding as URLs use it: '+' stays '+', bytes are UTF-8. */
    static String decode(String s, String what) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new IllegalArgumentException("bad percent-encoding in the " + what + " (a '%' must be followed by two hex digits; write '%25' for '%')");
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.writeBytes(b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
