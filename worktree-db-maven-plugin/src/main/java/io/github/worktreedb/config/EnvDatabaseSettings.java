package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.util.List;
import java.util.Optional;

/**
 * Finds the database setting in one env file. The keys, in the order they are tried:
 * <ol>
 *   <li>a URL: {@value #URL_KEYS_DOC};</li>
 *   <li>{@code DB_NAME} (or {@code DB_DATABASE}, {@code DATABASE_NAME}) with {@code DB_HOST}, {@code DB_PORT},
 *       {@code DB_USER}/{@code DB_USERNAME}, {@code DB_PASSWORD}/{@code DB_PASS};</li>
 *   <li>{@code PGDATABASE} with {@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGSSLMODE};</li>
 *   <li>{@code POSTGRES_DB} with {@code POSTGRES_HOST}, {@code POSTGRES_PORT}, {@code POSTGRES_USER},
 *       {@code POSTGRES_PASSWORD} (the official Docker image's keys; the user defaults to {@code postgres}).</li>
 * </ol>
 * Host, port, user and password that the winning setting leaves out are taken from the other families in
 * the same file, so {@code DATABASE_URL=postgres://localhost/shop} with {@code PGPASSWORD=...} works.
 */
public final class EnvDatabaseSettings {

    static final String URL_KEYS_DOC = "DATABASE_URL, POSTGRES_URL, POSTGRESQL_URL, PG_URL, DB_URL, JDBC_DATABASE_URL, "
            + "SPRING_DATASOURCE_URL, QUARKUS_DATASOURCE_JDBC_URL";

    /** Keys whose value is a URL to the application's main database. */
    public static final List<String> URL_KEYS = List.of(URL_KEYS_DOC.split(", "));

    private record Family(List<String> name, List<String> host, List<String> port, List<String> user,
                          List<String> password, String defaultUser) {}

    private static final Family DB = new Family(
            List.of("DB_NAME", "DB_DATABASE", "DATABASE_NAME"),
            List.of("DB_HOST", "DATABASE_HOST"),
            List.of("DB_PORT", "DATABASE_PORT"),
            List.of("DB_USER", "DB_USERNAME", "DATABASE_USER", "DATABASE_USERNAME"),
            List.of("DB_PASSWORD", "DB_PASS", "DATABASE_PASSWORD"),
            null);
    private static final Family PG = new Family(
            List.of("PGDATABASE"), List.of("PGHOST"), List.of("PGPORT"), List.of("PGUSER"), List.of("PGPASSWORD"), null);
    private static final Family POSTGRES = new Family(
            List.of("POSTGRES_DB"),
            List.of("POSTGRES_HOST"),
            List.of("POSTGRES_PORT"),
            List.of("POSTGRES_USER"),
            List.of("POSTGRES_PASSWORD"),
            "postgres");
    private static final List<Family> FAMILIES = List.of(DB, PG, POSTGRES);

    /** Every key that is read, for the "searched for" part of an error message. */
    public static final List<String> NAME_KEYS =
            FAMILIES.stream().flatMap(f -> f.name().stream()).toList();

    /**
     * What the file says.
     *
     * @param spec the connection; user and database may still be {@code null} (filled from defaults later)
     * @param key the key that named the database
     * @param line its line
     */
    public record Found(ConnectionSpec spec, String key, int line) {}

    private EnvDatabaseSettings() {}

    /**
     * The database setting in {@code env}, or empty when the file has none.
     *
     * @param where how to name the file in messages (a path relative to the worktree)
     * @throws WorktreeDbException when the setting is there but malformed (names file:line and key)
     */
    public static Optional<Found> find(Dotenv env, String where) {
        for (String key : URL_KEYS) {
            Optional<Dotenv.Entry> e = env.get(key);
            if (e.isPresent() && !e.get().value().isBlank()) {
                Dotenv.Entry entry = e.get();
                ConnectionSpec spec;
                try {
                    spec = DatabaseUrls.parse(entry.value());
                } catch (IllegalArgumentException bad) {
                    throw WorktreeDbException.user(where + ":" + entry.line() + ": " + key + " is not a usable PostgreSQL URL: "
                            + bad.getMessage() + ". Fix the value (e.g. postgres://user:password@localhost:5432/mydb), "
                            + "or set -Dworktree-db.url to override detection.");
                }
                return Optional.of(new Found(fillFromOtherFamilies(spec, env, null), key, entry.line()));
            }
        }
        for (Family f : FAMILIES) {
            Optional<Dotenv.Entry> name = first(env, f.name());
            if (name.isEmpty() || name.get().value().isBlank()) {
                continue;
            }
            String host = value(env, f.host());
            String portText = value(env, f.port());
            int port = ConnectionSpec.DEFAULT_PORT;
            if (portText != null && !portText.isBlank()) {
                try {
                    port = DatabaseUrls.parsePort(portText.strip());
                } catch (IllegalArgumentException bad) {
                    int line = first(env, f.port()).map(Dotenv.Entry::line).orElse(0);
                    throw WorktreeDbException.user(where + ":" + line + ": " + bad.getMessage() + ". Fix the port value.");
                }
            }
            ConnectionSpec spec = new ConnectionSpec(
                    List.of(new ConnectionSpec.HostPort(host == null || host.isBlank() ? "localhost" : host.strip(), port)),
                    name.get().value().strip(),
                    value(env, f.user()),
                    value(env, f.password()),
                    f == PG && env.get("PGSSLMODE").isPresent()
                            ? java.util.Map.of("sslmode", env.get("PGSSLMODE").get().value())
                            : java.util.Map.of());
            spec = fillFromOtherFamilies(spec, env, f);
            if (spec.user() == null && f.defaultUser() != null) {
                spec = spec.withUser(f.defaultUser());
            }
            return Optional.of(new Found(spec, name.get().key(), name.get().line()));
        }
        return Optional.empty();
    }

    private static ConnectionSpec fillFromOtherFamilies(ConnectionSpec spec, Dotenv env, Family except) {
        for (Family f : FAMILIES) {
            if (f == except) {
                continue;
            }
            if (spec.user() == null) {
                String u = value(env, f.user());
                if (u != null && !u.isBlank()) {
                    spec = spec.withUser(u);
                }
            }
            if (spec.password() == null) {
                String p = value(env, f.password());
                if (p != null && !p.isEmpty()) {
                    spec = spec.withPassword(p);
                }
            }
        }
        return spec;
    }

    private static Optional<Dotenv.Entry> first(Dotenv env, List<String> keys) {
        for (String k : keys) {
            Optional<Dotenv.Entry> e = env.get(k);
            if (e.isPresent()) {
                return e;
            }
        }
        return Optional.empty();
    }

    private static String value(Dotenv env, List<String> keys) {
        return first(env, keys).map(Dotenv.Entry::value).orElse(null);
    }
}
