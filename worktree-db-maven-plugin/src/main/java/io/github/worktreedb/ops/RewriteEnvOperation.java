package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.Dotenv;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.env.EnvFileWriter;
import io.github.worktreedb.env.FrameworkSettings;
import io.github.worktreedb.env.EnvRewritePlan;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.PortIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private String overrideEnvFile;

    /**
     * {@code -Dworktree-db.overrideEnvFile}: the untracked env file that receives overrides of settings living in
     * tracked files, or {@code null} to only report them.
     */
    public RewriteEnvOperation overrideEnvFile(String file) {
        this.overrideEnvFile = file == null || file.isBlank() ? null : file.strip();
        return this;
    }

    public Result run() {
        GitWorktree git = ctx.git();
        if (ctx.config().isolation() == io.github.worktreedb.config.Isolation.SHARED) {
            log.info("isolation=shared: every worktree uses the main database " + ctx.main().name() + ", so rewrite-env has "
                    + "nothing to change.");
            return new Result(0, 0, 0, true, 0);
        }
        if (git.isMainWorktree()) {
            log.info("rewrite-env leaves the main worktree's env files alone: linked worktrees read the main database "
                    + "from them. Run it in a worktree made with 'git worktree add'.");
            return new Result(0, 0, 0, true, 0);
        }
        boolean dryRun = ctx.config().dryRun();
        // isolation=server: the database keeps main's name on this worktree's own server; only host and port change
        String target = ctx.ownServer() ? ctx.target().display() : ctx.database();
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
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> stillMain = new ArrayList<>();
        List<FilePlan> plans = new ArrayList<>();
        // first every file is planned, so that a value rewrite-env cannot point at this worktree stops it before it
        // writes anything
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
            EnvRewritePlan plan = ctx.ownServer() ? EnvRewritePlan.toServer(env, main, ctx.server().port())
                    : EnvRewritePlan.of(env, main, target);
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
            for (EnvRewritePlan.Problem p : plan.problems()) {
                stillMain.add(name + ":" + p.line() + " (" + p.key() + ") names the main database " + main.database()
                        + ", but " + p.reason() + ". Write the database name literally in " + p.key()
                        + " (rewrite-env then changes it), or point it at this worktree's database " + target
                        + " yourself");
            }
            boolean isTracked = tracked.contains(file);
            if (isTracked && plan.changes()) {
                boolean names = plan.edits().stream().anyMatch(e -> !isPort(e));
                if (names) {
                    plan.edits().stream().filter(e -> !isPort(e))
                            .forEach(e -> overrides.put(e.entry().key(), rewrittenValue(env, e)));
                    if (overrideEnvFile == null) {
                        stillMain.add(trackedAdvice(name, plan));
                    } else {
                        log.warn(trackedAdvice(name, plan));
                    }
                }
            }
            plans.add(new FilePlan(name, file, source, copy, env, plan, isTracked));
        }
        if (!stillMain.isEmpty()) {
            String message = "rewrite-env cannot point every env value at " + target + ":\n  "
                    + String.join("\n  ", stillMain)
                    + "\nThe application would still use the main database " + main.database() + ". "
                    + (dryRun ? "" : "Nothing was changed.");
            if (!dryRun) {
                throw WorktreeDbException.user(message);
            }
            log.warn("[dry run] " + message);
        }
        for (FilePlan fp : plans) {
            String name = fp.name();
            EnvRewritePlan plan = fp.plan();
            if (fp.tracked()) {
                continue;
            }
            if (dryRun) {
                if (fp.copy()) {
                    log.info("[dry run] Would copy " + name + " from the main worktree (" + fp.source() + ")");
                }
                if (plan.changes()) {
                    log.info("[dry run] " + name + " would change:\n" + diff(name, fp.env(), plan));
                }
                continue;
            }
            if (fp.copy()) {
                EnvFileWriter.keepOriginal(fp.source(), git.backupOf(name));
                EnvFileWriter.writeAtomically(fp.file(), fp.env().content());
                copied++;
                log.info("Copied " + name + " from the main worktree (" + fp.source() + ")");
            }
            if (!plan.changes()) {
                if (plan.alreadyTarget() > 0) {
                    already.add(name);
                }
                continue;
            }
            EnvFileWriter.checkWritable(fp.file(), name);
            boolean kept = EnvFileWriter.keepOriginal(fp.file(), git.backupOf(name));
            EnvFileWriter.writeAtomically(fp.file(), plan.apply(fp.env().content()));
            changedFiles++;
            changedValues += plan.edits().size();
            log.info(name + ": " + plan.edits().stream().map(e -> e.entry().key() + " (line " + e.entry().line() + ")")
                    .collect(Collectors.joining(", ")) + " changed for " + target
                    + (kept ? "; original kept at " + git.backupOf(name) : ""));
        }
        int settings = frameworkSettings(overrides);
        if (!overrides.isEmpty() && overrideEnvFile != null) {
            writeOverrides(overrides);
        }
        if (!dryRun) {
            String unresolved = settings > 0 && overrideEnvFile == null
                    ? "; " + settings + " application setting(s) still name the main database " + main.database()
                            + " (see the warnings above)"
                    : "";
            if (changedValues > 0) {
                log.info("rewrite-env: changed " + changedValues + " value(s) in " + changedFiles + " file(s) for " + target
                        + unresolved);
            } else if (!unresolved.isEmpty()) {
                log.warn("rewrite-env: no env value to change" + unresolved);
            } else if (!already.isEmpty()) {
                log.info("rewrite-env: " + String.join(", ", already) + " already point(s) at " + target
                        + "; nothing to change");
            } else {
                log.info("rewrite-env: no env file names the main database " + main.database() + "; nothing to change");
            }
        }
        return new Result(changedFiles, changedValues, copied, false, portIndex);
    }

    private record FilePlan(String name, Path file, Path source, boolean copy, Dotenv env, EnvRewritePlan plan,
            boolean tracked) {}

    /** An edit of a port key ({@code -Dworktree-db.ports}), not of a database name. */
    private boolean isPort(EnvRewritePlan.Edit e) {
        return ctx.config().ports().contains(e.entry().key());
    }

    /** The application's view of an edited value: the raw text as the file would hold it, unquoted. */
    private static String rewrittenValue(Dotenv env, EnvRewritePlan.Edit e) {
        String after = e.newRaw();
        return e.entry().quote() == '"' ? Dotenv.parse(env.path(), "X=\"" + after + "\"").get("X").orElseThrow().value() : after;
    }

    /**
     * Framework settings (application.properties...) that name the main database: reported, never edited.
     *
     * @return how many there are
     */
    private int frameworkSettings(Map<String, String> overrides) {
        int count = 0;
        GitWorktree git = ctx.git();
        List<Path> configs = FrameworkSettings.candidates(git.root(), ctx.config().baseDir().toAbsolutePath().normalize());
        var tracked = git.tracked(configs);
        for (Path config : configs) {
            for (FrameworkSettings.Finding f : FrameworkSettings.find(config, ctx.main().spec())) {
                String shown = git.root().relativize(config) + ":" + f.line() + " (" + f.key() + ")";
                String rewritten = f.rewritten(ctx.database());
                String how = f.environmentVariable() == null
                        ? "override that setting for this worktree the way your framework allows, with " + Secrets.redact(rewritten)
                        : "set " + f.environmentVariable() + "=" + Secrets.redact(rewritten) + " for this worktree (the "
                                + "framework reads it over the file)";
                log.warn(shown + " names the main database " + ctx.main().name() + "; rewrite-env does not edit "
                        + (tracked.contains(config) ? "tracked " : "") + "application configuration. Instead, " + how
                        + (overrideEnvFile == null && f.environmentVariable() != null
                                ? ", or let rewrite-env write it into an untracked env file with -D"
                                        + PropertyNames.OVERRIDE_ENV_FILE + "=.env.local" : "")
                        + ".");
                if (f.environmentVariable() != null) {
                    overrides.put(f.environmentVariable(), rewritten);
                }
                count++;
            }
        }
        return count;
    }

    /** Writes the overrides into the configured untracked env file, key by key, everything else kept. */
    private void writeOverrides(Map<String, String> overrides) {
        GitWorktree git = ctx.git();
        String name = overrideEnvFile;
        Path file = git.root().resolve(name).normalize();
        if (git.tracked(List.of(file)).contains(file)) {
            throw WorktreeDbException.user(PropertyNames.OVERRIDE_ENV_FILE + "=" + name + " is tracked by git, and tracked "
                    + "files are never written. Name an untracked (gitignored) file, e.g. .env.local.");
        }
        boolean exists = Files.exists(file);
        String content = exists ? Dotenv.load(file, name).content() : "";
        Dotenv env = Dotenv.parse(file, content);
        StringBuilder out = new StringBuilder(content);
        List<String> appended = new ArrayList<>();
        List<Map.Entry<String, String>> replace = new ArrayList<>();
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            var existing = env.get(o.getKey());
            if (existing.isEmpty()) {
                appended.add(o.getKey() + "=" + EnvFileWriter.quoteIfNeeded(o.getValue()));
            } else if (!existing.get().value().equals(o.getValue())) {
                replace.add(o);
            }
        }
        replace.stream()
                .sorted(java.util.Comparator.comparingInt((Map.Entry<String, String> o) -> env.get(o.getKey()).orElseThrow()
                        .valueStart()).reversed())
                .forEach(o -> {
                    Dotenv.Entry e = env.get(o.getKey()).orElseThrow();
                    String v = e.quote() == 0 ? EnvFileWriter.quoteIfNeeded(o.getValue()) : o.getValue();
                    out.replace(e.valueStart(), e.valueEnd(), v);
                });
        if (!appended.isEmpty()) {
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                out.append(content.contains("\r\n") ? "\r\n" : "\n");
            }
            out.append("# for this worktree's database, written by worktree-db rewrite-env\n");
            appended.forEach(line -> out.append(line).append('\n'));
        }
        if (out.toString().equals(content)) {
            return;
        }
        if (ctx.config().dryRun()) {
            log.info("[dry run] Would set " + String.join(", ", overrides.keySet()) + " in " + name);
            return;
        }
        if (exists) {
            EnvFileWriter.checkWritable(file, name);
            EnvFileWriter.keepOriginal(file, git.backupOf(name));
        } else {
            EnvFileWriter.keepEmptyOriginal(git.backupOf(name));
        }
        EnvFileWriter.writeAtomically(file, out.toString());
        log.info(name + ": set " + String.join(", ", overrides.keySet()) + " for " + ctx.database());
    }

    /** A tracked file names the main database: say how to override it for this worktree instead. */
    private String trackedAdvice(String name, EnvRewritePlan plan) {
        String overrides = plan.edits().stream().filter(e -> !isPort(e))
                .map(e -> "  " + e.entry().key() + "=" + Secrets.redact(e.newRaw()))
                .collect(Collectors.joining("\n"));
        return name + ":" + plan.edits().get(0).entry().line() + " is tracked by git, so rewrite-env never changes it, but it "
                + "names the main database " + ctx.main().name() + ". For this worktree, set these in the environment or in an "
                + "untracked env file your tooling reads after it"
                + (overrideEnvFile == null ? " (-D" + PropertyNames.OVERRIDE_ENV_FILE + "=.env.local writes "
                        + "them there)" : " (written to " + overrideEnvFile + ")")
                + ":\n" + overrides;
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
        return Secrets.redact(raw); // URLs and keyword/value strings (password=...); other values have no password
    }
}
