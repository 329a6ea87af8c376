package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.DatabaseUrls;
import io.github.worktreedb.config.Dotenv;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.env.EnvFileWriter;
import io.github.worktreedb.env.EnvRewritePlan;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.PortIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code rewrite-env}: points this linked worktree's env files at its own database. A configured env file that
 * the main worktree has and this one lacks is copied first. Only values that name the main database change,
 * and only their database name; a tracked file is never written. The first change to a file keeps its original
 * in this worktree's git dir, where {@code clone} and the other goals read the main database from.
 */
public final class RewriteEnvOperation {

    /** What happened, for callers and tests. */
    public record Result(int filesChanged, int valuesChanged, int filesCopied, boolean mainWorktree, int portIndex) {}

    private final WorktreeContext ctx;
    private final Log log;

    public RewriteEnvOperation(WorktreeContext ctx, Log log) {
        this.ctx = ctx;
        this.log = log;
    }

    public Result run() {
        GitWorktree git = ctx.git();
        if (git.isMainWorktree()) {
            log.info("rewrite-env leaves the main worktree's env files alone: linked worktrees read the main database "
                    + "from them. Run it in a worktree made with 'git worktree add'.");
            return new Result(0, 0, 0, true, 0);
        }
        boolean dryRun = ctx.config().dryRun();
        String target = ctx.database();
        ConnectionSpec main = ctx.main().spec();

        int portIndex = ctx.config().ports().isEmpty() ? 0 : PortIndex.of(git);
        if (portIndex > 0) {
            log.info("Port index of this worktree: " + portIndex + " (" + String.join(", ", ctx.config().ports()) + " + "
                    + portIndex * ctx.config().portStep() + ")");
        }
        List<Path> files = ctx.config().envFiles().stream().map(n -> git.root().resolve(n).normalize()).toList();
        var tracked = git.tracked(files);
        int changedFiles = 0;
        int changedValues = 0;
        int copied = 0;
        List<String> already = new ArrayList<>();
        for (String name : ctx.config().envFiles()) {
            Path file = git.root().resolve(name).normalize();
            Path source = file;
            boolean copy = false;
            if (!Files.exists(file)) {
                Path inMain = git.mainRoot() == null ? null : git.mainRoot().resolve(name).normalize();
                if (inMain == null || !Files.isRegularFile(inMain)) {
                    log.debug(name + ": in neither this worktree nor the main worktree");
                    continue;
                }
                source = inMain;
                copy = true;
            }
            Dotenv env = Dotenv.load(source, copy ? source + " (main worktree)" : name);
            String content = env.content();
            EnvRewritePlan plan = EnvRewritePlan.of(env, main, target);
            if (portIndex > 0) {
                Path original = Files.isRegularFile(git.backupOf(name)) ? git.backupOf(name) : source;
                plan = plan.withPorts(env, original.equals(source) ? env : Dotenv.load(original, name + " (original)"),
                        ctx.config().ports(), portIndex * ctx.config().portStep());
            }
            for (String note : plan.notes()) {
                log.info(name + " " + note);
            }
            for (Dotenv.Problem p : env.problems()) {
                log.warn(name + ":" + p.line() + ": " + p.reason() + " (kept as it is)");
            }
            if (tracked.contains(file)) {
                if (plan.changes()) {
                    log.warn(trackedAdvice(name, env, plan));
                }
                continue;
            }
            if (dryRun) {
                if (copy) {
                    log.info("[dry run] Would copy " + name + " from the main worktree (" + source + ")");
                }
                if (plan.changes()) {
                    log.info("[dry run] " + name + " would change:\n" + diff(name, env, plan));
                }
                continue;
            }
            if (copy) {
                EnvFileWriter.keepOriginal(source, git.backupOf(name));
                EnvFileWriter.writeAtomically(file, content);
                copied++;
                log.info("Copied " + name + " from the main worktree (" + source + ")");
            }
            if (!plan.changes()) {
                if (plan.alreadyTarget() > 0) {
                    already.add(name);
                }
                continue;
            }
            EnvFileWriter.checkWritable(file, name);
            boolean kept = EnvFileWriter.keepOriginal(file, git.backupOf(name));
            EnvFileWriter.writeAtomically(file, plan.apply(content));
            changedFiles++;
            changedValues += plan.edits().size();
            log.info(name + ": " + plan.edits().stream().map(e -> e.entry().key() + " (line " + e.entry().line() + ")")
                    .collect(Collectors.joining(", ")) + " changed for " + target
                    + (kept ? "; original kept at " + git.backupOf(name) : ""));
        }
        if (!dryRun) {
            if (changedValues > 0) {
                log.info("rewrite-env: changed " + changedValues + " value(s) in " + changedFiles + " file(s) for " + target);
            } else if (!already.isEmpty()) {
                log.info("rewrite-env: " + String.join(", ", already) + " already point(s) at " + target
                        + "; nothing to change");
            } else {
                log.info("rewrite-env: no env file names the main database " + main.database() + "; nothing to change");
            }
        }
        return new Result(changedFiles, changedValues, copied, false, portIndex);
    }

    /** A tracked file names the main database: say how to override it for this worktree instead. */
    private String trackedAdvice(String name, Dotenv env, EnvRewritePlan plan) {
        String overrides = plan.edits().stream()
                .map(e -> "  " + e.entry().key() + "=" + Secrets.redact(e.newRaw()))
                .collect(Collectors.joining("\n"));
        return name + " is tracked by git, so rewrite-env never changes it, but it names the main database "
                + ctx.main().name() + " (line " + plan.edits().get(0).entry().line() + "). For this worktree, set these in "
                + "the environment or in an untracked env file your tooling reads after it:\n" + overrides;
    }

    /** The changed lines, before and after, passwords masked. */
    private static String diff(String name, Dotenv env, EnvRewritePlan plan) {
        StringBuilder out = new StringBuilder("--- " + name + "\n+++ " + name + " (rewritten)");
        for (EnvRewritePlan.Edit e : plan.edits()) {
            String before = env.content().substring(e.entry().valueStart(), e.entry().valueEnd());
            out.append("\n@@ line ").append(e.entry().line()).append(" @@")
                    .append("\n-").append(e.entry().key()).append('=').append(mask(before))
                    .append("\n+").append(e.entry().key()).append('=').append(mask(e.newRaw()));
        }
        return out.toString();
    }

    private static String mask(String raw) {
        return DatabaseUrls.isPostgresUrl(raw) ? Secrets.redact(raw) : raw;
    }
}
