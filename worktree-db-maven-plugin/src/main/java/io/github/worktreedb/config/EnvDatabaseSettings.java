package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the main database in one env file, by the form of the values rather than by a fixed list of keys.
 * <ol>
 *   <li>A PostgreSQL URL in any key (every scheme {@link DatabaseUrls} reads). Of several, the main one is the first
 *       key of {@link #URL_KEYS} present, else a key with a database word in it ({@code HASURA_GRAPHQL_DATABASE_URL}),
 *       else any other ({@code CELERY_RESULT_BACKEND}), earlier lines first. Keys of a secondary database
 *       ({@code TEST_DATABASE_URL}, {@code READ_REPLICA_DATABASE_URL}, {@code SHADOW_DATABASE_URL}...) are never
 *       taken for the main one.</li>
 *   <li>Else a database-name key, grouped with its siblings by a shared prefix ({@link EnvKeys}): {@code DB_*} and
 *       {@code DATABASE_*} first, then {@code PG*}, then {@code POSTGRES_*}, then any other prefix
 *       ({@code POLAR_POSTGRES_DATABASE}, {@code KC_DB_URL_DATABASE}), earlier lines first.</li>
 * </ol>
 * The user and password a URL leaves out come from the keys beside it ({@code SPRING_DATASOURCE_USERNAME} for
 * {@code SPRING_DATASOURCE_URL}, {@code KC_DB_PASSWORD} for {@code KC_DB_URL}), then from the {@code DB_*},
 * {@code PG*} and {@code POSTGRES_*} keys of the same file. {@code ${NAME}} references are resolved from the file,
 * then from the environment.
 */
public final class EnvDatabaseSettings {

    static final String URL_KEYS_DOC = "DATABASE_URL, POSTGRES_URL, POSTGRESQL_URL, PG_URL, DB_URL, JDBC_DATABASE_URL, "
            + "SPRING_DATASOURCE_URL, QUARKUS_DATASOURCE_JDBC_URL, KC_DB_URL, HASURA_GRAPHQL_DATABASE_URL, PG_DATABASE_URL, "
            + "DATABASE_URI, SQLALCHEMY_DATABASE_URI, SQLALCHEMY_DATABASE_URL, AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, "
            + "AIRFLOW__CORE__SQL_ALCHEMY_CONN, POSTGRES_URI, DB_URI, POSTGRES_PRISMA_URL, DIRECT_URL";

    /** The preferred keys of a URL to the application's main database, in order. */
    public static final List<String> URL_KEYS = List.of(URL_KEYS_DOC.split(", "));

    /** The families whose credentials fill what a setting leaves out, and their default user. */
    private static final List<String> FILL_PREFIXES = List.of("DB_", "DATABASE_", "PG", "POSTGRES_");

    /** Every kind of key that is read, for the "searched for" part of an error message. */
    public static final List<String> NAME_KEYS = List.of("a PostgreSQL URL in any key",
            "*_DB_NAME, *_DATABASE_NAME, *_DATABASE, *_DB (DB_DATABASE, PGDATABASE, POSTGRES_DB...) with *_HOST, *_PORT, "
                    + "*_USER(NAME), *_PASSWORD");

    /**
     * What the file says.
     *
     * @param spec the connection; user and database may still be {@code null} (filled from defaults later)
     * @param key the key that named the database
     * @param line its line
     * @param credentials where the user and password came from when not from {@code key} itself, or {@code null}
     * @param alsoNamedBy other keys of the file that name the same database on the same server ({@code KEY (line n)})
     */
    public record Found(ConnectionSpec spec, String key, int line, String credentials, List<String> alsoNamedBy) {
        public Found {
            alsoNamedBy = List.copyOf(alsoNamedBy);
        }
    }

    private record Candidate(Dotenv.Entry entry, int rank, ConnectionSpec spec, String prefix) {}

    private EnvDatabaseSettings() {}

    /** {@link #find(Dotenv, String, Map)} with the process environment. */
    public static Optional<Found> find(Dotenv env, String where) {
        return find(env, where, System.getenv());
    }

    /**
     * The database setting in {@code env}, or empty when the file has none.
     *
     * @param where how to name the file in messages
     * @param environment resolves {@code ${NAME}} references the file does not define
     * @throws WorktreeDbException when the setting is there but malformed (names file:line and key)
     */
    public static Optional<Found> find(Dotenv env, String where, Map<String, String> environment) {
        List<Candidate> urls = new ArrayList<>();
        for (Dotenv.Entry entry : lastAssignments(env)) {
            String value = EnvKeys.resolve(entry.value(), env, environment).strip();
            int preferred = URL_KEYS.indexOf(entry.key());
            if (value.isEmpty()) {
                continue;
            }
            if (!DatabaseUrls.isPostgresUrl(value)) {
                if (preferred >= 0 && value.contains("://")) {
                    throw notUsable(where, entry, "scheme '" + DatabaseUrls.schemeOf(value) + "' is not PostgreSQL");
                }
                continue;
            }
            ConnectionSpec spec;
            try {
                spec = DatabaseUrls.parse(value);
            } catch (IllegalArgumentException bad) {
                if (preferred >= 0) {
                    throw notUsable(where, entry, bad.getMessage());
                }
                continue; // another key's broken URL is not the main database; rewrite-env reports it
            }
            int rank = preferred >= 0 ? preferred
                    : EnvKeys.databaseLike(entry.key()) ? 100 : 200;
            if (EnvKeys.secondary(entry.key()) && preferred < 0) {
                rank = Integer.MAX_VALUE;
            }
            urls.add(new Candidate(entry, rank, spec, EnvKeys.urlPrefix(entry.key()).orElse(null)));
        }
        Optional<Candidate> url = urls.stream().filter(c -> c.rank() != Integer.MAX_VALUE)
                .min(Comparator.comparingInt(Candidate::rank).thenComparingInt(c -> c.entry().line()));
        if (url.isPresent()) {
            Candidate c = url.get();
            List<String> prefixes = c.prefix() == null ? List.of() : EnvKeys.withAncestors(c.prefix());
            Filled filled = fill(c.spec(), env, environment, prefixes, c.entry().key());
            return Optional.of(new Found(filled.spec(), c.entry().key(), c.entry().line(), filled.credentials(),
                    alsoNaming(urls, c)));
        }
        return family(env, where, environment);
    }

    private static WorktreeDbException notUsable(String where, Dotenv.Entry entry, String why) {
        return WorktreeDbException.user(where + ":" + entry.line() + ": " + entry.key() + " is not a usable PostgreSQL URL: "
                + why + ". Fix the value (e.g. postgres://user:password@localhost:5432/mydb), "
                + "or set -Dworktree-db.url to override detection.");
    }

    private static List<String> alsoNaming(List<Candidate> urls, Candidate main) {
        List<String> out = new ArrayList<>();
        for (Candidate c : urls) {
            if (c != main && java.util.Objects.equals(c.spec().database(), main.spec().database())
                    && c.spec().primary().equals(main.spec().primary())) {
                out.add(c.entry().key() + " (line " + c.entry().line() + ")");
            }
        }
        return out;
    }

    private static Optional<Found> family(Dotenv env, String where, Map<String, String> environment) {
        Dotenv.Entry best = null;
        String bestPrefix = null;
        int bestRank = Integer.MAX_VALUE;
        for (Dotenv.Entry entry : lastAssignments(env)) {
            if (entry.value().isBlank() || EnvKeys.secondary(entry.key())) {
                continue;
            }
            Optional<String> prefix = EnvKeys.namePrefix(entry.key(), env);
            if (prefix.isEmpty()) {
                continue;
            }
            int rank = switch (prefix.get()) {
                case "DB_", "DATABASE_" -> 0;
                case "PG" -> 1;
                case "POSTGRES_" -> 2;
                default -> 3;
            };
            if (rank < bestRank) {
                best = entry;
                bestPrefix = prefix.get();
                bestRank = rank;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        List<String> own = List.of(bestPrefix);
        String host = EnvKeys.first(env, own, EnvKeys.HOST_SUFFIXES).map(e -> EnvKeys.resolve(e.value(), env, environment))
                .orElse(null);
        Optional<Dotenv.Entry> portEntry = EnvKeys.first(env, own, EnvKeys.PORT_SUFFIXES);
        int port = ConnectionSpec.DEFAULT_PORT;
        if (portEntry.isPresent()) {
            try {
                port = DatabaseUrls.parsePort(EnvKeys.resolve(portEntry.get().value(), env, environment).strip());
            } catch (IllegalArgumentException bad) {
                throw WorktreeDbException.user(where + ":" + portEntry.get().line() + ": " + bad.getMessage()
                        + ". Fix the port value.");
            }
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (bestPrefix.equals("PG")) {
            env.get("PGSSLMODE").ifPresent(e -> params.put("sslmode", e.value()));
        }
        ConnectionSpec spec = new ConnectionSpec(
                List.of(new ConnectionSpec.HostPort(host == null || host.isBlank() ? "localhost" : host.strip(), port)),
                EnvKeys.resolve(best.value(), env, environment).strip(), null, null, params);
        Filled filled = fill(spec, env, environment, EnvKeys.withAncestors(bestPrefix), null);
        spec = filled.spec();
        if (spec.user() == null && bestPrefix.equals("POSTGRES_")) {
            spec = spec.withUser("postgres"); // the official Docker image's default
        }
        return Optional.of(new Found(spec, best.key(), best.line(), filled.credentials(), List.of()));
    }

    private record Filled(ConnectionSpec spec, String credentials) {}

    /** User and password from the keys beside the setting, then from the other families; says where they came from. */
    private static Filled fill(ConnectionSpec spec, Dotenv env, Map<String, String> environment, List<String> own,
            String mainKey) {
        List<String> from = new ArrayList<>();
        List<String> prefixes = new ArrayList<>(own);
        FILL_PREFIXES.stream().filter(p -> !prefixes.contains(p)).forEach(prefixes::add);
        if (spec.user() == null) {
            Optional<Dotenv.Entry> u = EnvKeys.first(env, prefixes, EnvKeys.USER_SUFFIXES);
            if (u.isPresent()) {
                spec = spec.withUser(EnvKeys.resolve(u.get().value(), env, environment).strip());
                from.add("user from " + u.get().key() + " (line " + u.get().line() + ")");
            }
        }
        if (spec.password() == null) {
            Optional<Dotenv.Entry> p = EnvKeys.first(env, prefixes, EnvKeys.PASSWORD_SUFFIXES);
            if (p.isPresent()) {
                spec = spec.withPassword(EnvKeys.resolve(p.get().value(), env, environment));
                from.add("password from " + p.get().key() + " (line " + p.get().line() + ")");
            }
        }
        String unresolvedPassword = EnvKeys.unresolved(spec.password());
        if (unresolvedPassword != null) {
            spec = spec.withPassword(null);
            from.add("the password " + unresolvedPassword + " is set neither in the file nor in the environment");
        }
        String unresolvedUser = EnvKeys.unresolved(spec.user());
        if (unresolvedUser != null) {
            spec = spec.withUser(null);
            from.add("the user " + unresolvedUser + " is set neither in the file nor in the environment");
        }
        return new Filled(spec, from.isEmpty() ? null : String.join(", ", from));
    }

    /** The last assignment of each key, in the order of their lines. */
    static List<Dotenv.Entry> lastAssignments(Dotenv env) {
        Map<String, Dotenv.Entry> last = new LinkedHashMap<>();
        for (Dotenv.Entry e : env.entries()) {
            last.remove(e.key());
            last.put(e.key(), e);
        }
        List<Dotenv.Entry> out = new ArrayList<>(last.values());
        out.sort(Comparator.comparingInt(Dotenv.Entry::line));
        return out;
    }
}
