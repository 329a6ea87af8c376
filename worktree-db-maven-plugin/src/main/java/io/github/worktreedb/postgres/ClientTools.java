package io.github.worktreedb.postgres;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds {@code pg_dump} and {@code pg_restore} whose major version is at least the server's ({@code pg_dump} refuses
 * newer servers). Looks in the configured directory, then {@code PATH}, then the usual install locations: Debian and
 * Ubuntu ({@code /usr/lib/postgresql/N/bin}), RHEL ({@code /usr/pgsql-N/bin}), Homebrew and Postgres.app.
 */
public final class ClientTools {

    /** A usable pair of tools and their version. */
    public record Tools(Path pgDump, Path pgRestore, int major, String version) {}

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

    private ClientTools() {}

    /**
     * @param configuredDir {@code worktree-db.pgBin}, or {@code null}
     * @param serverMajor the server's major version
     * @param serverVersion the server's version, for the message
     */
    public static Tools find(String configuredDir, int serverMajor, String serverVersion) {
        return find(configuredDir, serverMajor, serverVersion, "A dump-based copy");
    }

    /** As {@link #find(String, int, String)}; {@code purpose} starts the message when none fits ("An export or import"). */
    public static Tools find(String configuredDir, int serverMajor, String serverVersion, String purpose) {
        List<Tools> found = new ArrayList<>();
        for (Path dir : candidates(configuredDir)) {
            Tools t = probe(dir);
            if (t != null && found.stream().noneMatch(f -> sameFile(f.pgDump(), t.pgDump()))) {
                found.add(t);
            }
        }
        if (configuredDir != null && !configuredDir.isBlank()) {
            Tools configured = probe(Path.of(configuredDir.strip()));
            if (configured != null && configured.major() >= serverMajor) {
                return configured;
            }
            throw WorktreeDbException.user(PropertyNames.PG_BIN + "=" + configuredDir + (configured == null
                    ? " holds no pg_dump and pg_restore."
                    : " holds pg_dump " + configured.version() + ", but the server is " + serverVersion
                            + " and pg_dump refuses servers newer than itself.")
                    + " Point it at the bin directory of PostgreSQL " + serverMajor + " or newer.");
        }
        return found.stream().filter(t -> t.major() >= serverMajor).max(Comparator.comparingInt(Tools::major))
                .orElseThrow(() -> WorktreeDbException.user(purpose + " needs pg_dump and pg_restore of PostgreSQL "
                        + serverMajor + " or newer (the server is " + serverVersion + "; pg_dump refuses newer servers). Found: "
                        + (found.isEmpty() ? "none" : String.join(", ", found.stream()
                                .map(t -> t.version() + " at " + t.pgDump().getParent()).toList()))
                        + ". Install the client of PostgreSQL " + serverMajor + " (Debian/Ubuntu: postgresql-client-"
                        + serverMajor + ", RHEL: postgresql" + serverMajor + ", Homebrew: postgresql@" + serverMajor
                        + "), or point -D" + PropertyNames.PG_BIN + " at its bin directory."));
    }

    public static List<Path> candidates(String configuredDir) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (configuredDir != null && !configuredDir.isBlank()) {
            dirs.add(Path.of(configuredDir.strip()));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String p : path.split(java.io.File.pathSeparator)) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p));
                }
            }
        }
        glob(dirs, Path.of("/usr/lib/postgresql"), "*", "bin");
        glob(dirs, Path.of("/usr"), "pgsql-*", "bin");
        glob(dirs, Path.of("/opt/homebrew/opt"), "postgresql@*", "bin");
        glob(dirs, Path.of("/usr/local/opt"), "postgresql@*", "bin");
        glob(dirs, Path.of("/Applications/Postgres.app/Contents/Versions"), "*", "bin");
        return new ArrayList<>(dirs);
    }

    private static void glob(Set<Path> out, Path parent, String pattern, String child) {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, pattern)) {
            for (Path p : ds) {
                out.add(p.resolve(child));
            }
        } catch (IOException ignored) {
            // an unreadable location holds nothing we can use
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.equals(b);
        }
    }

    /** The tools in {@code dir} and their version, or {@code null}. */
    public static Tools probe(Path dir) {
        Path dump = dir.resolve("pg_dump");
        Path restore = dir.resolve("pg_restore");
        if (!Files.isExecutable(dump) || !Files.isExecutable(restore)) {
            return null;
        }
        try {
            Process p = new ProcessBuilder(dump.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            Matcher m = VERSION.matcher(out);
            if (!m.find()) {
                return null;
            }
            String version = m.group(1) + (m.group(2) == null ? "" : "." + m.group(2));
            // keep the path as found: Debian's pg_dump is a link to pg_wrapper, which acts on the name it is called by
            return new Tools(dump.toAbsolutePath().normalize(), restore.toAbsolutePath().normalize(),
                    Integer.parseInt(m.group(1)), version);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
