package io.github.worktreedb.naming;

import io.github.worktreedb.core.WorktreeDbException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the name pattern ({@code ${main}_${branch}} by default) into a database name that is a plain
 * lower-case PostgreSQL identifier: only {@code [a-z0-9_]}, not starting with a digit, at most 63 bytes.
 * Accents and Latin letters are folded ({@code ü → u}, {@code ø → o}, {@code ß → ss}); every other character becomes {@code _}. When the name has to be
 * shortened, the end is replaced by {@code _} and 8 hex digits of a hash of the full name, so branches
 * that differ only after the cut still get different databases, and the same branch always the same one.
 */
public final class DatabaseNamer {

    public static final String DEFAULT_PATTERN = io.github.worktreedb.config.Defaults.NAME_PATTERN;
    public static final int MAX_IDENTIFIER_BYTES = 63;
    private static final int HASH_LENGTH = 8;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    private DatabaseNamer() {}

    /**
     * The database name for a worktree.
     *
     * @param pattern the name pattern; {@code ${main}}, {@code ${branch}} and {@code ${worktree}} are replaced
     * @param main the main database's name
     * @param branch the branch (or, when detached, the worktree directory name)
     * @param worktree the worktree directory's name
     */
    public static String name(String pattern, String main, String branch, String worktree) {
        String p = pattern == null || pattern.isBlank() ? DEFAULT_PATTERN : pattern;
        Matcher m = PLACEHOLDER.matcher(p);
        StringBuilder raw = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "main" -> main;
                case "branch" -> branch;
                case "worktree" -> worktree;
                default -> throw WorktreeDbException.user("worktree-db.namePattern '" + p + "' uses ${" + m.group(1)
                        + "}; only ${main}, ${branch} and ${worktree} are known. Fix the pattern.");
            };
            m.appendReplacement(raw, Matcher.quoteReplacement(part(value)));
        }
        m.appendTail(raw);
        return sanitize(raw.toString());
    }

    /** A placeholder's value; one with nothing left after sanitising (say, all CJK) becomes a stable hash. */
    private static String part(String value) {
        String v = value == null ? "" : value;
        String clean = sanitizeChars(v);
        return clean.isEmpty() && !v.isEmpty() ? "h" + hash(v) : v;
    }

    /** Latin letters that Unicode does not decompose into a base letter and a mark. */
    private static final String[][] LATIN_LETTERS = {
        {"ø", "o"}, {"Ø", "o"}, {"æ", "ae"}, {"Æ", "ae"}, {"œ", "oe"}, {"Œ", "oe"}, {"ß", "ss"}, {"ł", "l"}, {"Ł", "l"},
        {"đ", "d"}, {"Đ", "d"}, {"ð", "d"}, {"Ð", "d"}, {"þ", "th"}, {"Þ", "th"}, {"ı", "i"}
    };

    private static String sanitizeChars(String raw) {
        String folded = Normalizer.normalize(raw, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
        for (String[] pair : LATIN_LETTERS) {
            folded = folded.replace(pair[0], pair[1]);
        }
        return trimUnderscores(folded.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("_{2,}", "_"));
    }

    /** The plain-identifier form of any text (see the class comment). */
    public static String sanitize(String raw) {
        String s = sanitizeChars(raw);
        if (s.isEmpty()) {
            s = "db_" + hash(raw);
        } else if (Character.isDigit(s.charAt(0))) {
            s = "db_" + s;
        }
        if (s.length() > MAX_IDENTIFIER_BYTES) {
            String head = trimUnderscores(s.substring(0, MAX_IDENTIFIER_BYTES - HASH_LENGTH - 1));
            s = head + "_" + hash(raw);
        }
        return s;
    }

    /** Whether {@code name} is already a plain identifier this namer could have made. */
    public static boolean isPlainIdentifier(String name) {
        return name.matches("[a-z_][a-z0-9_]{0,62}");
    }

    private static String trimUnderscores(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '_') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '_') {
            end--;
        }
        return s.substring(start, end);
    }

    private static String hash(String raw) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
