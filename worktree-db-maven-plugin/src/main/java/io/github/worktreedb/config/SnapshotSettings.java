package io.github.worktreedb.config;

/**
 * How {@code snapshot}, {@code restore} and {@code snapshotBefore} behave.
 *
 * @param name the snapshot's name ({@code snapshot}: to save under, {@code restore}: to bring back), or {@code null}: a
 *     timestamp / the latest
 * @param max snapshots kept per worktree database; the oldest go first. {@code 0} keeps them all
 * @param before {@code migrate}, {@code reset} and {@code import} save a snapshot first, so that one {@code restore} undoes them
 */
public record SnapshotSettings(String name, int max, boolean before) {

    public static final int DEFAULT_MAX = 5;

    public SnapshotSettings {
        name = name == null || name.isBlank() ? null : name.strip();
        if (max < 0) {
            throw io.github.worktreedb.core.WorktreeDbException.user(PropertyNames.MAX_SNAPSHOTS + "=" + max + " is negative. "
                    + "Give how many snapshots to keep per worktree (default " + DEFAULT_MAX + "; 0 keeps them all).");
        }
    }

    public static SnapshotSettings defaults() {
        return new SnapshotSettings(null, DEFAULT_MAX, false);
    }
}
