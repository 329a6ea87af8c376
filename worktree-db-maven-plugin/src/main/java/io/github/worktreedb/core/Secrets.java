package io.github.worktreedb.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Removes passwords from text that is about to be shown: URLs, key=value pairs, error messages. */
public final class Secrets {

    public static final String MASK = "****";

    /** {@code scheme://user:password@} */
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^:/?#@\\s]*):([^@\\s]*)@");
    /** {@code password=...} in a query string or a key=value list */
    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("(?i)((?:^|[?&;\\s])(?:password|pgpassword|db_password|pass)=)([^&;\\s]*)");

    private Secrets() {}

    /** The text with every URL password and {@code password=} value replaced by {@value #MASK}. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = USERINFO_PASSWORD.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
        out = PASSWORD_PARAM.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        return out;
    }

    /**
     * The text with the given secret replaced wherever it occurs (for messages from other libraries), except inside a
     * longer name: with the password {@code postgres}, the database {@code postgres_feature_x} stays as it is, since the
     * letters around it do not show where a password would end.
     */
    public static String redact(String text, String secret) {
        String out = redact(text);
        if (out == null || secret == null || secret.isEmpty()) {
            return out;
        }
        StringBuilder b = new StringBuilder(out.length());
        int from = 0;
        int at;
        while ((at = out.indexOf(secret, from)) >= 0) {
            int end = at + secret.length();
            boolean insideName = isWordChar(secret.charAt(0)) && at > 0 && isWordChar(out.charAt(at - 1))
                    || isWordChar(secret.charAt(secret.length() - 1)) && end < out.length() && isWordChar(out.charAt(end));
            b.append(out, from, at).append(insideName ? secret : MASK);
            from = end;
        }
        return b.append(out, from, out.length()).toString();
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
