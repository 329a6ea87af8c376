package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import java.util.Optional;

/**
 * Consent to change a database that matters — the main database, a protected one, one on another machine — for the
 * goals that change it without destroying it ({@code migrate}, {@code seed}). A protected database needs consent
 * bound to its name ({@code -Dworktree-db.confirm=<name>}) in batch mode: a blanket {@code yes} is not enough. So does
 * any of the three when a coding agent runs the build, even with {@code yes}: a person gives the agent the name.
 */
public final class Consent {

    /** What the user decided. */
    public enum Decision {
        GO, DRY_RUN, DECLINED;

        public boolean go() {
            return this == GO;
        }
    }

    /**
     * Why a database needs consent.
     *
     * @param protection the database's {@code protect} stamp, if any
     * @param main it is the main database
     * @param remote it is on another machine
     */
    public record Stakes(Optional<Protection.Stamp> protection, boolean main, boolean remote) {
        public boolean any() {
            return protection.isPresent() || main || remote;
        }

        public String describe(String database) {
            StringBuilder b = new StringBuilder(database);
            protection.ifPresent(p -> b.append(" is protected (").append(p.describe()).append(")"));
            if (main) {
                b.append(protection.isPresent() ? " and" : " is").append(" the main database");
            }
            if (remote) {
                b.append(protection.isPresent() || main ? " and" : " is").append(" on another machine");
            }
            return b.toString();
        }
    }

    private Consent() {}

    /**
     * Decides whether to change {@code database}, whose {@code stakes} are known, after printing {@code plan} where
     * nobody is asked. A {@code confirm} naming another database fails.
     */
    public static Decision decide(WorktreeContext ctx, Confirmation confirmation, String database, Stakes stakes,
            String plan, Log log) {
        Guards.refuseConfirmForAnotherDatabase(ctx, database);
        if (ctx.config().dryRun()) {
            plan.lines().findFirst().ifPresent(first -> log.info("[dry run] " + first));
            plan.lines().skip(1).forEach(log::info);
            return Decision.DRY_RUN;
        }
        if (!stakes.any()) {
            return Decision.GO;
        }
        if (database.equals(ctx.config().safety().confirm())) {
            return Decision.GO;
        }
        String how = "-D" + PropertyNames.CONFIRM + "=" + database;
        String agent = ctx.config().safety().agent();
        if (agent != null) {
            plan.lines().forEach(log::warn);
            log.warn("Not done: this build runs under a coding agent, " + agent + ", and " + stakes.describe(database)
                    + ". An agent changes such a database only with consent bound to its name, even with -D"
                    + PropertyNames.YES + "=true: ask the person you work for, and add " + how + " once they agree.");
            return Decision.DECLINED;
        }
        if (stakes.protection().isEmpty()) {
            return Confirmation.proceed(ctx.config(), confirmation, plan, log) ? Decision.GO : Decision.DECLINED;
        }
        String batch = "In batch mode add " + how + " (-D" + PropertyNames.YES + "=true is not enough for a protected "
                + "database).";
        if (!ctx.config().interactive() || confirmation.whyNotAsked() != null) {
            plan.lines().forEach(log::warn);
            log.warn("Not done: " + stakes.describe(database) + ". " + batch);
            return Decision.DECLINED;
        }
        return switch (confirmation.ask(plan + "\n" + stakes.describe(database) + ". Continue? [y/N]")) {
            case YES -> Decision.GO;
            case NO -> {
                log.warn("Not done: declined at the prompt; nothing was changed.");
                yield Decision.DECLINED;
            }
            case NONE -> {
                log.warn("Not done: nobody answered the prompt (no console, standard input closed). " + batch);
                yield Decision.DECLINED;
            }
        };
    }
}
