package io.github.worktreedb.git;

import io.github.worktreedb.core.WorktreeDbException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;

/**
 * A small number per worktree for spreading ports: 0 for the main worktree, 1, 2, ... for linked ones. Kept in the
 * git common dir ({@code worktree-db/port-index.properties}, {@link StateDir}), so a worktree keeps its number; a new worktree gets the
 * smallest number no live worktree holds (a removed worktree's number may be given again). Concurrent builds take
 * turns through a file lock.
 */
public final class PortIndex {

    private PortIndex() {}

    public static int of(GitWorktree git) {
        if (git.isMainWorktree()) {
            return 0;
        }
        StateDir state = StateDir.of(git);
        Path dir = state.root();
        Path file = state.portIndex();
        String me = git.root().toString();
        try {
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(state.portIndexLock(), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                Properties indexes = new Properties();
                if (Files.exists(file)) {
                    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                        indexes.load(in);
                    }
                }
                String mine = indexes.getProperty(me);
                if (mine != null) {
                    return Integer.parseInt(mine);
                }
                Set<String> live = new HashSet<>();
                git.liveWorktrees().forEach(p -> live.add(p.toString()));
                Set<Integer> taken = new HashSet<>();
                for (String path : indexes.stringPropertyNames()) {
                    if (live.contains(path)) {
                        taken.add(Integer.parseInt(indexes.getProperty(path)));
                    } else {
                        indexes.remove(path);
                    }
                }
                int index = 1;
                while (taken.contains(index)) {
                    index++;
                }
                indexes.setProperty(me, Integer.toString(index));
                try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    indexes.store(out, "worktree-db: port index of each linked worktree (the main worktree is 0)");
                }
                return index;
            }
        } catch (IOException | NumberFormatException e) {
            throw WorktreeDbException.environment("Cannot read or write the port index in " + file + ": " + e.getMessage()
                    + ". Fix its permissions or delete it (every worktree then gets a new number).", e);
        }
    }
}
