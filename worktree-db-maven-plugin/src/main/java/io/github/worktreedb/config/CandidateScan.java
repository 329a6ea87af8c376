package io.github.worktreedb.config;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.postgres.PgConnector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * When no env file names the main database: the databases of a known server that look like this project's, for the
 * error message. The server is the one libpq itself would use: {@code PGHOST}, {@code PGPORT}, {@code PGUSER},
 * {@code PGPASSWORD} from the environment, else {@code localhost:5432} as the OS user ({@code -Dworktree-db.username}
 * and {@code -Dworktree-db.password} replace the credentials). A database looks like the project's when its name is
 * like the project's directory name, or when its Flyway history holds versions of this project's migrations. It only
 * reads; a server that does not answer within 2 seconds is named and skipped.
 */
public final class CandidateScan {

    /** The most databases whose Flyway history is read. */
    static final int MAX_HISTORIES = 20;
    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__.+\\.sql");
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    /** One database that looks like this project's. */
    public record Candidate(String name, String nameLike, int historyMatches, int migrations) {
        String why() {
            List<String> why = new ArrayList<>();
            if (nameLike != null) {
                why.add("name like '" + nameLike + "'");
            }
            if (historyMatches > 0) {
                why.add("its Flyway history has " + historyMatches + " of this project's " + migrations + " migration(s)");
            }
            return String.join("; ", why);
        }
    }

    private CandidateScan() {}

    /** The server libpq would use with this environment. */
    static ConnectionSpec server(WorktreeDbConfig config, Map<String, String> environment) {
        String host = blankToNull(environment.get("PGHOST"));
        String port = blankToNull(environment.get("PGPORT"));
        int p = ConnectionSpec.DEFAULT_PORT;
        if (port != null) {
            try {
                p = DatabaseUrls.parsePort(port);
            } catch (IllegalArgumentException e) {
                // libpq would fail too; the default port is the best guess
            }
        }
        String user = config.username() != null ? config.username() : blankToNull(environment.get("PGUSER"));
        String password = config.password() != null ? config.password() : blankToNull(environment.get("PGPASSWORD"));
        return new ConnectionSpec(List.of(new ConnectionSpec.HostPort(host == null ? "localhost" : host, p)), null,
                user == null ? System.getProperty("user.name") : user, password, Map.of());
    }

    /** The paragraph for the error message: candidates and how to pick one, or why there are none. */
    static String report(WorktreeDbConfig config, GitWorktree git, Map<String, String> environment, Log log) {
        ConnectionSpec server = server(config, environment);
        boolean fromEnv = environment.containsKey("PGHOST") || environment.containsKey("PGPORT");
        String where = server.primary().display() + (fromEnv ? " (from PGHOST/PGPORT)" : " (libpq's default; PGHOST and "
                + "PGPORT name another)");
        List<Candidate> found;
        try {
            found = scan(server, config, projectNames(config, git));
        } catch (WorktreeDbException e) {
            log.debug("No candidates: " + e.getMessage());
            String first = Secrets.redact(e.getMessage(), server.password());
            return "\nNo database server answered at " + where + " to look for databases like this project's: "
                    + first.lines().findFirst().orElse("");
        }
        if (found.isEmpty()) {
            return "\nNo database on " + where + " looks like this project's (by the name '"
                    + String.join("', '", projectNames(config, git)) + "' or by a Flyway history of its migrations).";
        }
        StringBuilder out = new StringBuilder("\nDatabases on ").append(where).append(" that look like this project's:");
        for (Candidate c : found) {
            out.append("\n  ").append(c.name()).append("  (").append(c.why()).append(')');
        }
        Candidate best = found.get(0);
        out.append("\nPick one with -D").append(PropertyNames.URL).append('=')
                .append(server.withDatabase(best.name()).withPassword(null)).append(" (or put DATABASE_URL=")
                .append(server.withDatabase(best.name()).withPassword(null)).append(" in .env).");
        return out.toString();
    }

    /** The databases of {@code server} that look like this project's, the likeliest first. */
    public static List<Candidate> scan(ConnectionSpec server, WorktreeDbConfig config, List<String> projectNames) {
        PgConnector pg = new PgConnector(server, "the server named by PGHOST/PGPORT or libpq's defaults", TIMEOUT);
        Set<String> versions = localVersions(config);
        List<String> databases = new ArrayList<>();
        try (Connection c = pg.connectMaintenance(config.maintenanceDatabase());
                PreparedStatement st = c.prepareStatement("SELECT datname FROM pg_database WHERE datallowconn AND NOT "
                        + "datistemplate AND datname <> 'postgres' AND has_database_privilege(datname, 'CONNECT') AND "
                        + "coalesce(shobj_description(oid, 'pg_database'), '') NOT LIKE '%\"tool\":\"worktree-db\"%' "
                        + "ORDER BY datname")) {
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    databases.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Cannot list the databases: " + e.getMessage(), e);
        }
        List<Candidate> out = new ArrayList<>();
        List<String> byName = new ArrayList<>();
        for (String db : databases) {
            String like = nameLike(db, projectNames);
            if (like != null) {
                byName.add(db);
            }
        }
        // the histories of the name-alike ones first, then of the others, up to MAX_HISTORIES
        List<String> order = new ArrayList<>(byName);
        databases.stream().filter(d -> !byName.contains(d)).forEach(order::add);
        int read = 0;
        for (String db : order) {
            int matches = 0;
            if (!versions.isEmpty() && read < MAX_HISTORIES) {
                read++;
                matches = historyMatches(pg, db, config.migration().table(), versions);
            }
            String like = nameLike(db, projectNames);
            if (like != null || matches > 0) {
                out.add(new Candidate(db, like, matches, versions.size()));
            }
        }
        out.sort(Comparator.comparingInt((Candidate c) -> -c.historyMatches())
                .thenComparingInt(c -> c.nameLike() == null ? 1 : normalize(c.name()).equals(normalize(c.nameLike())) ? -1 : 0)
                .thenComparing(Candidate::name));
        return out;
    }

    private static int historyMatches(PgConnector pg, String db, String table, Set<String> versions) {
        try (Connection c = pg.connect(db)) {
            String qualified = null;
            try (PreparedStatement st = c.prepareStatement("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                    + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ? AND c.relkind IN "
                    + "('r', 'p') AND has_table_privilege(c.oid, 'SELECT') LIMIT 1")) {
                st.setString(1, table);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        qualified = rs.getString(1);
                    }
                }
            }
            if (qualified == null) {
                return 0;
            }
            int matches = 0;
            try (PreparedStatement st = c.prepareStatement("SELECT version FROM " + qualified
                    + " WHERE success AND version IS NOT NULL");
                    ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (versions.contains(normalizeVersion(rs.getString(1)))) {
                        matches++;
                    }
                }
            }
            return matches;
        } catch (SQLException | WorktreeDbException e) {
            return 0;
        }
    }

    /** The directory names that name this project: the main worktree's and the Maven project's. */
    static List<String> projectNames(WorktreeDbConfig config, GitWorktree git) {
        Set<String> names = new LinkedHashSet<>();
        Path main = git.mainRoot() != null ? git.mainRoot() : git.root();
        for (Path p : List.of(main, config.baseDir().toAbsolutePath().normalize())) {
            if (p.getFileName() != null) {
                names.add(p.getFileName().toString());
            }
        }
        return List.copyOf(names);
    }

    /** The project name a database name is like (equal, or one containing the other), or {@code null}. */
    static String nameLike(String database, List<String> projectNames) {
        String d = normalize(database);
        for (String name : projectNames) {
            String n = normalize(name);
            if (n.length() >= 3 && d.length() >= 3 && (d.contains(n) || n.contains(d))) {
                return name;
            }
        }
        return null;
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    private static String normalizeVersion(String v) {
        return v.replace('_', '.').replaceAll("^0+(?=\\d)", "");
    }

    private static Set<String> localVersions(WorktreeDbConfig config) {
        Set<String> out = new LinkedHashSet<>();
        for (String location : config.migration().locations()) {
            if (!location.startsWith("filesystem:")) {
                continue;
            }
            Path dir = Path.of(location.substring("filesystem:".length()));
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.map(f -> f.getFileName().toString()).forEach(name -> {
                    Matcher m = VERSIONED.matcher(name);
                    if (m.matches()) {
                        out.add(normalizeVersion(m.group(1)));
                    }
                });
            } catch (IOException e) {
                // an unreadable location has nothing to compare
            }
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
