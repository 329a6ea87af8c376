package io.github.worktreedb.config;

import java.io.IOException;
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
 * @param entries the assignments in file order (a later one for the same key wins in {@link #get})
 * @param problems lines that could not be read as an assignment
 */
public record Dotenv(Path path, List<Entry> entries, List<Problem> problems) {

    /** One {@code KEY=value} assignment; {@code line} is where it starts (1-based). */
    public record Entry(String key, String value, int line) {}

    /** A line that is not an assignment. */
    public record Problem(int line, String reason) {}

    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]*");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?}");

    public Dotenv {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    public static Dotenv read(Path path) throws IOException {
        return parse(path, Files.readString(path, StandardCharsets.UTF_8));
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
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        String[] lines = content.split("\r?\n", -1);
        List<Entry> entries = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = stripCr(lines[i]);
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (t.startsWith("export ") || t.startsWith("export\t")) {
                t = t.substring(6).stripLeading();
            }
            int eq = t.indexOf('=');
            if (eq < 0) {
                problems.add(new Problem(lineNo, "not a KEY=value line"));
                continue;
            }
            String key = t.substring(0, eq).strip();
            if (!KEY.matcher(key).matches()) {
                problems.add(new Problem(lineNo, "the text before '=' is not a valid key (letters, digits, '_', '.', '-')"));
                continue;
            }
            String rest = t.substring(eq + 1).stripLeading();
            String value;
            if (rest.startsWith("\"") || rest.startsWith("'") || rest.startsWith("`")) {
                char quote = rest.charAt(0);
                StringBuilder raw = new StringBuilder(rest.substring(1));
                int close = closingQuote(raw, quote);
                int startLine = i;
                while (close < 0 && i + 1 < lines.length) {
                    i++;
                    raw.append('\n').append(stripCr(lines[i]));
                    close = closingQuote(raw, quote);
                }
                if (close < 0) {
                    problems.add(new Problem(startLine + 1, "the " + quote + " quote of " + key + " is never closed"));
                    i = startLine; // keep reading after the bad line, not after the whole file
                    continue;
                }
                String inner = raw.substring(0, close);
                value = quote == '"' ? expand(unescape(inner), seen) : inner;
                lineNo = startLine + 1;
            } else {
                value = expand(stripInlineComment(rest).strip(), seen);
            }
            entries.add(new Entry(key, value, lineNo));
            seen.put(key, value);
        }
        return new Dotenv(path, entries, problems);
    }

    private static String stripCr(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static int closingQuote(CharSequence s, char quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quote == '"') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }

    private static String stripInlineComment(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == '#' && i > 0 && Character.isWhitespace(value.charAt(i - 1))) {
                return value.substring(0, i);
            }
        }
        return value;
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
