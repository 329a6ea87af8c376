package io.github.worktreedb.config;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed env file, in the dotenv syntax that Node's dotenv, python-dotenv, Docker Compose and
 * direnv share: {@code KEY=value}, {@code export KEY=value}, comments, blank lines, single quotes
 * (literal), double quotes (escapes, may span lines), unquoted values with inline {@code # comments},
 * CRLF or LF, a UTF-8 byte-order mark, and {@code ${OTHER}} references to keys defined above.
 *
 * <p>Lines that are not {@code KEY=value} are kept out of the entries and listed as {@link #problems()}
 * with their line numbers; nothing is dropped silently.
 *
 * @param path where the file is (for messages)
 * @param content the file's text, exactly as read
 * @param entries the assignments in file order (a later one for the same key wins in {@link #get})
 * @param problems lines that could not be read as an assignment
 */
public record Dotenv(Path path, String content, List<Entry> entries, List<Problem> problems) {

    /**
     * One {@code KEY=value} assignment.
     *
     * @param value the value as the application sees it (quotes removed, escapes and references resolved)
     * @param line where it starts (1-based)
     * @param valueStart offset in {@link #content()} of the raw value (inside the quotes, if any)
     * @param valueEnd offset just after the raw value
     * @param quote the quote character, or {@code 0} for an unquoted value
     */
    public record Entry(String key, String value, int line, int valueStart, int valueEnd, char quote) {}

    /** A line that is not an assignment. */
    public record Problem(int line, String reason) {}

    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]*");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    public Dotenv {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    /**
     * Reads and parses an env file.
     *
     * @param shown how to name the file in an error
     * @throws WorktreeDbException when it is not a regular file, cannot be read, or is not UTF-8
     */
    public static Dotenv load(Path path, String shown) {
        if (!Files.isRegularFile(path)) {
            throw WorktreeDbException.user(shown + " is not a regular file. Remove it or take it out of worktree-db.envFiles.");
        }
        try {
            return parse(path, Files.readString(path, StandardCharsets.UTF_8));
        } catch (CharacterCodingException e) {
            throw WorktreeDbException.user(shown + " is not UTF-8 text, so it is left as it is. Save it as UTF-8, or take "
                    + "it out of worktree-db.envFiles.");
        } catch (IOException e) {
            throw WorktreeDbException.user("Cannot read " + shown + ": " + e.getMessage() + ". Fix its permissions, or take "
                    + "it out of worktree-db.envFiles.");
        }
    }

    /** The value of the last assignment of {@code key}. */
    public Optional<Entry> get(String key) {
        Entry found = null;
        for (Entry e : entries) {
            if (e.key().equals(key)) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Keys to values, later assignments winning. */
    public Map<String, String> asMap() {
        Map<String, String> map = new LinkedHashMap<>();
        entries.forEach(e -> map.put(e.key(), e.value()));
        return map;
    }

    public static Dotenv parse(Path path, String content) {
        List<Entry> entries = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        int pos = content.startsWith("\uFEFF") ? 1 : 0;
        int lineNo = 1;
        while (pos <= content.length()) {
            int eol = content.indexOf('\n', pos);
            int next = eol < 0 ? content.length() + 1 : eol + 1;
            int end = eol < 0 ? content.length() : (eol > pos && content.charAt(eol - 1) == '\r' ? eol - 1 : eol);
            int lines = parseAssignment(content, pos, end, lineNo, entries, problems, seen);
            if (lines > 1) {
                // a quoted value ran over several lines: continue after the line that closed it
                for (int i = 1; i < lines; i++) {
                    next = content.indexOf('\n', next) + 1;
                    if (next == 0) {
                        next = content.length() + 1;
                        break;
                    }
                }
            }
            lineNo += lines;
            pos = next;
        }
        return new Dotenv(path, content, entries, problems);
    }

    /** Reads the assignment that starts on the line {@code [start, end)}; returns how many lines it took. */
    private static int parseAssignment(String content, int start, int end, int lineNo, List<Entry> entries,
            List<Problem> problems, Map<String, String> seen) {
        int i = skipBlanks(content, start, end);
        if (i == end || content.charAt(i) == '#') {
            return 1;
        }
        if (content.startsWith("export", i) && i + 6 < end && (content.charAt(i + 6) == ' ' || content.charAt(i + 6) == '\t')) {
            i = skipBlanks(content, i + 6, end);
        }
        int eq = content.indexOf('=', i);
        if (eq < 0 || eq >= end) {
            problems.add(new Problem(lineNo, "not a KEY=value line"));
            return 1;
        }
        String key = content.substring(i, eq).strip();
        if (!KEY.matcher(key).matches()) {
            problems.add(new Problem(lineNo, "the text before '=' is not a valid key (letters, digits, '_', '.', '-')"));
            return 1;
        }
        int v = skipBlanks(content, eq + 1, end);
        char first = v < end ? content.charAt(v) : 0;
        if (first == '"' || first == '\'' || first == '`') {
            int close = closingQuote(content, v + 1, first);
            if (close < 0) {
                problems.add(new Problem(lineNo, "the " + first + " quote of " + key + " is never closed"));
                return 1;
            }
            String inner = content.substring(v + 1, close).replace("\r\n", "\n");
            String value = first == '"' ? expand(unescape(inner), seen) : inner;
            entries.add(new Entry(key, value, lineNo, v + 1, close, first));
            seen.put(key, value);
            return 1 + (int) content.substring(v + 1, close).chars().filter(c -> c == '\n').count();
        }
        int valueEnd = inlineCommentStart(content, v, end);
        while (valueEnd > v && Character.isWhitespace(content.charAt(valueEnd - 1))) {
            valueEnd--;
        }
        String value = expand(content.substring(v, valueEnd), seen);
        entries.add(new Entry(key, value, lineNo, v, valueEnd, (char) 0));
        seen.put(key, value);
        return 1;
    }

    private static int skipBlanks(String s, int from, int end) {
        int i = from;
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** The closing quote at or after {@code from} (a backslash escapes in double quotes), or -1. */
    private static int closingQuote(String s, int from, char quote) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quote == '"') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }

    /** Where an inline comment ({@code #} after white space) starts in {@code [from, end)}, else {@code end}. */
    private static int inlineCommentStart(String s, int from, int end) {
        for (int i = from; i < end; i++) {
            if (s.charAt(i) == '#' && i > from && Character.isWhitespace(s.charAt(i - 1))) {
                return i;
            }
        }
        return end;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                switch (n) {
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case '"', '\\', '$', '\'' -> out.append(n);
                    default -> out.append('\\').append(n);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code ${NAME}} and {@code ${NAME:-default}} from keys defined earlier in the file; unknown ones stay. */
    private static String expand(String value, Map<String, String> seen) {
        if (value.indexOf("${") < 0) {
            return value;
        }
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = seen.get(m.group(1));
            if (v == null || v.isEmpty()) {
                v = m.group(2) != null ? m.group(2) : (v == null ? m.group() : v);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }
}
