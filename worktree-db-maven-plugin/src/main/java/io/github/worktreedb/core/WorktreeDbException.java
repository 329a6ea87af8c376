package io.github.worktreedb.core;

/**
 * The one exception the core throws. Its message is written for the user: it says what was wrong,
 * where (file:line or property) and how to fix it, and it never holds a password.
 *
 * <p>{@link Kind#USER} problems are fixable by the user (configuration, refused action) and become a
 * {@code MojoFailureException}; {@link Kind#ENVIRONMENT} problems went wrong underneath (server, I/O)
 * and become a {@code MojoExecutionException}.
 */
public class WorktreeDbException extends RuntimeException {

    /** Who can fix the problem. */
    public enum Kind {
        USER,
        ENVIRONMENT
    }

    private final Kind kind;

    public WorktreeDbException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public WorktreeDbException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static WorktreeDbException user(String message) {
        return new WorktreeDbException(Kind.USER, message);
    }

    public static WorktreeDbException environment(String message, Throwable cause) {
        return new WorktreeDbException(Kind.ENVIRONMENT, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}
