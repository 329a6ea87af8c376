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

    /** The text with the given secret replaced wherever it occurs (for messages from other libraries). */
    public static String redact(String text, String secret) {
        String out = redact(text);
        if (out == null || secret == null || secret.isEmpty()) {
            return out;
        }
        return out.replace(secret, MASK);
    }
}
