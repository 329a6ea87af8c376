package io.github.worktreedb.coordination;

import java.util.ArrayList;
import java.util.List;

/** The text form of {@link MigrationCoordination.Report} in {@code status}, and the problems it adds. */
public final class CoordinationText {

    private CoordinationText() {}

    public static List<String> render(MigrationCoordination.Report c) {
        List<String> out = new ArrayList<>();
        out.add("Coordination  (isolation=" + c.isolation() + (c.note() == null ? "" : "; " + c.note()) + ")");
        out.add("  compared with " + c.comparedWith().size() + " other worktree(s)" + (c.comparedWith().isEmpty() ? ""
                : ": " + String.join(", ", c.comparedWith().stream().map(w -> w.branch() + " (" + w.worktree() + ", "
                        + w.migrations() + " migration(s))").toList())));
        list(out, "[!!] version collision (rename one before both are merged)",
                c.collisions().stream().map(MigrationCoordination.Collision::text).toList());
        list(out, "[!!] order", c.order().stream().map(MigrationCoordination.Order::text).toList());
        list(out, "[ok] applied from other worktrees, accepted (this branch lacks them)",
                c.appliedElsewhere().stream().map(MigrationCoordination.Accepted::text).toList());
        if (!c.origins().isEmpty()) {
            out.add("  applied in the shared database by:");
            c.origins().forEach(o -> out.add("       V" + o.version() + " " + o.script() + "  " + o.branch() + ", " + o.worktree()
                    + ", commit " + o.commit() + ", " + o.appliedAt()));
        }
        if (c.mergePreview() != null) {
            out.add("  " + c.mergePreview().text());
        }
        return out;
    }

    /** The problems {@code status} lists for this report. */
    public static List<String> problems(MigrationCoordination.Report c) {
        List<String> out = new ArrayList<>();
        if (!c.collisions().isEmpty()) {
            out.add(c.collisions().size() + " migration version(s) also used by another worktree's branch or the shared "
                    + "database with another script: rename yours");
        }
        if (!c.order().isEmpty()) {
            out.add(c.order().size() + " migration(s) of this branch below a version used elsewhere: rename them above it "
                    + "(see Coordination)");
        }
        return out;
    }

    private static void list(List<String> out, String title, List<String> items) {
        if (!items.isEmpty()) {
            out.add("  " + title + ":");
            items.forEach(i -> out.add("       " + i));
        }
    }
}
