package io.github.worktreedb.env;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/** Writes env files safely: read-only files refused, writes atomic, permissions kept, originals kept once. */
public final class EnvFileWriter {

    private EnvFileWriter() {}

    /** Refuses a file its owner has made read-only (even when running as root, which could write it anyway). */
    public static void checkWritable(Path file, String shown) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!perms.contains(PosixFilePermission.OWNER_WRITE)) {
                throw WorktreeDbException.user(shown + " is read-only, so it is left as it is. Make it writable "
                        + "(chmod u+w " + shown + ") to let rewrite-env change it, or take it out of worktree-db.envFiles.");
            }
        } catch (UnsupportedOperationException e) {
            if (!Files.isWritable(file)) {
                throw WorktreeDbException.user(shown + " is read-only, so it is left as it is. Make it writable.");
            }
        } catch (IOException e) {
            throw WorktreeDbException.user("Cannot read the permissions of " + shown + ": " + e.getMessage());
        }
    }

    /** Replaces the file's content atomically (a temporary file beside it, then a move), keeping its permissions. */
    public static void writeAtomically(Path file, String content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".worktree-db.tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            if (Files.exists(file)) {
                try {
                    Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system: the default permissions stand
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot write " + file + ": " + e.getMessage() + ". It is left as it was.", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless and recognisable by its name
                }
            }
        }
    }

    /** The value as an env file holds it: bare when that is safe, else in double quotes with escapes. */
    public static String quoteIfNeeded(String value) {
        if (value.matches("[A-Za-z0-9_./:@%?&=+,\\-\\[\\]]*")) {
            return value;
        }
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$") + "\"";
    }

    /** Records once that a file had no original (the plugin created it): an empty original. */
    public static void keepEmptyOriginal(Path to) {
        if (Files.exists(to)) {
            return;
        }
        try {
            Files.createDirectories(to.getParent());
            Files.writeString(to, "");
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot record the original of a new file at " + to + ": " + e.getMessage(), e);
        }
    }

    /** Copies {@code from} to {@code to} once: an existing {@code to} is kept (it is the first original). */
    public static boolean keepOriginal(Path from, Path to) {
        if (Files.exists(to)) {
            return false;
        }
        try {
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
            return true;
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot keep the original of " + from + " at " + to + ": " + e.getMessage()
                    + ". Nothing was changed.", e);
        }
    }
}
