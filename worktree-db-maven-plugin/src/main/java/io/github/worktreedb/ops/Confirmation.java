package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;

/** Asks the person at the keyboard. */
@FunctionalInterface
public interface Confirmation {

    /** What came back from a question. */
    enum Answer {
        YES,
        NO,
        /** Nobody answered: no console, standard input closed, or nobody may be asked. */
        NONE
    }

    /** Asks {@code question} (its last line ends in {@code [y/N]}). */
    Answer ask(String question);

    /**
     * Why nobody is asked in this run even though Maven is interactive (e.g. the goal runs bound to a build phase), for
     * the "Not done" line; {@code null} when a person can be asked.
     */
    default String whyNotAsked() {
        return null;
    }

    /** A confirmation that never says yes (nobody to ask). */
    Confirmation NOBODY = question -> Answer.NONE;

    /** A confirmation that never asks, because of {@code reason} ("this goal is bound to the build"...). */
    static Confirmation never(String reason) {
        return new Confirmation() {
            @Override
            public Answer ask(String question) {
                return Answer.NONE;
            }

            @Override
            public String whyNotAsked() {
                return reason;
            }
        };
    }

    /**
     * The safety rule for destructive actions: a dry run only prints the plan; {@code -Dworktree-db.yes=true}
     * confirms; an interactive Maven asks; batch mode without {@code yes} prints the plan and changes nothing. Whenever
     * the action does not happen, one line says so ({@code Not done: …}) and why.
     *
     * @param plan what would be done: a first line, then perhaps item lines (each logged as a line of its own)
     * @return whether to go ahead
     */
    static boolean proceed(WorktreeDbConfig config, Confirmation confirmation, String plan, Log log) {
        if (config.dryRun()) {
            plan.lines().findFirst().ifPresent(first -> log.info("[dry run] " + first));
            plan.lines().skip(1).forEach(log::info);
            return false;
        }
        if (config.yes()) {
            return true;
        }
        String confirm = "Add -D" + PropertyNames.YES + "=true to confirm.";
        if (!config.interactive()) {
            plan.lines().forEach(log::warn);
            log.warn("Not done: Maven runs in batch mode. " + confirm);
            return false;
        }
        String why = confirmation.whyNotAsked();
        if (why != null) {
            plan.lines().forEach(log::warn);
            log.warn("Not done: " + why + ". " + confirm);
            return false;
        }
        return switch (confirmation.ask(plan + "\nContinue? [y/N]")) {
            case YES -> true;
            case NO -> {
                log.warn("Not done: declined at the prompt; nothing was changed.");
                yield false;
            }
            case NONE -> {
                log.warn("Not done: nobody answered the prompt (no console, standard input closed). " + confirm);
                yield false;
            }
        };
    }
}
