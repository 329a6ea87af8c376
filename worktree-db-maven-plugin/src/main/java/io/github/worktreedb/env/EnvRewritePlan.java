package io.github.worktreedb.env;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Dotenv;
import io.github.worktreedb.config.EnvKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code rewrite-env} would change in one env file: every value that names the main database on the main
 * database's server gets the worktree database's name instead, and nothing else changes by a byte.
 *
 * <p>A value names the main database when it is a PostgreSQL URL (any key, any scheme {@link DatabaseUrls} reads)
 * whose server and database are the main database's, or when a database-name key ({@link EnvKeys#namePrefix}:
 * {@code DB_NAME}, {@code DB_DATABASE}, {@code PGDATABASE}, {@code POSTGRES_DB}, {@code *_DB_NAME}, ...) holds the main
 * database's name and the host and port keys beside it, if any, name the same server. {@code ${NAME}} references in a
 * value are resolved (from the file, then the environment) to tell its server and database; only the database name is
 * replaced, so a reference elsewhere in the value ({@code postgresql://app:${POSTGRES_PASSWORD}@localhost/shop}) stays
 * byte for byte. A value whose database name itself is a reference follows that key when this plan rewrites it, and
 * is otherwise a {@link Problem}: rewrite-env cannot point it at the worktree database.
 *
 * @param edits the replacements, in file order
 * @param notes what was seen and left alone (file:line level, no values but database names)
 * @param alreadyTarget how many values already name the worktree database
 * @param problems values that name the main database in a form this plan cannot rewrite
 */
public record EnvRewritePlan(List<Edit> edits, List<String> notes, int alreadyTarget, List<Problem> problems) {

    /** Replace {@code entry}'s raw value with {@code newRaw}. */
    public record Edit(Dotenv.Entry entry, String newRaw) {}

    /** A value that names the main database and cannot be rewritten: its line, key, and why (no value shown). */
    public record Problem(int line, String key, String reason) {}

    public EnvRewritePlan {
        edits = List.copyOf(edits);
        notes = List.copyOf(notes);
        problems = List.copyOf(problems);
    }

    public EnvRewritePlan(List<Edit> edits, List<String> notes, int alreadyTarget) {
        this(edits, notes, alreadyTarget, List.of());
    }

    public boolean changes() {
        return !edits.isEmpty();
    }

    /** {@link #of(Dotenv, ConnectionSpec, String, Map)} with the process environment. */
    public static EnvRewritePlan of(Dotenv env, ConnectionSpec main, String target) {
        return of(env, main, target, System.getenv());
    }

    /** A value whose database name is the reference {@code ${refersTo}}: decided once the plan's edits are known. */
    private record Deferred(Dotenv.Entry entry, String refersTo, String what) {}

    /**
     * @param main the main database (server and name)
     * @param target the worktree database's name (a plain identifier)
     * @param environment resolves references the file does not define
     */
    public static EnvRewritePlan of(Dotenv env, ConnectionSpec main, String target, Map<String, String> environment) {
        List<Edit> edits = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<Deferred> deferred = new ArrayList<>();
        Set<String> rewrittenOrTarget = new HashSet<>();
        int already = 0;
        for (Dotenv.Entry e : env.entries()) {
            String raw = env.content().substring(e.valueStart(), e.valueEnd());
            String value = EnvKeys.resolve(e.value(), env, environment).strip();
            if (DatabaseUrls.isPostgresUrl(value)) {
                ConnectionSpec spec;
                try {
                    spec = DatabaseUrls.parse(value).withDefaults(main.user());
                } catch (IllegalArgumentException bad) {
                    notes.add("line " + e.line() + ": " + e.key() + " is not a usable PostgreSQL URL (" + bad.getMessage()
                            + "); left as it is");
                    continue;
                }
                boolean unknownServer = EnvKeys.unresolved(spec.primary().host()) != null;
                if (!unknownServer && !sameServer(spec, main)) {
                    continue;
                }
                if (target.equals(spec.database())) {
                    already++;
                    rewrittenOrTarget.add(e.key());
                } else if (main.database().equals(spec.database())) {
                    if (unknownServer) {
                        notes.add("line " + e.line() + ": " + e.key() + " names " + main.database() + " on the host "
                                + spec.primary().host() + ", set neither in the file nor in the environment; taken for the "
                                + "main database's server");
                    }
                    String trimmed = raw.strip();
                    if (!DatabaseUrls.isPostgresUrl(trimmed)) {
                        problems.add(new Problem(e.line(), e.key(), "its URL is assembled from "
                                + String.join(", ", refs(raw)) + ", so its database name cannot be changed in place"));
                        continue;
                    }
                    int offset = raw.indexOf(trimmed);
                    int[] span = DatabaseUrls.databaseSpan(trimmed);
                    String dbText = trimmed.substring(span[0], span[1]);
                    List<String> dbRefs = EnvKeys.references(dbText);
                    if (!dbRefs.isEmpty()) {
                        deferred.add(new Deferred(e, dbRefs.size() == 1 && dbText.equals("${" + dbRefs.get(0) + "}")
                                ? dbRefs.get(0) : null, "its database name is " + dbText));
                    } else if (dbText.contains("\\") || dbText.contains("$")) {
                        problems.add(new Problem(e.line(), e.key(), "its database name is written with escapes"));
                    } else {
                        edits.add(new Edit(e, raw.substring(0, offset) + DatabaseUrls.replaceDatabase(trimmed, target)
                                + raw.substring(offset + trimmed.length())));
                        rewrittenOrTarget.add(e.key());
                    }
                } else {
                    notes.add("line " + e.line() + ": " + e.key() + " points at the database " + spec.database()
                            + ", not " + main.database() + "; left as it is");
                }
                continue;
            }
            if (ConnInfo.looksLike(value)) {
                already += connInfo(e, raw, value, main, target, edits, problems, rewrittenOrTarget);
                continue;
            }
            Optional<String> prefix = EnvKeys.namePrefix(e.key(), env);
            if (prefix.isEmpty()) {
                continue;
            }
            boolean named = value.equals(main.database()) || value.equals(target);
            if (!named || !hostBesideIsSameServer(env, prefix.get(), main, environment)) {
                continue;
            }
            if (value.equals(target)) {
                already++;
                rewrittenOrTarget.add(e.key());
            } else if (raw.strip().equals(main.database())) {
                int at = raw.indexOf(main.database());
                edits.add(new Edit(e, raw.substring(0, at) + target + raw.substring(at + main.database().length())));
                rewrittenOrTarget.add(e.key());
            } else {
                List<String> r = EnvKeys.references(raw);
                deferred.add(new Deferred(e, r.size() == 1 && raw.strip().equals("${" + r.get(0) + "}") ? r.get(0) : null,
                        r.isEmpty() ? "it is written with quotes or escapes" : "its value is " + raw.strip()));
            }
        }
        for (Deferred d : deferred) {
            if (d.refersTo() != null && rewrittenOrTarget.contains(d.refersTo())) {
                notes.add("line " + d.entry().line() + ": " + d.entry().key() + " follows " + d.refersTo()
                        + ", which names " + target + " once rewritten; not rewritten itself");
            } else {
                problems.add(new Problem(d.entry().line(), d.entry().key(), d.what()
                        + (d.refersTo() == null ? "" : ", and " + d.refersTo() + " is not a value rewrite-env changes in this "
                                + "file")));
            }
        }
        edits.sort(Comparator.comparingInt(ed -> ed.entry().valueStart()));
        return new EnvRewritePlan(edits, notes, already, problems);
    }

    /** {@link #toServer(Dotenv, ConnectionSpec, int, Map)} with the process environment. */
    public static EnvRewritePlan toServer(Dotenv env, ConnectionSpec main, int port) {
        return toServer(env, main, port, System.getenv());
    }

    /**
     * {@code isolation=server}: every value that names the main database on the main server is pointed at this
     * worktree's own server, {@code localhost:port}: the port (and the host, when the main server is not on this
     * machine) of URLs and keyword/value strings, and the port and host keys beside a database-name key
     * ({@code DB_PORT}, {@code PGPORT}). The database name stays (the worktree server's database has main's name);
     * values naming other databases stay; nothing else changes by a byte.
     */
    public static EnvRewritePlan toServer(Dotenv env, ConnectionSpec main, int port, Map<String, String> environment) {
        List<Edit> edits = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        String host = main.isLocal() ? null : "localhost";
        ConnectionSpec own = new ConnectionSpec(List.of(new ConnectionSpec.HostPort("localhost", port)), null, null, null,
                Map.of());
        int already = 0;
        for (Dotenv.Entry e : env.entries()) {
            String raw = env.content().substring(e.valueStart(), e.valueEnd());
            String value = EnvKeys.resolve(e.value(), env, environment).strip();
            if (DatabaseUrls.isPostgresUrl(value)) {
                ConnectionSpec spec;
                try {
                    spec = DatabaseUrls.parse(value).withDefaults(main.user());
                } catch (IllegalArgumentException bad) {
                    continue;
                }
                if (!main.database().equals(spec.database())) {
                    continue;
                }
                if (sameServer(spec, own)) {
                    already++;
                    continue;
                }
                if (!sameServer(spec, main)) {
                    continue;
                }
                String trimmed = raw.strip();
                int[] span = DatabaseUrls.isPostgresUrl(trimmed) ? DatabaseUrls.hostSpan(trimmed) : null;
                if (span == null || trimmed.substring(span[0], span[1]).contains("$")
                        || trimmed.substring(span[0], span[1]).contains(",")) {
                    problems.add(new Problem(e.line(), e.key(), "its server is not written as one literal host:port, "
                            + "so its port cannot be changed in place"));
                    continue;
                }
                int offset = raw.indexOf(trimmed);
                edits.add(new Edit(e, raw.substring(0, offset) + DatabaseUrls.replaceServer(trimmed, host, port)
                        + raw.substring(offset + trimmed.length())));
                continue;
            }
            if (ConnInfo.looksLike(value)) {
                ConnInfo info = ConnInfo.parse(value);
                if (!main.database().equals(info.database())) {
                    continue;
                }
                if (sameServer(info.spec(), own)) {
                    already++;
                    continue;
                }
                if (!sameServer(info.spec(), main)) {
                    continue;
                }
                ConnInfo inRaw = ConnInfo.parse(raw);
                if (inRaw.portStart() < 0 || !raw.substring(inRaw.portStart(), inRaw.portEnd()).matches("\\d+")
                        || host != null && inRaw.hostStart() < 0) {
                    problems.add(new Problem(e.line(), e.key(), "it names no literal port (add port="
                            + main.primary().port() + " to it, rewrite-env then changes it)"));
                    continue;
                }
                StringBuilder b = new StringBuilder(raw);
                b.replace(inRaw.portStart(), inRaw.portEnd(), Integer.toString(port));
                if (host != null) {
                    int shift = inRaw.hostStart() > inRaw.portStart()
                            ? Integer.toString(port).length() - (inRaw.portEnd() - inRaw.portStart()) : 0;
                    b.replace(inRaw.hostStart() + shift, inRaw.hostEnd() + shift, host);
                }
                edits.add(new Edit(e, b.toString()));
                continue;
            }
            Optional<String> prefix = EnvKeys.namePrefix(e.key(), env);
            if (prefix.isEmpty() || !value.equals(main.database())) {
                continue;
            }
            List<String> own1 = List.of(prefix.get());
            Optional<Dotenv.Entry> portKey = EnvKeys.first(env, own1, EnvKeys.PORT_SUFFIXES);
            Optional<Dotenv.Entry> hostKey = EnvKeys.first(env, own1, EnvKeys.HOST_SUFFIXES);
            if (portKey.isPresent() && portKey.get().value().strip().equals(Integer.toString(port))
                    && (host == null || hostKey.map(h -> h.value().strip().equals(host)).orElse(true))) {
                already++;
                continue;
            }
            if (!hostBesideIsSameServer(env, prefix.get(), main, environment)) {
                continue;
            }
            if (portKey.isEmpty()) {
                problems.add(new Problem(e.line(), e.key(), "no " + prefix.get() + "PORT beside it says the port (add "
                        + prefix.get() + "PORT=" + main.primary().port() + ", rewrite-env then changes it)"));
                continue;
            }
            Dotenv.Entry pk = portKey.get();
            String praw = env.content().substring(pk.valueStart(), pk.valueEnd());
            if (!praw.strip().matches("\\d+")) {
                problems.add(new Problem(pk.line(), pk.key(), "the port is not written as a plain number"));
                continue;
            }
            int at = praw.indexOf(praw.strip());
            edits.add(new Edit(pk, praw.substring(0, at) + port + praw.substring(at + praw.strip().length())));
            if (host != null && hostKey.isPresent()) {
                Dotenv.Entry hk = hostKey.get();
                String hraw = env.content().substring(hk.valueStart(), hk.valueEnd());
                int hat = hraw.indexOf(hraw.strip());
                edits.add(new Edit(hk, hraw.substring(0, hat) + host + hraw.substring(hat + hraw.strip().length())));
            }
        }
        // a port key beside two name keys is edited once
        List<Edit> distinct = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (Edit ed : edits) {
            if (seen.add(ed.entry().valueStart())) {
                distinct.add(ed);
            }
        }
        distinct.sort(Comparator.comparingInt(ed -> ed.entry().valueStart()));
        return new EnvRewritePlan(distinct, notes, already, problems);
    }

    /** A libpq or Npgsql keyword/value connection string ({@code host=localhost dbname=shop}): its database name. */
    private static int connInfo(Dotenv.Entry e, String raw, String value, ConnectionSpec main, String target, List<Edit> edits,
            List<Problem> problems, Set<String> rewrittenOrTarget) {
        ConnInfo info = ConnInfo.parse(value);
        if (info.database() == null || !sameServer(info.spec(), main)) {
            return 0;
        }
        if (info.database().equals(target)) {
            rewrittenOrTarget.add(e.key());
            return 1;
        }
        if (!info.database().equals(main.database())) {
            return 0;
        }
        ConnInfo inRaw = ConnInfo.parse(raw);
        if (inRaw.databaseStart() < 0 || !raw.substring(inRaw.databaseStart(), inRaw.databaseEnd()).equals(main.database())) {
            problems.add(new Problem(e.line(), e.key(), "its dbname is written with references, quotes or escapes"));
            return 0;
        }
        edits.add(new Edit(e, raw.substring(0, inRaw.databaseStart()) + target + raw.substring(inRaw.databaseEnd())));
        rewrittenOrTarget.add(e.key());
        return 0;
    }

    private static List<String> refs(String raw) {
        return EnvKeys.references(raw).stream().map(r -> "${" + r + "}").toList();
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
        return new EnvRewritePlan(all, allNotes, alreadyTarget, problems);
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

    /** The host and port keys that share the name key's prefix ({@code X_DB_HOST} for {@code X_DB_NAME}). */
    private static boolean hostBesideIsSameServer(Dotenv env, String prefix, ConnectionSpec main,
            Map<String, String> environment) {
        List<String> own = List.of(prefix);
        String h = EnvKeys.first(env, own, EnvKeys.HOST_SUFFIXES).map(e -> EnvKeys.resolve(e.value(), env, environment))
                .filter(v -> !v.isBlank()).orElse("localhost").strip();
        boolean unknownHost = EnvKeys.unresolved(h) != null; // taken for the main database's server
        int p;
        try {
            p = EnvKeys.first(env, own, EnvKeys.PORT_SUFFIXES).map(e -> EnvKeys.resolve(e.value(), env, environment))
                    .filter(v -> !v.isBlank()).map(v -> Integer.parseInt(v.strip())).orElse(ConnectionSpec.DEFAULT_PORT);
        } catch (NumberFormatException ex) {
            return false;
        }
        if (unknownHost) {
            return p == main.primary().port();
        }
        ConnectionSpec here = new ConnectionSpec(List.of(new ConnectionSpec.HostPort(h, p)), null, null, null, Map.of());
        return sameServer(here, main);
    }
}
