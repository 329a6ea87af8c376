package io.github.worktreedb.coordination;

import io.github.worktreedb.config.Isolation;
import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.ops.WorktreeContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.stream.Collectors;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateOutput;

/**
 * What {@code migrate} checks across worktrees before it applies anything: it warns about version collisions and order
 * problems with other branches, and with {@code isolation=shared} accepts migrations other worktrees applied, refuses a
 * version another worktree applied with a different script, and refuses out-of-order versions without
 * {@code outOfOrder}. Afterwards it records who applied what.
 */
public final class MigrateChecks {

    /** The lines the main-database confirmation plan shows. */
    public record Checked(List<String> planLines) {
        public String plan() {
            return planLines.isEmpty() ? "" : "\nCoordination checks:" + planLines.stream().map(l -> "\n  " + l)
                    .collect(Collectors.joining()) + ".";
        }
    }

    private MigrateChecks() {}

    public static boolean shared(WorktreeContext ctx) {
        return ctx.config().isolation() == Isolation.SHARED;
    }

    /** Checks before migrating; throws when the shared database cannot take this branch's migrations as they are. */
    public static Checked before(WorktreeContext ctx, MigrationInfo[] info, Log log) {
        boolean shared = shared(ctx);
        Map<String, OriginTable.Origin> origins = Map.of();
        if (shared) {
            try (Connection conn = ctx.target().connector().connect(ctx.database())) {
                origins = OriginTable.read(conn);
            } catch (SQLException e) {
                throw WorktreeDbException.environment("Cannot read " + OriginTable.TABLE + " in " + ctx.database() + ": "
                        + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
            }
        }
        MigrationCoordination.Report r = MigrationCoordination.analyse(ctx.git(), locations(ctx), info, origins, shared);
        List<String> plan = new ArrayList<>();
        if (r.note() != null) {
            log.warn(r.note());
        }
        List<MigrationCoordination.Collision> inDatabase = r.collisions().stream().filter(c -> c.source().equals("database"))
                .toList();
        if (!inDatabase.isEmpty()) {
            throw WorktreeDbException.user("Refusing to migrate the shared database " + ctx.database() + ": "
                    + inDatabase.stream().map(MigrationCoordination.Collision::text).collect(Collectors.joining("; "))
                    + ". Two different scripts cannot share a version: rename this branch's file to a version above the "
                    + "highest one in use (see mvn worktree-db:status), then run migrate again.");
        }
        List<MigrationInfo> ignored = Arrays.stream(info).filter(i -> i.getState() == MigrationState.IGNORED).toList();
        if (!ignored.isEmpty()) {
            String current = Arrays.stream(info).filter(i -> i.getState().isApplied() && i.getVersion() != null)
                    .map(i -> i.getVersion()).max(Comparable::compareTo).map(v -> v.getVersion()).orElse("?");
            String text = ignored.stream().map(MigrateChecks::describe).collect(Collectors.joining(", ")) + " of this branch "
                    + (ignored.size() == 1 ? "is" : "are") + " below version " + current + ", which " + ctx.database()
                    + " already has" + (shared ? " (applied from another worktree or the main branch)" : "")
                    + ": Flyway applies migrations in version order and skips older ones. Rename "
                    + (ignored.size() == 1 ? "it" : "them") + " above " + current + renames(r, ignored)
                    + ", or apply out of order with -D"
                    + PropertyNames.OUT_OF_ORDER + "=true (then every other database must get them out of order too).";
            if (shared) {
                throw WorktreeDbException.user("Refusing to migrate the shared database " + ctx.database() + ": " + text);
            }
            log.warn(text);
        }
        for (MigrationCoordination.Collision c : r.collisions()) {
            log.warn("Version collision: " + c.text() + ". Rename one of them before both are merged.");
        }
        // a version already said above (this database skips it) is not said again as an order problem
        Set<String> skipped = ignored.stream().filter(i -> i.getVersion() != null).map(i -> i.getVersion().getVersion())
                .collect(Collectors.toSet());
        for (MigrationCoordination.Order o : r.order()) {
            if (!skipped.contains(o.version())) {
                log.warn("Order: " + o.text());
            }
        }
        plan.add("compared with " + r.comparedWith().size() + " other worktree(s)"
                + (r.comparedWith().isEmpty() ? "" : ": " + r.comparedWith().stream().map(c -> c.branch() + " (" + c.worktree()
                        + ")").collect(Collectors.joining(", "))));
        plan.add(r.collisions().isEmpty() ? "no version collision" : r.collisions().size() + " version collision(s) with "
                + "other worktrees (warned above)");
        plan.add(r.order().isEmpty() ? "order: ok" : "order: " + r.order().size() + " version(s) below one used elsewhere "
                + "(warned above)");
        if (shared) {
            if (r.appliedElsewhere().isEmpty()) {
                plan.add("no migration from other worktrees to accept");
            } else {
                String list = r.appliedElsewhere().stream().map(MigrationCoordination.Accepted::text)
                        .collect(Collectors.joining("\n    "));
                log.info("Accepted as applied: " + r.appliedElsewhere().size() + " migration(s) the shared database has "
                        + "from other worktrees and this branch lacks:\n    " + list);
                plan.add("accepted as applied (from other worktrees): " + r.appliedElsewhere().stream()
                        .map(a -> "V" + a.version() + (a.branch() == null ? "" : " from " + a.branch()))
                        .collect(Collectors.joining(", ")));
            }
        }
        return new Checked(plan);
    }

    /** The new names the order analysis suggests for {@code ignored} ("(e.g. V7__x.sql)"), or nothing. */
    private static String renames(MigrationCoordination.Report r, List<MigrationInfo> ignored) {
        List<String> names = new ArrayList<>();
        for (MigrationInfo i : ignored) {
            r.order().stream().filter(o -> i.getVersion() != null && o.version().equals(i.getVersion().getVersion()))
                    .findFirst().ifPresent(o -> names.add(o.rename()));
        }
        return names.isEmpty() ? "" : " (e.g. " + String.join(", ", names) + ")";
    }

    /** The coordination part of {@code status}: read-only. */
    public static MigrationCoordination.Report report(WorktreeContext ctx, MigrationInfo[] info) {
        boolean shared = shared(ctx);
        Map<String, OriginTable.Origin> origins = Map.of();
        if (shared && info != null) {
            try (Connection conn = ctx.target().connector().connect(ctx.database())) {
                origins = OriginTable.read(conn);
            } catch (SQLException | WorktreeDbException e) {
                // status still reports the rest; the origins are shown when readable
            }
        }
        return MigrationCoordination.analyse(ctx.git(), locations(ctx), info, origins, shared);
    }

    /** With {@code isolation=shared}, records that this worktree applied {@code applied}. */
    public static void after(WorktreeContext ctx, List<MigrateOutput> applied, Log log) {
        if (!shared(ctx)) {
            return;
        }
        List<OriginTable.Applied> rows = applied.stream().filter(m -> m.version != null && !m.version.isEmpty())
                .map(m -> new OriginTable.Applied(MigrationCoordination.normalize(m.version), fileName(m.filepath))).toList();
        try (Connection conn = ctx.target().connector().connect(ctx.database())) {
            OriginTable.record(conn, ctx.git(), rows);
            if (!rows.isEmpty()) {
                log.info("Recorded in " + OriginTable.TABLE + ": " + rows.size() + " migration(s) applied from "
                        + ctx.git().branchOrDirectory() + " (worktree " + ctx.git().root() + ", commit " + ctx.git().head() + ")");
            }
        } catch (SQLException e) {
            log.warn("Could not record who applied the migrations in " + OriginTable.TABLE + ": "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()));
        }
    }

    static List<Path> locations(WorktreeContext ctx) {
        List<Path> out = new ArrayList<>();
        for (String location : ctx.config().migration().locations()) {
            if (location.startsWith("filesystem:")) {
                out.add(Path.of(location.substring("filesystem:".length())).toAbsolutePath().normalize());
            }
        }
        return out;
    }

    private static String describe(MigrationInfo i) {
        return "V" + i.getVersion().getVersion() + " (" + i.getScript() + ")";
    }

    private static String fileName(String path) {
        if (path == null) {
            return "?";
        }
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return slash >= 0 ? path.substring(slash + 1) : path;
    }
}
