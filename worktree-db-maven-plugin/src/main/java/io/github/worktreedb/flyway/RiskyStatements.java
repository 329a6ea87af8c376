package io.github.worktreedb.flyway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Statements that lose data, rewrite or lock a big table: worth a warning before they reach a shared server. */
public final class RiskyStatements {

    private record Rule(Pattern pattern, String why) {}

    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("\\bDROP\\s+(TABLE|SCHEMA|DATABASE)\\b"), "drops data"),
            new Rule(Pattern.compile("\\bDROP\\s+COLUMN\\b"), "drops a column and its data"),
            new Rule(Pattern.compile("\\bTRUNCATE\\b"), "deletes every row"),
            new Rule(Pattern.compile("\\bALTER\\s+COLUMN\\s+\\S+\\s+(SET\\s+DATA\\s+)?TYPE\\b"),
                    "changes a column type: rewrites the table under an exclusive lock"),
            new Rule(Pattern.compile("\\bCREATE\\s+(UNIQUE\\s+)?INDEX\\s+(?!CONCURRENTLY\\b)"),
                    "builds an index without CONCURRENTLY: blocks writes to the table"),
            new Rule(Pattern.compile("\\bSET\\s+NOT\\s+NULL\\b"), "checks every row under an exclusive lock"),
            new Rule(Pattern.compile("\\bADD\\s+(COLUMN\\s+)?\\S+\\s+[^,;]*\\bNOT\\s+NULL\\b(?![^,;]*\\bDEFAULT\\b)"),
                    "adds a NOT NULL column without a default: fails on a table with rows"),
            new Rule(Pattern.compile("\\b(VACUUM\\s+FULL|CLUSTER|LOCK\\s+TABLE)\\b"), "rewrites or locks a whole table"));

    private RiskyStatements() {}

    /** One warning per risky statement: {@code file:line: why}. */
    public static List<String> find(String file, String sql) {
        List<String> out = new ArrayList<>();
        for (SqlFiles.Statement s : SqlFiles.statements(sql)) {
            // comments and string literals say nothing about what runs; dollar-quoted bodies stay (a DO block runs)
            String text = s.sql().replaceAll("(?s)'(?:[^']|'')*'", "''").replaceAll("--[^\\n]*", " ")
                    .replaceAll("(?s)/\\*.*?\\*/", " ").toUpperCase(Locale.ROOT);
            for (Rule r : RULES) {
                if (r.pattern().matcher(text).find()) {
                    out.add(file + ":" + s.line() + ": " + r.why());
                    break;
                }
            }
        }
        return out;
    }
}
