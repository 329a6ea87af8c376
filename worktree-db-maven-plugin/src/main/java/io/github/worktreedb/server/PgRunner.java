package io.github.worktreedb.server;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs PostgreSQL's programs. PostgreSQL refuses to run as root ({@code initdb}, {@code pg_ctl} and {@code postgres}
 * check it), which is how CI containers and many dev containers run; there the programs run under {@code unshare -U}:
 * a new user namespace in which the process is an unprivileged user (it holds no capability outside it), while the
 * files it creates still belong to the real user, so later runs (and {@code kill}) work on them as usual. This needs
 * {@code unshare} from util-linux and user namespaces enabled in the kernel (the default on current distributions).
 */
public final class PgRunner {

    /** What a program printed and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private PgRunner() {}

    /** Whether this process runs as root (user id 0). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // the effective user id
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command line that runs {@code command}: as it is, or under {@code unshare -U} as root. */
    public static List<String> command(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        Path unshare = findUnshare();
        List<String> full = new ArrayList<>();
        full.add(unshare.toString());
        full.add("-U");
        full.addAll(command);
        return full;
    }

    private static Path findUnshare() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "unshare");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw WorktreeDbException.user("This build runs as root, and PostgreSQL refuses to run as root. worktree-db runs "
                + "the worktree's server under 'unshare -U' (an unprivileged user namespace), but unshare was not found. "
                + "Install util-linux (Debian/Ubuntu: apt-get install util-linux; Alpine: apk add util-linux-misc), or run "
                + "Maven as an ordinary user.");
    }

    /**
     * Runs a program to its end (at most {@code timeout}); its output goes through a file, so a server it leaves
     * running never holds a pipe of this process open.
     */
    public static Result run(List<String> command, Duration timeout) {
        Path out = null;
        try {
            out = Files.createTempFile("worktree-db-pg", ".out");
            Process p = new ProcessBuilder(command(command)).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, Files.readString(out, StandardCharsets.UTF_8) + "\n(no answer within "
                        + timeout.toSeconds() + " s)");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorktreeDbException.environment("Interrupted while running " + command.get(0), e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}
