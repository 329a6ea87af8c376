package io.github.worktreedb.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How env keys name a database and its connection, by convention rather than by a fixed list: a key is a
 * <em>prefix</em> plus a <em>suffix</em>, and keys that share a prefix belong together ({@code DB_DATABASE},
 * {@code DB_HOST}, {@code DB_USERNAME}; {@code POLAR_POSTGRES_DATABASE}, {@code POLAR_POSTGRES_PWD};
 * {@code PGDATABASE}, {@code PGHOST}). Credentials may also sit at a shorter prefix ({@code KC_DB_URL_DATABASE}
 * with {@code KC_DB_USERNAME}; {@code QUARKUS_DATASOURCE_JDBC_URL} with {@code QUARKUS_DATASOURCE_PASSWORD}).
 */
public final class EnvKeys {

    /** Suffixes of a database-name key, longest first. {@code NAME} counts only after a database-like prefix. */
    public static final List<String> NAME_SUFFIXES = List.of("DATABASE_NAME", "DB_NAME", "DBNAME", "DATABASE", "NAME", "DB");
    public static final List<String> HOST_SUFFIXES = List.of("HOST", "HOSTNAME", "SERVER");
    public static final List<String> PORT_SUFFIXES = List.of("PORT");
    public static final List<String> USER_SUFFIXES = List.of("USERNAME", "USER", "USER_NAME");
    public static final List<String> PASSWORD_SUFFIXES = List.of("PASSWORD", "PASS", "PWD", "PASSWD");
    /** Suffixes of a URL key; what is before them is the prefix of its credentials. */
    public static final List<String> URL_SUFFIXES = List.of("JDBC_URL", "URL", "URI", "DSN", "SQL_ALCHEMY_CONN", "CONN");

    /** Words that make a prefix database-like. */
    private static final Set<String> DB_WORDS =
            Set.of("DB", "DATABASE", "POSTGRES", "POSTGRESQL", "PG", "PSQL", "PGSQL", "DATASOURCE", "SQL");
    /** Words of other stores: such keys never name a PostgreSQL database. */
    private static final Set<String> OTHER_STORES = Set.of("MONGO", "MONGODB", "REDIS", "MYSQL", "MARIADB", "MSSQL",
            "SQLSERVER", "ORACLE", "SQLITE", "CLICKHOUSE", "ELASTIC", "ELASTICSEARCH", "INFLUX", "INFLUXDB", "NEO4J",
            "CASSANDRA", "COUCHDB", "DYNAMODB", "KAFKA", "RABBITMQ", "MEMCACHED", "VALKEY", "QDRANT", "CHROMA", "MILVUS");
    /**
     * Words that mark a secondary database (tests, replicas, other environments): such keys are never taken for the
     * main database, though their values are rewritten when they name it.
     */
    private static final Set<String> SECONDARY = Set.of("TEST", "TESTING", "SHADOW", "REPLICA", "READ", "READER", "RO",
            "READONLY", "ANALYTICS", "STAGING", "PROD", "PRODUCTION", "BACKUP", "ARCHIVE", "LEGACY", "OLD", "REMOTE", "E2E",
            "CI", "SECONDARY", "WAREHOUSE", "REPORTING", "STANDBY", "FOLLOWER");
    /** Keys beside a prefix that say which database product it is ({@code DB_CONNECTION=pgsql}, {@code KC_DB=postgres}). */
    private static final List<String> VENDOR_SUFFIXES =
            List.of("CONNECTION", "DRIVER", "ENGINE", "TYPE", "VENDOR", "DIALECT", "ADAPTER", "CLIENT", "KIND", "DB_KIND");
    private static final Pattern OTHER_VENDOR =
            Pattern.compile("(?i)mysql|maria|sqlite|mssql|sqlserver|oracle|mongo|\\bh2\\b|derby|db2|cockroach");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    private EnvKeys() {}

    static List<String> words(String key) {
        List<String> out = new ArrayList<>();
        for (String w : key.toUpperCase(Locale.ROOT).split("_+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** The key is for a secondary database (test, replica, staging...). */
    public static boolean secondary(String key) {
        return words(key).stream().anyMatch(SECONDARY::contains);
    }

    static boolean otherStore(String key) {
        return words(key).stream().anyMatch(OTHER_STORES::contains);
    }

    static boolean databaseLike(String prefix) {
        String p = prefix.toUpperCase(Locale.ROOT);
        return p.endsWith("PG") || words(p).stream().anyMatch(DB_WORDS::contains);
    }

    /** {@code X_} or {@code ..PG}: a prefix that keys can share. */
    private static boolean validPrefix(String prefix) {
        return !prefix.isEmpty() && (prefix.endsWith("_") || prefix.toUpperCase(Locale.ROOT).endsWith("PG"));
    }

    /**
     * When {@code key} names a database ({@code DB_NAME}, {@code DB_DATABASE}, {@code DB_DATABASE_NAME},
     * {@code PGDATABASE}, {@code POSTGRES_DB}, {@code POLAR_POSTGRES_DATABASE}...), the prefix its sibling keys share;
     * of several ways to split it, the one with the most siblings in {@code env}.
     */
    public static Optional<String> namePrefix(String key, Dotenv env) {
        String upper = key.toUpperCase(Locale.ROOT);
        if (otherStore(upper)) {
            return Optional.empty();
        }
        for (Dotenv.Entry e : env.entries()) {
            if (e.key().toUpperCase(Locale.ROOT).startsWith(upper + "_")) {
                // KC_DB=postgres beside KC_DB_URL_DATABASE, KC_DB_USERNAME: the product, not a database name
                return Optional.empty();
            }
        }
        String best = null;
        int bestSiblings = -1;
        for (String suffix : NAME_SUFFIXES) {
            if (!upper.endsWith(suffix)) {
                continue;
            }
            String prefix = key.substring(0, key.length() - suffix.length());
            if (!validPrefix(prefix) || suffix.equals("NAME") && !databaseLike(prefix)) {
                continue;
            }
            int siblings = 0;
            for (List<String> role : List.of(HOST_SUFFIXES, PORT_SUFFIXES, USER_SUFFIXES, PASSWORD_SUFFIXES)) {
                if (first(env, List.of(prefix), role).isPresent()) {
                    siblings++;
                }
            }
            if (siblings > bestSiblings) {
                best = prefix;
                bestSiblings = siblings;
            }
        }
        if (best != null && otherVendor(best, env)) {
            return Optional.empty();
        }
        return Optional.ofNullable(best);
    }

    /** The prefix of a URL key's credentials: {@code SPRING_DATASOURCE_} for {@code SPRING_DATASOURCE_URL}. */
    public static Optional<String> urlPrefix(String key) {
        String upper = key.toUpperCase(Locale.ROOT);
        for (String suffix : URL_SUFFIXES) {
            if (upper.endsWith("_" + suffix)) {
                return Optional.of(key.substring(0, key.length() - suffix.length()));
            }
        }
        return Optional.empty();
    }

    /** {@code prefix}, then its shorter database-like prefixes: {@code KC_DB_URL_}, {@code KC_DB_}. */
    static List<String> withAncestors(String prefix) {
        List<String> out = new ArrayList<>(List.of(prefix));
        String p = prefix.endsWith("_") ? prefix.substring(0, prefix.length() - 1) : prefix;
        int cut;
        while ((cut = p.lastIndexOf('_')) > 0) {
            p = p.substring(0, cut);
            if (databaseLike(p)) {
                out.add(p + "_");
            }
        }
        return out;
    }

    /** Another product is named beside the prefix ({@code DB_CONNECTION=mysql}). */
    static boolean otherVendor(String prefix, Dotenv env) {
        for (String p : withAncestors(prefix)) {
            List<String> keys = new ArrayList<>();
            VENDOR_SUFFIXES.forEach(s -> keys.add(p + s));
            if (p.endsWith("_")) {
                keys.add(p.substring(0, p.length() - 1));
            }
            for (String k : keys) {
                Optional<Dotenv.Entry> e = env.get(k);
                if (e.isPresent() && OTHER_VENDOR.matcher(e.get().value()).find()
                        && !e.get().value().toLowerCase(Locale.ROOT).contains("postg")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first of {@code prefix + suffix} (prefixes, then suffixes, in order) that the file assigns a non-blank value. */
    public static Optional<Dotenv.Entry> first(Dotenv env, List<String> prefixes, List<String> suffixes) {
        for (String p : prefixes) {
            for (String s : suffixes) {
                Optional<Dotenv.Entry> e = env.get(p + s);
                if (e.isPresent() && !e.get().value().isBlank()) {
                    return e;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The value with the {@code ${NAME}} references that the file could not resolve from the keys above them resolved
     * from any key of the file, then from {@code environment} (the process environment a tool would run in);
     * unknown ones stay as they are.
     */
    public static String resolve(String value, Dotenv env, Map<String, String> environment) {
        if (value == null || value.indexOf("${") < 0) {
            return value;
        }
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1)).map(Dotenv.Entry::value).filter(x -> !x.contains("${" + m.group(1)))
                    .orElse(environment.get(m.group(1)));
            if (v == null || v.isEmpty()) {
                v = m.group(2) != null ? m.group(2) : (v == null ? m.group() : v);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The first unresolved {@code ${NAME}} in a value, or {@code null}. */
    public static String unresolved(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = REFERENCE.matcher(value);
        return m.find() ? m.group() : null;
    }

    /** The names that {@code ${NAME}} references in a text. */
    public static List<String> references(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
