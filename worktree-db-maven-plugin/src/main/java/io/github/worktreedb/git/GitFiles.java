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
 * <p>Written by hand for the cold start only: in a fresh Maven JVM, opening a repository with JGit took about 0.3 s in
 * a wall-clock profile (its signed jar verified as it loads, its message bundle, its file-system probe and a
 * {@code git} process that finds the system config),
 * more than every other step of {@code clone} but the copy. Anything this reader is not sure of (reftable, a
 * {@code core.worktree} or {@code core.bare} setting, an include, a worktree config, a {@code .git} file without
 * git's worktree record, a ref it cannot parse) makes it answer {@code null}, and {@link GitWorktree} reads the
 * repository with JGit as before. Tests check that both give the same answer on repositories made by git; where they
 * differ (a worktree moved without {@code git worktree repair}) this reader gives git's own answer.
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
        boolean linked = false;
        if (Files.isDirectory(dotGit)) {
            gitDir = dotGit;
        } else {
            String text = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
            if (!text.startsWith("gitdir:")) {
                return null;
            }
            gitDir = root.resolve(text.substring("gitdir:".length()).strip()).normalize();
            Path record = gitDir.resolve("gitdir");
            if (!Files.isRegularFile(record)) {
                return null; // not a worktree git made (--separate-git-dir, a submodule): JGit reads those
            }
            // a linked worktree's top is where git recorded its .git file when that is the file found here (so the
            // path git wrote, not a symbolic link this build came through, as JGit has it); when the worktree was
            // moved without 'git worktree repair', where the .git file is, as git has it
            String recorded = Files.readString(record, StandardCharsets.UTF_8).strip();
            Path recordedDotGit = Path.of(recorded).isAbsolute() ? Path.of(recorded)
                    : gitDir.resolve(recorded).toFile().getCanonicalFile().toPath();
            if (recordedDotGit.getParent() != null && Files.exists(recordedDotGit)
                    && Files.isSameFile(recordedDotGit, dotGit)) {
                root = recordedDotGit.getParent().toAbsolutePath().normalize();
            }
            linked = true;
        }
        Path commonDirFile = gitDir.resolve("commondir");
        Path commonDir = Files.isRegularFile(commonDirFile)
                ? gitDir.resolve(Files.readString(commonDirFile, StandardCharsets.UTF_8).strip()).normalize()
                : gitDir;
        if (!Files.isRegularFile(gitDir.resolve("HEAD")) || !Files.isDirectory(commonDir.resolve("objects"))
                || Files.exists(commonDir.resolve("reftable")) || Files.exists(gitDir.resolve("config.worktree"))
                || !plainConfig(commonDir.resolve("config"), linked)) {
            return null;
        }
        Refs refs = new Refs(commonDir);
        String headText = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).strip();
        String branch = null;
        String id;
        if (headText.startsWith("ref:")) {
            String ref = headText.substring(4).strip();
            if (!ref.startsWith("refs/")) {
                return null;
            }
            branch = ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : null;
            Target target = refs.resolve(ref, 0);
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
                : detectMainBranch(commonDir, refs);
        if (mainBranch == null) {
            return null;
        }
        Path mainRoot = gitDir.equals(commonDir) ? root : GitWorktree.mainRootOf(commonDir);
        return new GitWorktree(root, gitDir, commonDir, mainRoot, branch, id == null ? null : id.substring(0, 10), mainBranch);
    }

    /**
     * Whether the repository's config holds nothing that moves the work tree or the refs elsewhere: no
     * {@code core.worktree}, no include, no extension but {@code objectformat = sha1}, and unless this is a linked
     * worktree (which git and JGit place by its own record, bare repository or not) no {@code core.bare = true}.
     */
    private static boolean plainConfig(Path config, boolean linked) throws IOException {
        if (!Files.isRegularFile(config)) {
            return false;
        }
        String section = "";
        for (String raw : Files.readAllLines(config, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.startsWith("[")) {
                int end = line.indexOf(']');
                if (end < 0) {
                    return false;
                }
                section = line.substring(0, end + 1).toLowerCase(Locale.ROOT);
                if (section.startsWith("[include")) {
                    return false;
                }
                line = line.substring(end + 1).strip(); // git allows a key on the header's line
            }
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String key = line.toLowerCase(Locale.ROOT).replace(" ", "").replace("\t", "");
            boolean bare = key.equals("bare") || key.startsWith("bare=") && !key.startsWith("bare=false");
            if (section.startsWith("[core") && (key.startsWith("worktree") || bare && !linked)) {
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

    /** The refs of one common dir; {@code packed-refs} is read once, when a ref is not loose. */
    private static final class Refs {
        private final Path commonDir;
        private java.util.Map<String, String> packed;

        Refs(Path commonDir) {
            this.commonDir = commonDir;
        }

        /** Follows {@code ref} (loose first, then packed), or {@code null} when it cannot be read for sure. */
        Target resolve(String ref, int depth) throws IOException {
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
                    Target inner = resolve(text.substring(4).strip(), depth + 1);
                    return inner == null ? null : new Target(inner.id, true);
                }
                return null;
            }
            if (Files.isDirectory(loose)) {
                return null;
            }
            String id = packed().get(ref);
            return new Target(id, id != null);
        }

        private java.util.Map<String, String> packed() throws IOException {
            if (packed == null) {
                packed = new java.util.HashMap<>();
                Path file = commonDir.resolve("packed-refs");
                if (Files.isRegularFile(file)) {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        // "<id> <name>"; "#" starts the header, "^" a peeled tag's line
                        if (line.length() > 41 && line.charAt(40) == ' ' && OBJECT_ID.matcher(line.substring(0, 40)).matches()) {
                            packed.putIfAbsent(line.substring(41), line.substring(0, 40));
                        }
                    }
                }
            }
            return packed;
        }
    }

    /**
     * origin's HEAD when it is a symbolic ref to one of origin's branches, else the first of main, master and trunk
     * that exists, else main; {@code null} when a ref cannot be read for sure.
     */
    private static String detectMainBranch(Path commonDir, Refs refs) throws IOException {
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
            Target t = refs.resolve("refs/heads/" + candidate, 0);
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
