package io.github.worktreedb.config;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.GitWorktree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the main database. First hit wins:
 * <ol>
 *   <li>{@code worktree-db.url};</li>
 *   <li>the env files in this worktree, in the configured order;</li>
 *   <li>the same env files in the main worktree (a new linked worktree has none of the gitignored files).</li>
 * </ol>
 * Credentials given as parameters or through settings.xml then replace what the source said.
 */
public final class MainDatabaseLocator {

    private MainDatabaseLocator() {}

    public static MainDatabase locate(WorktreeDbConfig config, GitWorktree git, Log log) {
        return locate(config, git, log, () -> CandidateScan.report(config, git, System.getenv(), log));
    }

    /**
     * @param candidates what to add to the error when no env file names a database: the server's databases that look
     *     like this project's (it connects to a server, so it runs only then)
     */
    static MainDatabase locate(WorktreeDbConfig config, GitWorktree git, Log log, java.util.function.Supplier<String> candidates) {
        MainDatabase found = config.url() != null ? fromUrl(config.url()) : fromEnvFiles(config, git, log, candidates);
        ConnectionSpec spec = found.spec();
        if (config.username() != null) {
            spec = spec.withUser(config.username());
        }
        if (config.password() != null) {
            spec = spec.withPassword(config.password());
        }
        spec = spec.withDefaults(System.getProperty("user.name"));
        String origin = found.origin();
        if ((config.username() != null || config.password() != null) && config.credentialsOrigin() != null) {
            origin = origin + ", credentials from " + config.credentialsOrigin();
        }
        return new MainDatabase(spec, origin);
    }

    private static MainDatabase fromUrl(String url) {
        try {
            ConnectionSpec spec = DatabaseUrls.parse(url);
            if (spec.database() == null) {
                throw new IllegalArgumentException("it names no database");
            }
            return new MainDatabase(spec, "-Dworktree-db.url");
        } catch (IllegalArgumentException bad) {
            throw WorktreeDbException.user("worktree-db.url is not a usable PostgreSQL URL: " + bad.getMessage()
                    + ". Use e.g. postgres://user@localhost:5432/mydb or jdbc:postgresql://localhost:5432/mydb.");
        }
    }

    private static MainDatabase fromEnvFiles(WorktreeDbConfig config, GitWorktree git, Log log,
            java.util.function.Supplier<String> candidates) {
        List<String> searched = new ArrayList<>();
        List<Path> roots = new ArrayList<>();
        roots.add(git.root());
        if (!git.isMainWorktree() && git.mainRoot() != null) {
            roots.add(git.mainRoot());
        }
        for (Path root : roots) {
            for (String name : config.envFiles()) {
                Path file = root.resolve(name).normalize();
                String shown = display(file, git);
                String note = "";
                Path original = git.backupOf(name);
                if (root.equals(git.root()) && !git.isMainWorktree() && Files.isRegularFile(original)) {
                    // rewrite-env pointed this file at the worktree database; the main database is in its original
                    file = original;
                    note = " - the original of " + shown + ", kept by rewrite-env";
                    shown = original.toString();
                }
                if (!Files.isRegularFile(file)) {
                    searched.add(shown + ": not there");
                    continue;
                }
                Dotenv env = Dotenv.load(file, shown);
                Optional<EnvDatabaseSettings.Found> hit = EnvDatabaseSettings.find(env, shown);
                for (Dotenv.Problem p : env.problems()) {
                    log.debug(shown + ":" + p.line() + ": " + p.reason() + " (line ignored; rewrite-env reports it)");
                }
                if (hit.isPresent()) {
                    EnvDatabaseSettings.Found f = hit.get();
                    if (!f.alsoNamedBy().isEmpty()) {
                        log.debug("The same database is also named by " + String.join(", ", f.alsoNamedBy()) + " in " + shown
                                + " (rewrite-env changes them too)");
                    }
                    return new MainDatabase(f.spec(), shown + ":" + f.line() + " (" + f.key() + ")"
                            + (f.credentials() == null ? "" : ", " + f.credentials()) + note);
                }
                searched.add(shown + ": no database setting" + note);
            }
        }
        throw WorktreeDbException.user("Could not find the main database. Searched:\n  " + String.join("\n  ", searched)
                + "\nfor " + String.join("; ", EnvDatabaseSettings.NAME_KEYS)
                + ".\nAdd e.g. DATABASE_URL=postgres://user:password@localhost:5432/mydb to .env, name other files with "
                + "-Dworktree-db.envFiles=..., or set -Dworktree-db.url=..." + candidates.get());
    }

    /** A path relative to this worktree when it is inside it, else absolute (the main worktree's files). */
    static String display(Path file, GitWorktree git) {
        return file.startsWith(git.root()) ? git.root().relativize(file).toString() : file.toString();
    }
}
