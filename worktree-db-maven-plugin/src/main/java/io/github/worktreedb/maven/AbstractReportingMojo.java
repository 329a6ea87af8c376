package io.github.worktreedb.maven;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/** The goals that report ({@code status}, {@code cleanup}): text through the log, or one JSON document on stdout. */
public abstract class AbstractReportingMojo extends AbstractWorktreeDbMojo {

    /**
     * {@code text}, or {@code json}: one JSON document on standard output (run {@code mvn -q} to get only that). With
     * {@code mvn -q} the text report is printed too, on standard output without the {@code [INFO]} prefix.
     */
    @Parameter(property = PropertyNames.FORMAT, defaultValue = "text")
    protected String format;

    protected AbstractReportingMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    /** Whether the report is JSON; a value other than text or json is a clear error. */
    protected boolean json() {
        String f = format == null ? "text" : format.strip();
        if (f.equalsIgnoreCase("json")) {
            return true;
        }
        if (f.equalsIgnoreCase("text")) {
            return false;
        }
        throw WorktreeDbException.user(PropertyNames.FORMAT + "='" + format + "' is not text or json.");
    }

    /**
     * Where a text report goes: Maven's log, or standard output when the log level hides it ({@code mvn -q}), so that
     * the report the user asked for is printed whatever the level.
     */
    protected static Log report(Log log) {
        return log instanceof MavenLog m ? m.report() : log;
    }

    /** Prints {@code value} as one JSON document on standard output. */
    protected static void printJson(Object value) {
        try {
            MavenLog.stdout().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
