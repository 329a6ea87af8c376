package io.github.worktreedb.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What an export holds, written as JSON beside the dump ({@code shop.dump.manifest.json}): enough to check an import
 * before anything is changed. Never a password or a connection URL: only versions, names, types, counts and the dump's
 * SHA-256.
 *
 * @param format the manifest's own version
 * @param exportType {@code full}, {@code schema} or {@code data}
 * @param dumpFormat {@code custom} (pg_dump -Fc) or {@code plain} (SQL)
 * @param database the exported database's name
 * @param serverVersion the server's version ({@code 15.8})
 * @param serverVersionNum its {@code server_version_num}
 * @param toolVersion pg_dump's version
 * @param encoding the database's encoding
 * @param collation its LC_COLLATE
 * @param ctype its LC_CTYPE
 * @param extensions the installed extensions
 * @param flyway the Flyway history, or {@code null} when the database has none
 * @param tables every table with its columns and row count (at the dump's snapshot)
 * @param bytes the dump file's size
 * @param sha256 the dump file's SHA-256
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(int format, String exportType, String dumpFormat, String database, String createdAt,
        String pluginVersion, String serverVersion, int serverVersionNum, String toolVersion, String encoding,
        String collation, String ctype, List<Extension> extensions, Flyway flyway, List<Table> tables, long bytes,
        String sha256) {

    public static final int FORMAT = 1;
    /** The manifest of {@code dump} is {@code dump + SUFFIX}. */
    public static final String SUFFIX = ".manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public record Extension(String name, String version) {}

    public record Migration(String version, String description, Integer checksum) {
        /** {@code V3 (add note)}. */
        public String describe() {
            return (version == null ? "R" : "V" + version) + " (" + description + ")";
        }
    }

    /** The Flyway history table's applied, successful migrations, in order. */
    public record Flyway(String table, String version, List<Migration> migrations) {}

    public record Column(String name, String type, boolean notNull, boolean hasDefault) {}

    public record Table(String schema, String name, List<Column> columns, long rows) {
        public String qualified() {
            return schema + "." + name;
        }
    }

    /** The manifest beside {@code dump}. */
    public static Path pathFor(Path dump) {
        return dump.resolveSibling(dump.getFileName() + SUFFIX);
    }

    public Manifest withFile(long bytes, String sha256) {
        return new Manifest(format, exportType, dumpFormat, database, createdAt, pluginVersion, serverVersion,
                serverVersionNum, toolVersion, encoding, collation, ctype, extensions, flyway, tables, bytes, sha256);
    }

    public long totalRows() {
        return tables.stream().mapToLong(Table::rows).sum();
    }

    public Optional<Table> table(String qualified) {
        return tables.stream().filter(t -> t.qualified().equals(qualified)).findFirst();
    }

    public void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(System.nanoTime()) + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot write the manifest " + file + ": " + e.getMessage(), e);
        }
    }

    /** The manifest in {@code file}, or empty when there is none; one clear error when it is not a readable manifest. */
    public static Optional<Manifest> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            Manifest m = JSON.readValue(file.toFile(), Manifest.class);
            if (m.tables() == null || m.sha256() == null || m.exportType() == null) {
                throw WorktreeDbException.user("The manifest " + file + " is incomplete (no tables, sha256 or exportType). "
                        + "Export again, or remove it to import the dump with the checks possible without it.");
            }
            return Optional.of(m);
        } catch (IOException e) {
            throw WorktreeDbException.user("The manifest " + file + " is not readable JSON: " + e.getMessage()
                    + ". Export again, or remove it to import the dump with the checks possible without it.");
        }
    }
}
