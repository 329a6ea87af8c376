package io.github.worktreedb.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads what {@link GitWorktree#of} needs (the git dir, the common dir, HEAD, a few refs) straight from git's files, as
 * git itself lays them out: {@code .git} (a directory, or in a linked worktree a file {@code gitdir: PATH}),
 * {@code commondir}, {@code HEAD}, loose refs and {@code packed-refs}.
 *
 * <p>Written by hand for the cold start only: in a fresh Maven JVM, opening a repository with JGit costs about 0.2 s
 * (its classes, its message bundle, its file-system probe and a {@code git} process that finds the system config),
 * more than every other step of {@code clone} but the copy. Anything this reader is not sure of (reftable, a
 * {@code core.worktree} or {@code core.bare} setting, an include, a worktree config, a ref it cannot parse) makes it
 * answer {@code null}, and {@link GitWorktree} reads the repository with JGit as before. Tests check that both give the
 * same answer on repositories made by git.
 */
final class GitFiles {

    private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}");
    private static final int MAX_SYMREF_DEPTH = 5;

    private GitFiles() {}

    /**
     * The worktree that contains {@code dir}, or {@code null} when this reader cannot tell for sure (JGit then reads
     * it; it also gives the errors).
     */
    static GitWorktree read(Path dir, String configuredMainBranch) {
        try {
            return readOrNull(dir.toAbsolutePath().normalize(), configuredMainBranch);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static GitWorktree readOrNull(Path dir, String configuredMainBranch) throws IOException {
        Path root = dir;
        Path dotGit = null;
        while (root != null) {
            Path candidate = root.resolve(".git");
            if (Files.exists(candidate)) {
                dotGit = candidate;
                break;
            }
            root = root.getParent();
        }
        if (dotGit == null) {
            return null;
        }
        Path gitDir;
        if (Files.isDirectory(dotGit)) {
            gitDir = dotGit;
        } else {
            String text = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
            if (!text.startsWith("gitdir:")) {
                return null;
            }
            gitDir = root.resolve(text.substring("gitdir:".length()).strip()).normalize();
        }
        Path commonDirFile = gitDir.resolve("commondir");
        Path commonDir = Files.isRegularFile(commonDirFile)
                ? gitDir.resolve(Files.readString(commonDirFile, StandardCharsets.UTF_8).strip()).normalize()
                : gitDir;
        if (!Files.isRegularFile(gitDir.resolve("HEAD")) || !Files.isDirectory(commonDir.resolve("objects"))
                || Files.exists(commonDir.resolve("reftable")) || Files.exists(gitDir.resolve("config.worktree"))
                || !plainConfig(commonDir.resolve("config"))) {
            return null;
        }
        String headText = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).strip();
        String branch = null;
        String id;
        if (headText.startsWith("ref:")) {
            String ref = headText.substring(4).strip();
            if (!ref.startsWith("refs/")) {
                return null;
            }
            branch = ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : null;
            Target target = resolve(commonDir, ref, 0);
            if (target == null) {
                return null;
            }
            id = target.id;
        } else if (OBJECT_ID.matcher(headText).matches()) {
            id = headText;
        } else {
            return null;
        }
        String mainBranch = configuredMainBranch != null && !configuredMainBranch.isBlank()
                ? configuredMainBranch.strip()
                : detectMainBranch(commonDir);
        if (mainBranch == null) {
            return null;
        }
        Path mainRoot = gitDir.equals(commonDir) ? root : GitWorktree.mainRootOf(commonDir);
        return new GitWorktree(root, gitDir, commonDir, mainRoot, branch, id == null ? null : id.substring(0, 10), mainBranch);
    }

    /**
     * Whether the repository's config holds nothing that moves the work tree or the refs elsewhere: no
     * {@code core.worktree}, no {@code core.bare = true}, no include, no extension but {@code objectformat = sha1}.
     */
    private static boolean plainConfig(Path config) throws IOException {
        if (!Files.isRegularFile(config)) {
            return false;
        }
        String section = "";
        for (String raw : Files.readAllLines(config, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = line.toLowerCase(Locale.ROOT);
                if (section.startsWith("[include")) {
                    return false;
                }
                continue;
            }
            String key = line.toLowerCase(Locale.ROOT).replace(" ", "").replace("\t", "");
            if (section.startsWith("[core") && (key.startsWith("worktree") || key.equals("bare") || key.startsWith("bare=") && !key.equals("bare=false"))) {
                return false;
            }
            if (section.startsWith("[extensions") && !key.equals("objectformat=sha1")) {
                return false;
            }
        }
        return true;
    }

    /** What a ref points at ({@code null} when nothing, as an unborn branch), and whether the ref itself exists. */
    private record Target(String id, boolean exists) {}

    /** Follows {@code ref} (loose first, then packed), or {@code null} when it cannot be read for sure. */
    private static Target resolve(Path commonDir, String ref, int depth) throws IOException {
        if (depth > MAX_SYMREF_DEPTH || !ref.startsWith("refs/") || ref.contains("..")) {
            return null;
        }
        Path loose = commonDir.resolve(ref);
        if (Files.isRegularFile(loose)) {
            String text = Files.readString(loose, StandardCharsets.UTF_8).strip();
            if (OBJECT_ID.matcher(text).matches()) {
                return new Target(text, true);
            }
            if (text.startsWith("ref:")) {
                // a symbolic ref exists even when what it points at does not (as JGit's exactRef has it)
                Target inner = resolve(commonDir, text.substring(4).strip(), depth + 1);
                return inner == null ? null : new Target(inner.id, true);
            }
            return null;
        }
        if (Files.isDirectory(loose)) {
            return null;
        }
        String packed = packed(commonDir, ref);
        return packed == null ? new Target(null, false) : new Target(packed, true);
    }

    private static String packed(Path commonDir, String ref) throws IOException {
        Path file = commonDir.resolve("packed-refs");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("#") || line.startsWith("^") || line.length() < 42) {
                continue;
            }
            if (line.charAt(40) == ' ' && line.substring(41).equals(ref) && OBJECT_ID.matcher(line.substring(0, 40)).matches()) {
                return line.substring(0, 40);
            }
        }
        return null;
    }

    /**
     * origin's HEAD when it is a symbolic ref to one of origin's branches, else the first of main, master and trunk
     * that exists, else main; {@code null} when a ref cannot be read for sure.
     */
    private static String detectMainBranch(Path commonDir) throws IOException {
        Path originHead = commonDir.resolve("refs/remotes/origin/HEAD");
        if (Files.isRegularFile(originHead)) {
            String text = Files.readString(originHead, StandardCharsets.UTF_8).strip();
            if (text.startsWith("ref:")) {
                String target = text.substring(4).strip();
                if (target.startsWith("refs/remotes/origin/")) {
                    return target.substring("refs/remotes/origin/".length());
                }
            } else if (!OBJECT_ID.matcher(text).matches()) {
                return null;
            }
        }
        for (String candidate : List.of("main", "master", "trunk")) {
            Target t = resolve(commonDir, "refs/heads/" + candidate, 0);
            if (t == null) {
                return null;
            }
            if (t.exists) {
                return candidate;
            }
        }
        return "main";
    }
}
