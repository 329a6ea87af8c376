package io.github.worktreedb.coordination;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.github.worktreedb.git.GitWorktree;
import io.github.worktreedb.git.Worktrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Compares this branch's versioned Flyway migrations with every other live worktree's branch, with the main branch and
 * with what the database already applied: versions used twice for different scripts (collisions), versions of this
 * branch lower than one applied or written elsewhere (order), migrations the (shared) database got from other worktrees,
 * and what merging the main branch would bring. Read-only; {@code status} reports it and {@code migrate} checks it.
 */
public final class MigrationCoordination {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__(.+)\\.sql");

    /** Everything found, in the form {@code status} prints as JSON ({@code coordination}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Report(String isolation, List<Compared> comparedWith, List<Collision> collisions, List<Order> order,
            List<Accepted> appliedElsewhere, List<OriginTable.Origin> origins, MergePreview mergePreview, String note) {

        /** This report under the configured isolation's name ({@code server} compares as {@code database} does). */
        public Report as(String isolationId) {
            return new Report(isolationId, comparedWith, collisions, order, appliedElsewhere, origins, mergePreview, note);
        }

        /** Whether {@code failOn=collision} fails on this. */
        public boolean hasCollisionOrOrderProblem() {
            return !collisions.isEmpty() || !order.isEmpty();
        }
    }

    /** Another live worktree whose migrations were compared: its branch, its path relative to this worktree. */
    public record Compared(String branch, String worktree, int migrations) {}

    /**
     * One version used here and elsewhere for another script. {@code source}: {@code worktree} (another worktree's
     * branch or directory) or {@code database} (applied to the shared database).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Collision(String version, String here, String there, String source, String branch, String worktree,
            String commit, String text) {}

    /** A version of this branch lower than one that another branch or the database already has, and the fix. */
    public record Order(String version, String file, String above, String aboveFile, String where, String rename,
            String text) {}

    /** A migration the shared database has from another worktree that this branch lacks: accepted as applied. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Accepted(String version, String script, String branch, String worktree, String commit, String text) {}

    /** What {@code git merge <main branch>} would mean for this database's migrations. */
    public record MergePreview(String branch, List<String> toApply, List<String> needOutOfOrder, List<String> collisions,
            String text) {}

    /** One place a version can be: its file, and where (for messages). */
    private record Elsewhere(String file, String branch, String worktree, String commit, String where, String source) {}

    private MigrationCoordination() {}

    /**
     * Analyses this worktree's migrations.
     *
     * @param git this worktree
     * @param locations the Flyway {@code filesystem:} locations (absolute)
     * @param info Flyway's view of the database ({@code info.all()}), or {@code null} when the database cannot be read
     * @param origins who applied what to the shared database, or an empty map
     * @param shared whether every worktree uses the main database ({@code isolation=shared})
     */
    public static Report analyse(GitWorktree git, List<Path> locations, MigrationInfo[] info,
            Map<String, OriginTable.Origin> origins, boolean shared) {
        String isolation = shared ? "shared" : "database";
        List<String> relative = new ArrayList<>();
        for (Path dir : locations) {
            if (!dir.startsWith(git.root())) {
                return new Report(isolation, List.of(), List.of(), List.of(), List.of(), List.copyOf(origins.values()), null,
                        "migrations outside the worktree (" + dir + ") are not compared with other branches");
            }
            relative.add(git.root().relativize(dir).toString());
        }
        Map<String, String> local = new LinkedHashMap<>();
        for (Path dir : locations) {
            local.putAll(versions(onDisk(dir)));
        }
        Map<String, String> applied = new LinkedHashMap<>();
        if (info != null) {
            for (MigrationInfo i : info) {
                if (i.getVersion() != null && i.getState().isApplied() && !i.getState().isFailed()
                        && i.getState() != MigrationState.BASELINE && !i.getType().isBaseline()) {
                    applied.put(normalize(i.getVersion().getVersion()), i.getScript());
                }
            }
        }
        Map<String, String> mainCommitted = new LinkedHashMap<>();
        for (String rel : relative) {
            mainCommitted.putAll(versions(git.filesOnBranch(git.mainBranch(), rel)));
        }
        // on the main branch itself, main's files are this branch's: nothing to compare them with
        Map<String, String> onMain = git.onMainBranch() ? Map.of() : mainCommitted;

        // every other live worktree, read from its branch (committed) and its directory (committed or not)
        List<Compared> compared = new ArrayList<>();
        Map<String, List<Elsewhere>> elsewhere = new TreeMap<>(MigrationCoordination::compare);
        for (Worktrees.Live wt : Worktrees.of(git)) {
            if (wt.root().equals(git.root()) || (wt.branch() != null && wt.branch().equals(git.mainBranch()))) {
                continue; // this worktree; the main branch is compared on its own (committed)
            }
            String path = display(git.root(), wt.root());
            Map<String, String> theirs = new LinkedHashMap<>();
            for (String rel : relative) {
                theirs.putAll(versions(Worktrees.filesIn(git, wt, rel)));
            }
            compared.add(new Compared(wt.label(), path, theirs.size()));
            theirs.forEach((v, f) -> elsewhere.computeIfAbsent(v, k -> new ArrayList<>()).add(new Elsewhere(f, wt.label(), path,
                    abbreviate(wt.head()), "on " + wt.label() + " (worktree " + path + ")", "worktree")));
        }
        onMain.forEach((v, f) -> elsewhere.computeIfAbsent(v, k -> new ArrayList<>()).add(new Elsewhere(f, git.mainBranch(),
                null, null, "on " + git.mainBranch(), "main")));
        if (shared) {
            applied.forEach((v, f) -> {
                OriginTable.Origin o = origins.get(v);
                String from = o == null ? "applied to the shared database (origin not recorded)"
                        : "applied to the shared database from " + o.branch() + " (worktree " + display(git.root(),
                                Path.of(o.worktree())) + (o.commit() == null ? "" : ", commit " + o.commit()) + ")";
                elsewhere.computeIfAbsent(v, k -> new ArrayList<>()).add(new Elsewhere(f, o == null ? null : o.branch(),
                        o == null ? null : display(git.root(), Path.of(o.worktree())), o == null ? null : o.commit(), from,
                        "database"));
            });
        }

        // collisions with other worktrees and with the shared database (the main branch's are reported as before)
        List<Collision> collisions = new ArrayList<>();
        elsewhere.forEach((v, places) -> {
            String here = local.get(v);
            if (here == null) {
                return;
            }
            for (Elsewhere e : places) {
                if (!e.source().equals("main") && !e.file().equals(here)) {
                    String text = e.source().equals("database")
                            ? "V" + v + ": here " + here + ", " + e.where() + " as " + e.file()
                            : "V" + v + ": here " + here + ", " + e.where() + " " + e.file();
                    collisions.add(new Collision(v, here, e.file(), e.source(), e.branch(), e.worktree(), e.commit(), text));
                }
            }
        });

        // order: a version of this branch (not yet on the main branch) below one that exists elsewhere but not here
        List<Order> order = new ArrayList<>();
        MigrationVersion highestKnown = highest(local.keySet(), elsewhere.keySet(), applied.keySet());
        long next = highestKnown == null ? 1 : firstNumber(highestKnown) + 1;
        Map.Entry<String, List<Elsewhere>> top = null;
        for (var e : elsewhere.entrySet()) {
            if (!local.containsKey(e.getKey())) {
                top = e; // the map is sorted by version: the last one not here is the highest
            }
        }
        if (top != null) {
            for (var mine : new TreeMap<>(sorted(local)).entrySet()) {
                String v = mine.getKey();
                if (mine.getValue().equals(mainCommitted.get(v)) || compare(v, top.getKey()) >= 0) {
                    continue; // already on the main branch: its place in the order is settled
                }
                Elsewhere e = pick(top.getValue());
                String rename = "V" + next++ + "__" + description(mine.getValue()) + ".sql";
                String text = mine.getValue() + " is below V" + top.getKey() + " (" + e.file() + " " + e.where() + "): a "
                        + "database that applies V" + top.getKey() + " first skips V" + v + " unless "
                        + "-Dworktree-db.outOfOrder=true. Rename it above V" + top.getKey() + ", e.g. " + rename;
                order.add(new Order(v, mine.getValue(), top.getKey(), e.file(), e.where(), rename, text));
            }
        }

        // what the shared database has from other worktrees that this branch lacks
        List<Accepted> accepted = new ArrayList<>();
        if (shared) {
            for (var a : new TreeMap<>(sorted(applied)).entrySet()) {
                if (local.containsKey(a.getKey())) {
                    continue;
                }
                OriginTable.Origin o = origins.get(a.getKey());
                String text = "V" + a.getKey() + " (" + a.getValue() + ") " + (o == null ? "origin not recorded (applied "
                        + "before worktree-db recorded origins, or by another tool)" : "applied from " + o.branch()
                        + " (worktree " + display(git.root(), Path.of(o.worktree())) + (o.commit() == null ? ""
                                : ", commit " + o.commit()) + " at " + o.appliedAt() + ")");
                accepted.add(new Accepted(a.getKey(), a.getValue(), o == null ? null : o.branch(),
                        o == null ? null : display(git.root(), Path.of(o.worktree())), o == null ? null : o.commit(), text));
            }
        }

        MergePreview merge = git.onMainBranch() ? null : mergePreview(git, local, onMain, info == null ? null : applied, info);
        return new Report(isolation, compared, collisions, order, accepted, List.copyOf(origins.values()), merge, null);
    }

    private static MergePreview mergePreview(GitWorktree git, Map<String, String> local, Map<String, String> onMain,
            Map<String, String> applied, MigrationInfo[] info) {
        MigrationVersion current = null;
        if (applied != null) {
            for (String v : applied.keySet()) {
                MigrationVersion mv = MigrationVersion.fromVersion(v);
                current = current == null || mv.compareTo(current) > 0 ? mv : current;
            }
        }
        List<String> toApply = new ArrayList<>();
        List<String> outOfOrder = new ArrayList<>();
        List<String> collisions = new ArrayList<>();
        for (var e : new TreeMap<>(sorted(onMain)).entrySet()) {
            String v = e.getKey();
            String here = local.get(v);
            if (here != null) {
                if (!here.equals(e.getValue())) {
                    collisions.add("V" + v + ": here " + here + ", on " + git.mainBranch() + " " + e.getValue());
                }
                continue;
            }
            if (applied != null && applied.containsKey(v)) {
                continue;
            }
            if (current != null && MigrationVersion.fromVersion(v).compareTo(current) < 0) {
                outOfOrder.add("V" + v + " (" + e.getValue() + ")");
            } else {
                toApply.add("V" + v + " (" + e.getValue() + ")");
            }
        }
        List<String> parts = new ArrayList<>();
        if (toApply.isEmpty() && outOfOrder.isEmpty() && collisions.isEmpty()) {
            parts.add("no migration changes");
        }
        if (!toApply.isEmpty()) {
            parts.add(toApply.size() + " migration(s) to apply with migrate (" + String.join(", ", toApply) + ")");
        }
        if (!outOfOrder.isEmpty()) {
            parts.add(outOfOrder.size() + " below this database's version " + current.getVersion() + ", applied only with "
                    + "-Dworktree-db.outOfOrder=true (" + String.join(", ", outOfOrder) + ")");
        }
        if (!collisions.isEmpty()) {
            parts.add(collisions.size() + " version collision(s) to rename first (" + String.join("; ", collisions) + ")");
        }
        return new MergePreview(git.mainBranch(), toApply, outOfOrder, collisions, "merging " + git.mainBranch() + " brings "
                + String.join("; ", parts));
    }

    /** Versioned migration files among {@code names}: normalized version → file name. */
    static Map<String, String> versions(List<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : names) {
            Matcher m = VERSIONED.matcher(name);
            if (m.matches()) {
                out.put(normalize(m.group(1)), name);
            }
        }
        return out;
    }

    private static List<String> onDisk(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    static String normalize(String version) {
        return version.replace('_', '.').replaceAll("^0+(?=\\d)", "");
    }

    private static int compare(String a, String b) {
        return MigrationVersion.fromVersion(a).compareTo(MigrationVersion.fromVersion(b));
    }

    private static Map<String, String> sorted(Map<String, String> m) {
        Map<String, String> out = new TreeMap<>(MigrationCoordination::compare);
        out.putAll(m);
        return out;
    }

    @SafeVarargs
    private static MigrationVersion highest(java.util.Collection<String>... sets) {
        MigrationVersion max = null;
        for (var set : sets) {
            for (String v : set) {
                MigrationVersion mv = MigrationVersion.fromVersion(v);
                max = max == null || mv.compareTo(max) > 0 ? mv : max;
            }
        }
        return max;
    }

    private static long firstNumber(MigrationVersion v) {
        String first = v.getVersion().split("\\.")[0];
        try {
            return Long.parseLong(first);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The most telling place of a version: the shared database, then another worktree, then the main branch. */
    private static Elsewhere pick(List<Elsewhere> places) {
        return places.stream().min(Comparator.comparingInt(e -> switch (e.source()) {
            case "database" -> 0;
            case "worktree" -> 1;
            default -> 2;
        })).orElseThrow();
    }

    private static String description(String file) {
        Matcher m = VERSIONED.matcher(file);
        return m.matches() ? m.group(2) : file;
    }

    /** {@code other} as seen from this worktree: {@code ../shop-b}. */
    static String display(Path from, Path other) {
        try {
            return from.relativize(other.toAbsolutePath().normalize()).toString();
        } catch (IllegalArgumentException e) {
            return other.toString();
        }
    }

    private static String abbreviate(String commit) {
        return commit == null ? null : commit.substring(0, Math.min(10, commit.length()));
    }
}
