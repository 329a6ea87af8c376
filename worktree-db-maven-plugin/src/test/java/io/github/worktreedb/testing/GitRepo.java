package io.github.worktreedb.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real git repository made with the git command line, with linked worktrees from {@code git worktree add}. */
public final class GitRepo {

    private final Path root;

    private GitRepo(Path root) {
        this.root = root;
    }

    /** {@code git init -b main} in {@code dir} with one commit holding a {@code .gitignore} that ignores env files. */
    public static GitRepo init(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        GitRepo repo = new GitRepo(dir);
        repo.git("init", "-q", "-b", "main");
        repo.git("config", "user.email", "test@example.com");
        repo.git("config", "user.name", "worktree-db tests");
        repo.git("config", "commit.gpgsign", "false");
        repo.write(".gitignore", ".env\n.env.*\n*/.env\n*/.env.*\ntarget/\n");
        repo.commitAll("initial commit");
        return repo;
    }

    public Path root() {
        return root;
    }

    public Path write(String relative, String content) {
        Path file = root.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    public void commitAll(String message) {
        git("add", "-A");
        git("commit", "-q", "--allow-empty", "-m", message);
    }

    /** {@code git worktree add -b branch dir}: a linked worktree on a new branch. */
    public Path addWorktree(Path dir, String branch) {
        git("worktree", "add", "-q", "-b", branch, dir.toString());
        return dir;
    }

    /** {@code git worktree add --detach dir}. */
    public Path addDetachedWorktree(Path dir) {
        git("worktree", "add", "-q", "--detach", dir.toString());
        return dir;
    }

    /** Runs git in the repository's root and returns its output; fails the test when git fails. */
    public String git(String... args) {
        return run(root, args);
    }

    public static String run(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("git " + String.join(" ", args) + " failed in " + dir + ":\n" + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
