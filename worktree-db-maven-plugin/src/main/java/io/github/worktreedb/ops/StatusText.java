package io.github.worktreedb.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The text form of {@link StatusReport}: aligned, with {@code [ok]}, {@code [!!]} and {@code [--]} markers. */
public final class StatusText {

    private StatusText() {}

    public static List<String> render(StatusReport r) {
        List<String> out = new ArrayList<>();
        var w = r.worktree();
        out.add(row("Worktree", w.path() + "  (" + (w.mainWorktree() ? "main worktree" : "linked worktree") + ", "
                + (w.detached() ? "detached at " + w.head() : "branch " + w.branch()) + ")"));
        var m = r.mainDatabase();
        out.add(row("Main database", m.name() + " on " + m.host() + ":" + m.port() + "  (from " + m.foundIn() + ")"));
        var d = r.database();
        String db = d.isMainDatabase() ? d.name() + "  (this worktree uses the main database)"
                : d.exists() ? d.name() + "  [ok] " + d.size() + (d.createdAt() == null ? ", not made by worktree-db"
                        : ", created " + d.createdAt() + " from " + d.createdFrom()) + ", " + d.openSessions() + " open session(s)"
                : d.name() + "  [!!] does not exist: run mvn worktree-db:clone";
        out.add(row("Database", db));
        out.add("Env files" + (r.envFiles().isEmpty() ? "      none of the configured ones is here" : ""));
        for (var f : r.envFiles()) {
            String state = switch (f.pointsAt()) {
                case "worktree" -> "[ok] " + f.database() + " (this worktree)";
                case "main" -> d.isMainDatabase() ? "[ok] " + f.database() + " (main)"
                        : "[!!] " + f.database() + " (the main database): run mvn worktree-db:rewrite-env";
                case "other" -> "[!!] " + f.database() + " (neither this worktree's nor the main database)";
                case "none" -> "[--] no database setting";
                case "missing" -> "[--] missing";
                case "notCopied" -> "[!!] only in the main worktree: run mvn worktree-db:rewrite-env";
                default -> "[!!] " + f.key();
            };
            out.add("  " + pad(f.file() + (f.line() == null ? "" : ":" + f.line()), 26) + state
                    + (f.tracked() ? "  (tracked)" : ""));
        }
        var mg = r.migrations();
        out.add("Migrations" + (mg.note() == null ? "" : "  (" + mg.note() + ")"));
        out.add("  " + String.format(Locale.ROOT, "current %s, applied %d, pending %d, failed %d",
                mg.currentVersion() == null ? "none" : mg.currentVersion(), mg.applied(), mg.pending().size(), mg.failed().size()));
        list(out, "[--] pending", mg.pending());
        list(out, "[!!] older than the applied version, never applied without outOfOrder", mg.ignored());
        list(out, "[!!] failed", mg.failed());
        boolean shared = r.coordination() != null && "shared".equals(r.coordination().isolation());
        list(out, shared ? "[ok] applied from other worktrees, accepted (see Coordination)"
                : "[!!] applied here, missing in this branch (merge main)", mg.missingLocally());
        list(out, "[!!] checksum changed since applied", mg.checksumMismatch());
        list(out, "[!!] on main, not in this branch (merge main)", mg.onMainNotHere());
        list(out, "[!!] version used here and on main (rename before merging)", mg.versionCollisions());
        var s = r.seeds();
        out.add("Seeds");
        out.add("  " + String.format(Locale.ROOT, "applied %d, pending %d, changed %d", s.applied().size(), s.pending().size(),
                s.changed().size()));
        list(out, "[--] pending", s.pending());
        list(out, "[!!] changed since applied", s.changed());
        if (r.snapshots() != null) {
            out.add("Snapshots" + (r.snapshots().isEmpty() ? "      none (mvn worktree-db:snapshot saves one)" : ""));
            if (!r.snapshots().isEmpty()) {
                out.add("  " + pad("name", 28) + pad("taken", 26) + pad("size", 10) + "Flyway version");
            }
            for (var sn : r.snapshots()) {
                out.add("  " + pad(sn.name(), 28) + pad(sn.createdAt(), 26) + pad(sn.size(), 10)
                        + (sn.flywayVersion() == null ? "none" : sn.flywayVersion()));
            }
        }
        if (r.coordination() != null) {
            out.addAll(io.github.worktreedb.coordination.CoordinationText.render(r.coordination()));
        }
        if (r.otherDatabases() != null) {
            out.add("Worktree databases of this repository");
            out.add("  " + pad("database", 34) + pad("size", 10) + pad("created", 22) + pad("worktree", 9) + pad("branch", 8)
                    + "branch name");
            for (var o : r.otherDatabases()) {
                out.add("  " + pad(o.name() + (o.current() ? " *" : ""), 34) + pad(o.size(), 10) + pad(o.createdAt(), 22)
                        + pad(o.worktreeExists() ? "exists" : "GONE", 9) + pad(o.branchExists() ? "exists" : "GONE", 8) + o.branch());
            }
        }
        if (r.problems().isEmpty()) {
            out.add("[ok] nothing to do");
        } else {
            r.problems().forEach(p -> out.add("[!!] " + p));
        }
        return out;
    }

    private static void list(List<String> out, String title, List<String> items) {
        if (!items.isEmpty()) {
            out.add("  " + title + ":");
            items.forEach(i -> out.add("       " + i));
        }
    }

    private static String row(String title, String value) {
        return pad(title, 15) + value;
    }

    private static String pad(String s, int width) {
        String v = s == null ? "" : s;
        return v.length() >= width ? v + " " : v + " ".repeat(width - v.length());
    }
}
