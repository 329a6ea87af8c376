package io.github.worktreedb.transfer;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.ClientTools;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks an import makes before it changes anything: the file is complete and matches its manifest, a data-only
 * file fits the target's tables and columns, the server major and the extensions fit, and how the Flyway histories of
 * the file and the target differ. A dump without a manifest gets the checks possible without one, and {@link #skipped}
 * says which were not made.
 *
 * @param type what the file holds
 * @param notes what the check found that does not stop the import (Flyway differences), one line each
 * @param skipped the checks that could not be made (no manifest), one line each
 * @param tables for a data import, the target's tables the file loads (schema and name as the target has them), filled
 *     by {@link #against}: what the import empties and reloads
 */
public record ImportCheck(ExportType type, Optional<Manifest> manifest, DumpFile.Contents contents, List<String> notes,
        List<String> skipped, List<Manifest.Table> tables) {

    /**
     * Checks {@code file} alone: exists, matches its manifest (size and SHA-256), readable to the end (a plain file)
     * or to its table of contents (an archive). Nothing is connected to.
     */
    public static ImportCheck ofFile(DumpFile file, ClientTools.Tools tools) {
        if (!Files.isRegularFile(file.path())) {
            throw WorktreeDbException.user("The dump file " + file.path() + " does not exist. Give an exported file with -D"
                    + io.github.worktreedb.config.PropertyNames.FILE + "=… (export writes target/worktree-db/<database>-"
                    + "<type>.dump or .sql by default).");
        }
        Optional<Manifest> manifest = file.manifest();
        List<String> skipped = new ArrayList<>();
        if (manifest.isPresent()) {
            Manifest m = manifest.get();
            long size = file.size();
            if (size != m.bytes()) {
                throw file.corrupt("it has " + size + " bytes, its manifest " + file.manifestPath().getFileName() + " says "
                        + m.bytes());
            }
            if (!file.sha256().equals(m.sha256())) {
                throw file.corrupt("its SHA-256 differs from the one in its manifest " + file.manifestPath().getFileName());
            }
        } else {
            skipped.add("checksum (no manifest " + file.manifestPath().getFileName() + " beside the file)");
        }
        DumpFile.Contents contents;
        ExportType type;
        if (file.isCustom()) {
            contents = file.contents(tools);
            type = manifest.map(m -> ExportType.parse(m.exportType()))
                    .orElse(contents.hasSchema() ? ExportType.FULL : ExportType.DATA);
        } else {
            if (!file.plainComplete()) {
                throw file.corrupt("it does not end with pg_dump's closing line (" + DumpFile.PLAIN_TRAILER + ")");
            }
            contents = new DumpFile.Contents(0, List.of(), true);
            type = manifest.map(m -> ExportType.parse(m.exportType())).orElse(ExportType.FULL);
            if (type == ExportType.DATA) {
                throw WorktreeDbException.user("The dump file " + file.path() + " is a plain SQL data-only dump; import "
                        + "takes data-only dumps in pg_dump's custom format (export -D"
                        + io.github.worktreedb.config.PropertyNames.EXPORT_TYPE + "=data writes one).");
            }
        }
        if (manifest.isEmpty()) {
            skipped.add("server major (no manifest)");
            skipped.add("extensions (no manifest)");
            skipped.add("Flyway version (no manifest)");
            if (type == ExportType.DATA) {
                skipped.add("columns and types (no manifest; only the tables are checked)");
            }
        }
        return new ImportCheck(type, manifest, contents, new ArrayList<>(), skipped, new ArrayList<>());
    }

    /**
     * Checks the file against the target's server ({@code maintenance}: any session on it) and, for a data import,
     * the target database ({@code target}; {@code null} when it does not exist). Throws one clear error for the first
     * misfit; adds notes for what differs but does not stop the import.
     *
     * @param targetHistory the target's Flyway history, if it has one
     */
    public void against(DumpFile file, Connection maintenance, int targetVersionNum, String targetVersion,
            Connection target, String targetName, Optional<Manifest.Flyway> targetHistory) throws SQLException {
        if (manifest.isPresent()) {
            Manifest m = manifest.get();
            if (m.serverVersionNum() / 10000 > targetVersionNum / 10000) {
                throw WorktreeDbException.user("The dump file " + file.path() + " comes from PostgreSQL " + m.serverVersion()
                        + ", and the server of " + targetName + " is " + targetVersion + ": a dump restores only into the "
                        + "same or a newer major version. Import it on a PostgreSQL " + m.serverVersionNum() / 10000
                        + " or newer server. Nothing was changed.");
            }
            Set<String> available = new HashSet<>();
            try (Statement st = maintenance.createStatement();
                    ResultSet rs = st.executeQuery("SELECT name FROM pg_available_extensions")) {
                while (rs.next()) {
                    available.add(rs.getString(1));
                }
            }
            List<String> missing = m.extensions().stream().map(Manifest.Extension::name)
                    .filter(e -> !available.contains(e)).toList();
            if (!missing.isEmpty()) {
                throw WorktreeDbException.user("The dump file " + file.path() + " needs the extension(s) " + String.join(", ",
                        missing) + ", which the server of " + targetName + " does not have (pg_available_extensions). "
                        + "Install them on the server first. Nothing was changed.");
            }
            flywayNotes(m.flyway(), targetHistory);
            // a full or schema import makes a new database from template0 (the server's defaults); data loads into target
            String from = type == ExportType.DATA && target != null ? null : "template0";
            try (PreparedStatement ps = (from == null ? target : maintenance).prepareStatement("SELECT "
                    + "pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = "
                    + (from == null ? "current_database()" : "'template0'")); ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    notes.addAll(encodingNotes(m, rs.getString(1), rs.getString(2), rs.getString(3), targetName));
                }
            }
        }
        if (type == ExportType.DATA) {
            if (target == null) {
                throw WorktreeDbException.user("A data-only dump loads into existing tables, and " + targetName + " does not "
                        + "exist. Create it first (mvn worktree-db:clone, then migrate), or import a full export. Nothing "
                        + "was changed.");
            }
            fits(file, target, targetName);
        }
    }

    private void fits(DumpFile file, Connection target, String targetName) throws SQLException {
        List<Manifest.Table> targetTables = FileTransfer.tables(target);
        Map<List<String>, Manifest.Table> have = new LinkedHashMap<>();
        targetTables.forEach(t -> have.put(List.of(t.schema(), t.name()), t));
        List<String> misfits = new ArrayList<>();
        tables.clear();
        if (manifest.isPresent()) {
            for (Manifest.Table t : manifest.get().tables()) {
                Manifest.Table mine = have.get(List.of(t.schema(), t.name()));
                if (mine == null) {
                    misfits.add(t.qualified() + " (a table of the file; " + targetName + " has no such table)");
                    continue;
                }
                tables.add(mine);
                Map<String, Manifest.Column> cols = mine.columns().stream()
                        .collect(Collectors.toMap(Manifest.Column::name, c -> c, (a, b) -> a, LinkedHashMap::new));
                for (Manifest.Column c : t.columns()) {
                    Manifest.Column m = cols.get(c.name());
                    if (m == null) {
                        misfits.add(t.qualified() + "." + c.name() + " (" + c.type() + " in the file; " + targetName
                                + " has no such column)");
                    } else if (!m.type().equals(c.type())) {
                        misfits.add(t.qualified() + "." + c.name() + " (" + c.type() + " in the file, " + m.type() + " in "
                                + targetName + ")");
                    }
                }
                Set<String> inFile = t.columns().stream().map(Manifest.Column::name).collect(Collectors.toSet());
                for (Manifest.Column m : mine.columns()) {
                    if (!inFile.contains(m.name()) && m.notNull() && !m.hasDefault()) {
                        misfits.add(t.qualified() + "." + m.name() + " (NOT NULL without a default in " + targetName
                                + "; the file has no such column)");
                    }
                }
            }
        } else {
            for (String entry : contents.dataEntries()) {
                List<Manifest.Table> named = DumpFile.Contents.names(entry, targetTables);
                if (named.isEmpty()) {
                    misfits.add(DumpFile.Contents.display(entry) + " (a table of the file, as pg_restore -l lists it with "
                            + "its schema; " + targetName + " has no such table)");
                } else if (named.size() > 1) {
                    throw WorktreeDbException.user("The dump file " + file.path() + " has data for \"" + entry + "\" (pg_restore "
                            + "-l's schema, table and owner), which could be any of " + named.stream().map(
                                    t -> "\"" + t.schema() + "\".\"" + t.name() + "\"").collect(Collectors.joining(", "))
                            + " in " + targetName + ": names with spaces make it ambiguous, and without a manifest there "
                            + "is no other way to tell. Export the data with mvn worktree-db:export -D"
                            + io.github.worktreedb.config.PropertyNames.EXPORT_TYPE + "=data (it writes a manifest). "
                            + "Nothing was changed.");
                } else if (!tables.contains(named.get(0))) {
                    tables.add(named.get(0));
                }
            }
        }
        if (!misfits.isEmpty()) {
            throw WorktreeDbException.user("The data in " + file.path() + " does not fit " + targetName + ":\n  "
                    + String.join("\n  ", misfits) + "\nBring " + targetName + " to the file's schema first (mvn "
                    + "worktree-db:migrate, or a full import). Nothing was changed.");
        }
    }

    /**
     * What differs between the file's encoding and locale (its manifest) and the database it loads into, one line each;
     * nothing when they agree. Neither stops the import: text is converted into the target's encoding as it loads (a
     * character that encoding lacks fails the load, and the import changes nothing), and sorting follows the target.
     */
    static List<String> encodingNotes(Manifest m, String encoding, String collate, String ctype, String targetName) {
        List<String> out = new ArrayList<>();
        if (m.encoding() != null && !m.encoding().equalsIgnoreCase(encoding)) {
            out.add("Encoding: the file is " + m.encoding() + " and " + targetName + " is " + encoding + "; text is "
                    + "converted as it loads (a character " + encoding + " cannot hold stops the import, and nothing is "
                    + "changed then).");
        }
        if (m.collation() != null && (!sameLocale(m.collation(), collate) || m.ctype() != null && !sameLocale(m.ctype(), ctype))) {
            out.add("Locale: the file's database sorted text by " + m.collation() + " (character classes "
                    + m.ctype() + "), " + targetName + " by " + collate + " (" + ctype + "); text sorts, and its "
                    + "indexes are built, the target's way.");
        }
        return out;
    }

    /** {@code en_US.UTF-8} and {@code en_US.utf8} name one locale: the codeset is compared without case and dashes. */
    static boolean sameLocale(String a, String b) {
        return a == null ? b == null : b != null && normalised(a).equals(normalised(b));
    }

    private static String normalised(String locale) {
        int dot = locale.indexOf('.');
        return dot < 0 ? locale : locale.substring(0, dot) + "." + locale.substring(dot + 1).toLowerCase(java.util.Locale.ROOT)
                .replace("-", "");
    }

    private void flywayNotes(Manifest.Flyway file, Optional<Manifest.Flyway> target) {
        if (file == null && target.isEmpty()) {
            return;
        }
        if (file == null || target.isEmpty()) {
            notes.add(file == null ? "The file has no Flyway history; the target is at version "
                    + target.get().version() + "." : "The file is at Flyway version " + file.version()
                    + "; the target has no Flyway history.");
            return;
        }
        Set<String> fileKeys = keys(file);
        Set<String> targetKeys = keys(target.get());
        List<String> onlyFile = file.migrations().stream().filter(m -> !targetKeys.contains(key(m)))
                .map(Manifest.Migration::describe).toList();
        List<String> onlyTarget = target.get().migrations().stream().filter(m -> !fileKeys.contains(key(m)))
                .map(Manifest.Migration::describe).toList();
        if (onlyFile.isEmpty() && onlyTarget.isEmpty()) {
            notes.add("Flyway: the file and the target are both at version " + file.version() + ".");
            return;
        }
        String relation = onlyTarget.isEmpty() ? "newer than" : onlyFile.isEmpty() ? "older than" : "different from";
        notes.add("Flyway: the file (version " + file.version() + ") is " + relation + " the target (version "
                + target.get().version() + ")" + (onlyFile.isEmpty() ? "" : "; only in the file: " + String.join(", ", onlyFile))
                + (onlyTarget.isEmpty() ? "" : "; only in the target: " + String.join(", ", onlyTarget)) + ".");
    }

    private static Set<String> keys(Manifest.Flyway f) {
        return f.migrations().stream().map(ImportCheck::key).collect(Collectors.toSet());
    }

    private static String key(Manifest.Migration m) {
        return m.version() + "|" + m.description() + "|" + m.checksum();
    }
}
