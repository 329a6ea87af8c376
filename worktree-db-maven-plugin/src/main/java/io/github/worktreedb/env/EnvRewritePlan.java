package io.github.worktreedb.env;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Dotenv;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@code rewrite-env} would change in one env file: every value that names the main database on the
 * main database's server gets the worktree database's name instead, and nothing else changes by a byte.
 *
 * <p>A value names the main database when it is a PostgreSQL URL (any key, any of the three forms) whose server
 * and database are the main database's, or when a database-name key ({@code DB_NAME}, {@code PGDATABASE},
 * {@code POSTGRES_DB}, {@code *_DB_NAME}, ...) holds the main database's name and the host key beside it, if any,
 * names the same server.
 *
 * @param edits the replacements, in file order
 * @param notes what was seen and left alone (file:line level, no values but database names)
 * @param alreadyTarget how many values already name the worktree database
 */
public record EnvRewritePlan(List<Edit> edits, List<String> notes, int alreadyTarget) {

    /** Replace {@code entry}'s raw value with {@code newRaw}. */
    public record Edit(Dotenv.Entry entry, String newRaw) {}

    private static final Pattern NAME_KEY =
            Pattern.compile("(?:.*_)?(?:DB_NAME|DB_DATABASE|DATABASE_NAME|DATABASE|PGDATABASE|POSTGRES_DB|DB)");

    public boolean changes() {
        return !edits.isEmpty();
    }

    /**
     * @param main the main database (server and name)
     * @param target the worktree database's name (a plain identifier)
     */
    public static EnvRewritePlan of(Dotenv env, ConnectionSpec main, String target) {
        List<Edit> edits = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int already = 0;
        for (Dotenv.Entry e : env.entries()) {
            String raw = env.content().substring(e.valueStart(), e.valueEnd());
            if (DatabaseUrls.isPostgresUrl(e.value())) {
                ConnectionSpec spec;
                try {
                    spec = DatabaseUrls.parse(e.value()).withDefaults(main.user());
                } catch (IllegalArgumentException bad) {
                    notes.add("line " + e.line() + ": " + e.key() + " is not a usable PostgreSQL URL (" + bad.getMessage()
                            + "); left as it is");
                    continue;
                }
                if (!sameServer(spec, main)) {
                    continue;
                }
                if (target.equals(spec.database())) {
                    already++;
                } else if (main.database().equals(spec.database())) {
                    if (raw.contains("${") || (e.quote() == '"' && raw.contains("\\"))) {
                        notes.add("line " + e.line() + ": " + e.key() + " is built from other keys or escapes; it follows "
                                + "them, so it is not rewritten itself");
                    } else {
                        edits.add(new Edit(e, DatabaseUrls.replaceDatabase(raw, target)));
                    }
                } else {
                    notes.add("line " + e.line() + ": " + e.key() + " points at the database " + spec.database()
                            + ", not " + main.database() + "; left as it is");
                }
            } else if (NAME_KEY.matcher(e.key()).matches()) {
                String value = e.value().strip();
                boolean named = value.equals(main.database()) || value.equals(target);
                if (!named || !hostBesideIsSameServer(env, e.key(), main)) {
                    continue;
                }
                if (value.equals(target)) {
                    already++;
                } else if (raw.contains("${")) {
                    notes.add("line " + e.line() + ": " + e.key() + " is built from other keys; not rewritten itself");
                } else {
                    edits.add(new Edit(e, raw.replace(main.database(), target)));
                }
            }
        }
        return new EnvRewritePlan(edits, notes, already);
    }

    /**
     * This plan plus the port keys set to {@code base + offset}, the base being the key's value in {@code original}
     * (the file as it was before any rewrite), so that running again gives the same ports.
     */
    public EnvRewritePlan withPorts(Dotenv env, Dotenv original, java.util.Collection<String> keys, int offset) {
        List<Edit> all = new ArrayList<>(edits);
        List<String> allNotes = new ArrayList<>(notes);
        for (String key : keys) {
            Optional<Dotenv.Entry> here = env.get(key);
            Optional<Dotenv.Entry> base = original.get(key);
            if (here.isEmpty() || base.isEmpty()) {
                continue;
            }
            int port;
            try {
                port = Integer.parseInt(base.get().value().strip()) + offset;
            } catch (NumberFormatException e) {
                allNotes.add("line " + here.get().line() + ": " + key + " is not a number; the port is left as it is");
                continue;
            }
            String raw = env.content().substring(here.get().valueStart(), here.get().valueEnd());
            if (port < 1 || port > 65535) {
                allNotes.add("line " + here.get().line() + ": " + key + " would be " + port + ", not a port; left as it is");
            } else if (!raw.equals(Integer.toString(port))) {
                all.add(new Edit(here.get(), Integer.toString(port)));
            }
        }
        all.sort(Comparator.comparingInt(e -> e.entry().valueStart()));
        return new EnvRewritePlan(all, allNotes, alreadyTarget);
    }

    /** The file's text with the edits made; every other character as it was. */
    public String apply(String content) {
        StringBuilder out = new StringBuilder(content);
        edits.stream()
                .sorted(Comparator.comparingInt((Edit ed) -> ed.entry().valueStart()).reversed())
                .forEach(ed -> out.replace(ed.entry().valueStart(), ed.entry().valueEnd(), ed.newRaw()));
        return out.toString();
    }

    /** Same server: same port, and the same host, every local address counting as one. */
    static boolean sameServer(ConnectionSpec a, ConnectionSpec b) {
        ConnectionSpec.HostPort x = a.primary();
        ConnectionSpec.HostPort y = b.primary();
        if (x.port() != y.port()) {
            return false;
        }
        boolean localX = a.isLocal();
        boolean localY = b.isLocal();
        return localX && localY || x.host().equalsIgnoreCase(y.host());
    }

    /** For {@code X_DB_NAME} the host is {@code X_DB_HOST}, for {@code PGDATABASE} {@code PGHOST}, and so on. */
    private static boolean hostBesideIsSameServer(Dotenv env, String nameKey, ConnectionSpec main) {
        String upper = nameKey.toUpperCase(Locale.ROOT);
        String hostKey;
        String portKey;
        if (upper.endsWith("PGDATABASE")) {
            hostKey = nameKey.substring(0, nameKey.length() - "PGDATABASE".length()) + "PGHOST";
            portKey = hostKey.replace("PGHOST", "PGPORT");
        } else if (upper.endsWith("POSTGRES_DB")) {
            hostKey = nameKey.substring(0, nameKey.length() - 2) + "HOST";
            portKey = nameKey.substring(0, nameKey.length() - 2) + "PORT";
        } else {
            String prefix = upper.replaceAll("(DB_NAME|DB_DATABASE|DATABASE_NAME|DATABASE|DB)$", "");
            String stem = upper.substring(prefix.length()).startsWith("DATABASE") ? "DATABASE_" : "DB_";
            hostKey = prefix + stem + "HOST";
            portKey = prefix + stem + "PORT";
        }
        Optional<Dotenv.Entry> host = env.get(hostKey);
        Optional<Dotenv.Entry> port = env.get(portKey);
        String h = host.map(Dotenv.Entry::value).filter(v -> !v.isBlank()).orElse("localhost").strip();
        int p;
        try {
            p = port.map(Dotenv.Entry::value).filter(v -> !v.isBlank()).map(v -> Integer.parseInt(v.strip()))
                    .orElse(ConnectionSpec.DEFAULT_PORT);
        } catch (NumberFormatException ex) {
            return false;
        }
        ConnectionSpec here = new ConnectionSpec(List.of(new ConnectionSpec.HostPort(h, p)), null, null, null,
                java.util.Map.of());
        return sameServer(here, main);
    }
}
