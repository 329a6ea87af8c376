package io.github.worktreedb.transfer;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.ClientTools;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dump file as one end of a transfer, beside the database {@link Endpoint}s: what {@code export} writes and
 * {@code import} and {@code seed} read. Knows its format (pg_dump's custom archive or plain SQL), its checksum, its
 * manifest ({@link Manifest}, beside it) and its table of contents.
 */
public record DumpFile(Path path) {

    private static final byte[] CUSTOM_MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
    /** The last line pg_dump writes into a plain dump: a plain file without it was cut short. */
    static final String PLAIN_TRAILER = "-- PostgreSQL database dump complete";
    private static final Pattern TOC_LINE = Pattern.compile("^\\d+;\\s*\\d+\\s+\\d+\\s+(.+?)\\s*$");

    /**
     * What {@code pg_restore -l} lists: the number of items, the tables with data, whether it holds a schema.
     *
     * @param dataEntries each {@code TABLE DATA} item as pg_restore prints it: schema, table and owner joined by single
     *     spaces ({@code public order items app}). A name may hold spaces, so the words cannot be split apart safely;
     *     {@link #names} matches them against known tables instead.
     */
    public record Contents(int items, List<String> dataEntries, boolean hasSchema) {

        /**
         * The tables among {@code known} that a data entry names: those whose schema and name, joined by a space, begin
         * the entry, followed by the owner. When several do ({@code public order items app} begins with both
         * {@code public order} and {@code public order items}), the ones followed by a one-word owner are kept
         * ({@code order items}, owner {@code app}). Usually one; none when the table is not known; more than one only
         * when names with spaces leave the entry ambiguous.
         */
        public static List<Manifest.Table> names(String entry, List<Manifest.Table> known) {
            List<Manifest.Table> all = new ArrayList<>();
            List<Manifest.Table> oneWordOwner = new ArrayList<>();
            for (Manifest.Table t : known) {
                String head = t.schema() + " " + t.name();
                if (entry.equals(head) || entry.startsWith(head + " ")) {
                    all.add(t);
                    if (entry.indexOf(' ', Math.min(entry.length(), head.length() + 1)) < 0) {
                        oneWordOwner.add(t);
                    }
                }
            }
            return all.size() > 1 && !oneWordOwner.isEmpty() ? oneWordOwner : all;
        }

        /** The entry for display: without its last word (the owner) when it has more than two. */
        public static String display(String entry) {
            int last = entry.lastIndexOf(' ');
            return entry.indexOf(' ') < last ? entry.substring(0, last) : entry;
        }
    }

    public Path manifestPath() {
        return Manifest.pathFor(path);
    }

    public Optional<Manifest> manifest() {
        return Manifest.read(manifestPath());
    }

    /** Whether the file is pg_dump's custom archive ({@code PGDMP} at its start); otherwise it is read as plain SQL. */
    public boolean isCustom() {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(CUSTOM_MAGIC.length);
            return java.util.Arrays.equals(head, CUSTOM_MAGIC);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    public long size() {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    public String sha256() {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw unreadable(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether a plain SQL dump ends with pg_dump's closing line (one cut short does not). */
    public boolean plainComplete() {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            long len = f.length();
            int n = (int) Math.min(len, 4096);
            byte[] tail = new byte[n];
            f.seek(len - n);
            f.readFully(tail);
            return new String(tail, StandardCharsets.UTF_8).contains(PLAIN_TRAILER);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /**
     * The table of contents of a custom archive ({@code pg_restore -l}); one clear error naming the file when pg_restore
     * cannot read it (not an archive, cut short before its table of contents, damaged).
     */
    public Contents contents(ClientTools.Tools tools) {
        try {
            Process p = new ProcessBuilder(tools.pgRestore().toString(), "-l", path.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw corrupt("pg_restore cannot read its table of contents: "
                        + out.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("").strip());
            }
            return parseContents(out);
        } catch (IOException e) {
            throw unreadable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorktreeDbException.environment("Interrupted while reading " + path, e);
        }
    }

    static Contents parseContents(String listing) {
        int items = 0;
        boolean schema = false;
        Set<String> data = new LinkedHashSet<>();
        for (String line : listing.lines().toList()) {
            Matcher m = TOC_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            items++;
            // "TABLE DATA public orders postgres", "TABLE public orders postgres"
            String rest = m.group(1);
            if (rest.startsWith("TABLE DATA ")) {
                data.add(rest.substring("TABLE DATA ".length()));
            } else if (rest.startsWith("TABLE ") || rest.startsWith("FUNCTION ") || rest.startsWith("INDEX ")
                    || rest.startsWith("CONSTRAINT ") || rest.startsWith("VIEW ")
                    || rest.startsWith("SEQUENCE ") && !rest.startsWith("SEQUENCE SET ")) {
                // SEQUENCE SET (a sequence's value) is data: a data-only dump has one per sequence
                schema = true;
            }
        }
        return new Contents(items, new ArrayList<>(data), schema);
    }

    /** The file is damaged or cut short: one error naming it. */
    public WorktreeDbException corrupt(String why) {
        return WorktreeDbException.user("The dump file " + path + " is damaged or incomplete: " + why + ". Nothing was "
                + "changed. Export it again (or copy it again, completely).");
    }

    private WorktreeDbException unreadable(IOException e) {
        return WorktreeDbException.user("Cannot read the dump file " + path + ": " + e.getMessage());
    }
}
