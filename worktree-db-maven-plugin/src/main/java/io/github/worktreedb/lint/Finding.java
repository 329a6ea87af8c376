package io.github.worktreedb.lint;

/** One lint finding: where, which rule, and the statement's beginning. */
public record Finding(String file, int line, Rule rule, String statement) {

    /** {@code V5__x.sql:3: [drop-column] ALTER TABLE … — why. Safer: how.} */
    public String describe() {
        return file + ":" + line + ": [" + rule.id() + "] " + statement + " — " + rule.why() + ". Safer: " + rule.safer()
                + ". (Suppress with -- worktree-db:ignore " + rule.id() + ")";
    }
}
