package io.github.worktreedb.transfer;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.WorktreeDbException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an export holds: {@code full} (schema and data), {@code schema} (plain SQL, diffable) or {@code data}. */
public enum ExportType {
    FULL("full", ".dump"),
    SCHEMA("schema", ".sql"),
    DATA("data", ".dump");

    private final String id;
    private final String extension;

    ExportType(String id, String extension) {
        this.id = id;
        this.extension = extension;
    }

    public String id() {
        return id;
    }

    /** The default file name's ending. */
    public String extension() {
        return extension;
    }

    /** {@code custom} (parallel restore) or {@code plain} (SQL). */
    public String dumpFormat() {
        return this == SCHEMA ? "plain" : "custom";
    }

    public static ExportType parse(String value) {
        String v = value == null ? "full" : value.strip().toLowerCase(Locale.ROOT);
        for (ExportType t : values()) {
            if (t.id.equals(v)) {
                return t;
            }
        }
        throw WorktreeDbException.user(PropertyNames.EXPORT_TYPE + "=" + value + " is not an export type. Use one of "
                + Arrays.stream(values()).map(ExportType::id).collect(Collectors.joining(", ")) + ".");
    }
}
