package io.github.worktreedb.lint;

import io.github.worktreedb.lint.ParsedStatement.Word;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Judges migrations statement by statement, on the tokens of Flyway's PostgreSQL parser (see {@link ParsedStatement}):
 * each rule is a pattern of keywords at parenthesis depth 0, never a search in the raw text, so comments, string
 * literals and dollar-quoted bodies never trigger one. Migrations are judged in order as one set, so a table created
 * by an earlier statement of the set is new: indexing, constraining or altering it locks nobody and is not reported.
 * A statement is exempt from a rule when a comment in it, or on the lines just above it, says
 * {@code worktree-db:ignore <rule-id>[,<rule-id>…]} (or {@code all}).
 */
public final class Linter {

    /** A migration to judge: its file name, its SQL, and its Flyway script config's {@code executeInTransaction} (or null). */
    public record MigrationFile(String name, String sql, Boolean executeInTransaction) {}

    /**
     * @param protectedTarget the database the migrations are for is protected
     * @param lockTimeoutInForce the plugin sets a {@code lock_timeout} for the migrations
     */
    public record Options(boolean protectedTarget, boolean lockTimeoutInForce) {
        public static final Options LOCAL = new Options(false, false);
    }

    static final Set<String> VOLATILE_FUNCTIONS = Set.of("RANDOM", "RANDOM_NORMAL", "GEN_RANDOM_UUID", "UUIDV4", "UUIDV7",
            "UUID_GENERATE_V1", "UUID_GENERATE_V1MC", "UUID_GENERATE_V4", "CLOCK_TIMESTAMP", "TIMEOFDAY", "NEXTVAL",
            "TXID_CURRENT");
    static final Set<String> SERIAL_TYPES = Set.of("SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8");

    private final Options options;
    private final Set<String> newTables = new HashSet<>();

    public Linter(Options options) {
        this.options = options;
    }

    /** Lints {@code files} in order (the order Flyway applies them). */
    public List<Finding> lint(List<MigrationFile> files) {
        List<Finding> out = new ArrayList<>();
        for (MigrationFile f : files) {
            out.addAll(lintFile(f));
        }
        return out;
    }

    private List<Finding> lintFile(MigrationFile f) {
        List<ParsedStatement> statements = ParsedStatement.parse(f.sql());
        boolean anyTransactional = statements.stream().anyMatch(ParsedStatement::canRunInTransaction);
        boolean forcedTransaction = Boolean.TRUE.equals(f.executeInTransaction());
        boolean lockTimeout = options.lockTimeoutInForce();
        boolean missingReported = false;
        List<Finding> out = new ArrayList<>();
        for (ParsedStatement s : statements) {
            Set<Rule> hits = EnumSet.noneOf(Rule.class);
            boolean strongLock = check(s.words(), hits);
            if (isSetLockTimeout(s.words())) {
                lockTimeout = true;
            }
            if (!s.canRunInTransaction() && (anyTransactional || forcedTransaction)) {
                hits.add(Rule.CONCURRENTLY_IN_TRANSACTION);
            }
            if (options.protectedTarget() && strongLock && !lockTimeout && !missingReported) {
                hits.add(Rule.MISSING_LOCK_TIMEOUT);
                missingReported = true;
            }
            Set<String> ignored = ignored(s.comments());
            for (Rule r : hits) {
                if (!ignored.contains(r.id()) && !ignored.contains("all")) {
                    out.add(new Finding(f.name(), s.line(), r, summary(s.sql())));
                }
            }
        }
        return out;
    }

    /** Adds the rules {@code w} breaks; returns whether it takes a lock that blocks an existing table's readers or writers. */
    private boolean check(List<Word> w, Set<Rule> hits) {
        if (w.isEmpty()) {
            return false;
        }
        switch (kw(w, 0)) {
            case "DROP" -> {
                switch (kw(w, 1)) {
                    case "TABLE" -> {
                        int i = skipIfExists(w, 2);
                        if (!newTables.contains(name(w, i))) {
                            hits.add(Rule.DROP_TABLE);
                            return true;
                        }
                    }
                    case "SCHEMA" -> hits.add(Rule.DROP_SCHEMA);
                    case "DATABASE" -> hits.add(Rule.DROP_DATABASE);
                    case "INDEX" -> {
                        return !kw(w, 2).equals("CONCURRENTLY");
                    }
                    default -> { }
                }
            }
            case "TRUNCATE" -> {
                hits.add(Rule.TRUNCATE);
                return true;
            }
            case "CREATE" -> {
                return create(w, hits);
            }
            case "ALTER" -> {
                if (kw(w, 1).equals("TABLE")) {
                    return alterTable(w, hits);
                }
            }
            case "VACUUM" -> {
                if (w.stream().anyMatch(x -> x.is("FULL"))) {
                    hits.add(Rule.REWRITES_TABLE);
                    return true;
                }
            }
            case "CLUSTER" -> {
                hits.add(Rule.REWRITES_TABLE);
                return true;
            }
            case "LOCK" -> {
                hits.add(Rule.LOCK_TABLE);
                return true;
            }
            default -> { }
        }
        return false;
    }

    private boolean create(List<Word> w, Set<Rule> hits) {
        int i = 1;
        if (kw(w, i).equals("UNIQUE")) {
            i++;
        }
        if (kw(w, i).equals("INDEX")) {
            boolean concurrently = kw(w, i + 1).equals("CONCURRENTLY");
            int on = indexOf(w, "ON", i + 1);
            if (on < 0) {
                return false;
            }
            int t = kw(w, on + 1).equals("ONLY") ? on + 2 : on + 1;
            if (!concurrently && !newTables.contains(name(w, t))) {
                hits.add(Rule.INDEX_NOT_CONCURRENT);
                return true;
            }
            return false;
        }
        while (Set.of("UNLOGGED", "TEMP", "TEMPORARY", "GLOBAL", "LOCAL").contains(kw(w, i))) {
            i++;
        }
        if (kw(w, i).equals("TABLE")) {
            i++;
            if (kw(w, i).equals("IF") && kw(w, i + 1).equals("NOT") && kw(w, i + 2).equals("EXISTS")) {
                i += 3;
            }
            String table = name(w, i);
            if (table != null) {
                newTables.add(table);
            }
        }
        return false;
    }

    private boolean alterTable(List<Word> w, Set<Rule> hits) {
        int i = skipIfExists(w, 2);
        if (kw(w, i).equals("ONLY")) {
            i++;
        }
        String table = name(w, i);
        if (table == null || newTables.contains(table)) {
            return false;
        }
        i++;
        if (i < w.size() && "*".equals(w.get(i).symbol())) {
            i++;
        }
        List<Word> action = new ArrayList<>();
        for (; i <= w.size(); i++) {
            if (i == w.size() || (",".equals(w.get(i).symbol()) && w.get(i).depth() == 0)) {
                alterAction(action, hits, table);
                action = new ArrayList<>();
            } else {
                action.add(w.get(i));
            }
        }
        return true;
    }

    private void alterAction(List<Word> a, Set<Rule> hits, String table) {
        switch (kw(a, 0)) {
            case "ADD" -> {
                int j = 1;
                if (kw(a, j).equals("CONSTRAINT")) {
                    j += 2;
                }
                String kind = kw(a, j);
                if (kind.equals("CHECK") || kind.equals("FOREIGN")) {
                    if (!hasSequence(a, "NOT", "VALID")) {
                        hits.add(Rule.CONSTRAINT_WITHOUT_NOT_VALID);
                    }
                } else if (kind.equals("UNIQUE") || kind.equals("PRIMARY") || kind.equals("EXCLUDE")) {
                    if (!hasSequence(a, "USING", "INDEX")) {
                        hits.add(Rule.CONSTRAINT_BUILDS_INDEX);
                    }
                } else {
                    addColumn(a, j, hits);
                }
            }
            case "DROP" -> {
                if (!kw(a, 1).equals("CONSTRAINT")) {
                    hits.add(Rule.DROP_COLUMN);
                }
            }
            case "ALTER" -> {
                int j = kw(a, 1).equals("COLUMN") ? 3 : 2;
                if (kw(a, j).equals("TYPE") || (kw(a, j).equals("SET") && kw(a, j + 1).equals("DATA"))) {
                    hits.add(Rule.COLUMN_TYPE_CHANGE);
                } else if (kw(a, j).equals("SET") && kw(a, j + 1).equals("NOT") && kw(a, j + 2).equals("NULL")) {
                    hits.add(Rule.SET_NOT_NULL);
                }
            }
            case "RENAME" -> {
                if (kw(a, 1).equals("TO")) {
                    hits.add(Rule.RENAME_TABLE);
                } else if (!kw(a, 1).equals("CONSTRAINT")) {
                    hits.add(Rule.RENAME_COLUMN);
                }
            }
            default -> { }
        }
    }

    private static void addColumn(List<Word> a, int j, Set<Rule> hits) {
        if (kw(a, j).equals("COLUMN")) {
            j++;
        }
        if (kw(a, j).equals("IF") && kw(a, j + 1).equals("NOT") && kw(a, j + 2).equals("EXISTS")) {
            j += 3;
        }
        List<Word> def = a.subList(Math.min(j + 1, a.size()), a.size());
        int dflt = indexOf(def, "DEFAULT", 0);
        if (hasSequence(def, "NOT", "NULL") && dflt < 0 && !def.stream().anyMatch(x -> x.is("GENERATED"))
                && def.stream().noneMatch(x -> x.keyword() != null && SERIAL_TYPES.contains(x.keyword()))) {
            hits.add(Rule.NOT_NULL_WITHOUT_DEFAULT);
        }
        boolean volatileDefault = dflt >= 0 && dflt + 1 < def.size() && def.get(dflt + 1).name() != null
                && VOLATILE_FUNCTIONS.contains(def.get(dflt + 1).name().toUpperCase(java.util.Locale.ROOT));
        boolean serial = !def.isEmpty() && def.get(0).keyword() != null && SERIAL_TYPES.contains(def.get(0).keyword());
        int generated = indexOf(def, "GENERATED", 0);
        boolean rewritingGenerated = generated >= 0
                && (indexOf(def, "STORED", generated) >= 0 || indexOf(def, "IDENTITY", generated) >= 0);
        if (volatileDefault || serial || rewritingGenerated) {
            hits.add(Rule.VOLATILE_DEFAULT);
        }
    }

    private static boolean isSetLockTimeout(List<Word> w) {
        int i = 1;
        if (kw(w, i).equals("LOCAL") || kw(w, i).equals("SESSION")) {
            i++;
        }
        return kw(w, 0).equals("SET") && kw(w, i).equals("LOCK_TIMEOUT");
    }

    /** The rule ids that comments exempt the statement from ({@code worktree-db:ignore a,b}). */
    static Set<String> ignored(List<String> comments) {
        Set<String> out = new HashSet<>();
        for (String c : comments) {
            int at = c.indexOf("worktree-db:ignore");
            if (at >= 0) {
                for (String id : c.substring(at + "worktree-db:ignore".length()).strip().split("[\\s,]+")) {
                    if (!id.isEmpty()) {
                        out.add(id);
                    }
                }
            }
        }
        return out;
    }

    /** The statement's first line of SQL (comments above it left out), shortened. */
    static String summary(String sql) {
        String first = sql.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("--")).findFirst().orElse("");
        return first.length() > 80 ? first.substring(0, 77) + "..." : first;
    }

    private static int skipIfExists(List<Word> w, int i) {
        return kw(w, i).equals("IF") && kw(w, i + 1).equals("EXISTS") ? i + 2 : i;
    }

    private static String kw(List<Word> w, int i) {
        return i >= 0 && i < w.size() && w.get(i).keyword() != null ? w.get(i).keyword() : "";
    }

    private static String name(List<Word> w, int i) {
        return i >= 0 && i < w.size() ? w.get(i).name() : null;
    }

    private static int indexOf(List<Word> w, String keyword, int from) {
        for (int i = Math.max(0, from); i < w.size(); i++) {
            if (w.get(i).is(keyword) && w.get(i).depth() == 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasSequence(List<Word> w, String first, String second) {
        for (int i = 0; i + 1 < w.size(); i++) {
            if (w.get(i).is(first) && w.get(i + 1).is(second) && w.get(i).depth() == 0) {
                return true;
            }
        }
        return false;
    }
}
