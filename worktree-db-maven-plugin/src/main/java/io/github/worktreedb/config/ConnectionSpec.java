package io.github.worktreedb.config;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Where a PostgreSQL database is and how to log in to it: what a {@code DATABASE_URL} or a set of
 * {@code DB_*} / {@code PG*} keys says. Immutable. {@link #toString()} never shows the password.
 *
 * @param hosts one or more hosts; a host that starts with {@code /} is a Unix-socket directory
 * @param database the database name, or {@code null} when the source did not say (libpq then uses the user name)
 * @param user the login role, or {@code null} when the source did not say
 * @param password the password, or {@code null}
 * @param parameters other connection parameters (sslmode, application_name, ...), in source order
 */
public record ConnectionSpec(
        List<HostPort> hosts, String database, String user, String password, Map<String, String> parameters) {

    public static final int DEFAULT_PORT = 5432;

    /** One host and port. */
    public record HostPort(String host, int port) {
        public HostPort {
            Objects.requireNonNull(host, "host");
        }

        public boolean isSocket() {
            return host.startsWith("/");
        }

        /** {@code host:port}, with IPv6 literals in brackets. */
        public String display() {
            String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            return isSocket() ? host + " (socket), port " + port : h + ":" + port;
        }
    }

    public ConnectionSpec {
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("at least one host is needed");
        }
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public HostPort primary() {
        return hosts.get(0);
    }

    public ConnectionSpec withDatabase(String newDatabase) {
        return new ConnectionSpec(hosts, newDatabase, user, password, parameters);
    }

    public ConnectionSpec withUser(String newUser) {
        return new ConnectionSpec(hosts, database, newUser, password, parameters);
    }

    public ConnectionSpec withPassword(String newPassword) {
        return new ConnectionSpec(hosts, database, user, newPassword, parameters);
    }

    /** Fills user and database from libpq's defaults when the source left them out. */
    /**
     * This connection with a session tagged {@code applicationName} and the server settings {@code settings} (for
     * example {@code lock_timeout}) from its start: libpq's {@code application_name} and {@code options} parameters,
     * which pgjdbc passes in the startup packet. {@code options} the URL already had come first.
     */
    public ConnectionSpec withSession(String applicationName, Map<String, String> settings) {
        Map<String, String> p = new java.util.LinkedHashMap<>(parameters);
        p.put("application_name", applicationName);
        StringBuilder options = new StringBuilder(p.getOrDefault("options", ""));
        settings.forEach((k, v) -> options.append(options.length() == 0 ? "" : " ").append("-c ").append(k).append('=')
                .append(v));
        if (options.length() > 0) {
            p.put("options", options.toString());
        }
        return new ConnectionSpec(hosts, database, user, password, p);
    }

    public ConnectionSpec withDefaults(String defaultUser) {
        String u = user != null ? user : defaultUser;
        String d = database != null ? database : u;
        return new ConnectionSpec(hosts, d, u, password, parameters);
    }

    /** True when every host is a loopback address, {@code localhost} or a local socket. */
    public boolean isLocal() {
        return hosts.stream().allMatch(h -> h.isSocket() || isLoopbackName(h.host()));
    }

    static boolean isLoopbackName(String host) {
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return h.equals("localhost")
                || h.endsWith(".localhost")
                || h.startsWith("127.")
                || h.equals("::1")
                || h.equals("[::1]")
                || h.equals("0:0:0:0:0:0:0:1");
    }

    /**
     * The JDBC URL for this database, without credentials (they travel as connection properties).
     * The JDBC driver has no Unix-socket transport, so a socket host becomes {@code localhost} on the same port.
     */
    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    /** The JDBC URL of another database on the same server. */
    public String jdbcUrl(String databaseName) {
        String hostList = hosts.stream()
                .map(h -> (h.isSocket() ? "localhost" : bracket(h.host())) + ":" + h.port())
                .distinct()
                .collect(Collectors.joining(","));
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostList).append('/');
        url.append(encode(databaseName == null ? "" : databaseName));
        String query = parameters.entrySet().stream()
                .map(e -> encode(jdbcParameterName(e.getKey())) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        if (!query.isEmpty()) {
            url.append('?').append(query);
        }
        return url.toString();
    }

    /** The host of the first server, as a JDBC client would use it. */
    public String jdbcHost() {
        return primary().isSocket() ? "localhost" : primary().host();
    }

    /** libpq and JDBC spell a few parameters differently. */
    private static String jdbcParameterName(String libpqName) {
        return switch (libpqName) {
            case "connect_timeout" -> "connectTimeout";
            case "application_name" -> "ApplicationName";
            case "target_session_attrs" -> "targetServerType";
            default -> libpqName;
        };
    }

    private static String bracket(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A display form without the password: {@code postgresql://user@host:port/database}. */
    @Override
    public String toString() {
        String hostList = hosts.stream().map(HostPort::display).collect(Collectors.joining(","));
        return "postgresql://" + (user == null ? "" : user + "@") + hostList + "/" + (database == null ? "" : database);
    }
}
