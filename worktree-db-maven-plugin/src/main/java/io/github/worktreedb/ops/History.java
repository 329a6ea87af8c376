package io.github.worktreedb.ops;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.StateDir;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The history log: one tab-separated line per operation that changed a database, in the repository's git common
 * dir ({@code worktree-db/history.log}), shared by all worktrees: time, goal, database, outcome, duration, worktree.
 * Never a password. Failing to write it never fails the build.
 */
public final class History {

    private History() {}

    public static Path file(GitWorktree git) {
        return StateDir.of(git).history();
    }

    public static void append(GitWorktree git, String goal, String database, String outcome, Duration took, Log log) {
        String line = String.join("\t", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), goal, database,
                Secrets.redact(outcome).replace('\t', ' ').replace('\n', ' '), took.toMillis() + "ms", git.root().toString())
                + "\n";
        appendLine(file(git), line, "the history log", log);
    }

    /**
     * Appends one line to {@code file} under a file lock, which keeps other processes out. The lock is held per JVM,
     * so threads of one JVM ({@code mvn -T}, several modules) take turns here first, or the second lock attempt throws
     * OverlappingFileLockException. Failing to write warns and never fails the build.
     */
    static void appendLine(Path file, String line, String what, Log log) {
        synchronized (History.class) {
            try {
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
                        FileLock ignored = ch.lock()) {
                    ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                }
            } catch (IOException | RuntimeException e) {
                log.warn("Could not append to " + what + " " + file + ": " + e);
            }
        }
    }
}
