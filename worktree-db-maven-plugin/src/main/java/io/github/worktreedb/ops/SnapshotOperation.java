package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.DatabaseLock;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.transfer.CopyEngine;
import io.github.worktreedb.transfer.Endpoint;
import io.github.worktreedb.transfer.ProgressListener;
import io.github.worktreedb.transfer.ProgressLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code snapshot}: saves this worktree's database under a name, as a server-side copy marked {@code snapshot} (with
 * the name, the database it saved, the time, the Flyway version and the seed state), then keeps at most
 * {@code maxSnapshots} of them, dropping the oldest. It only reads the worktree database, so the main database may be
 * snapshotted too (it must be idle for a template copy: the copy engine waits, or falls back to a dump, as
 * {@code clone} does). The copy goes through {@link WorktreeContext#target()}'s server, wherever that is.
 */
public final class SnapshotOperation {

    /**
     * What {@code snapshot} did.
     *
     * @param name the snapshot's name ({@code null} when nothing was saved)
     * @param database the database that holds it
     * @param dropped the names of the older snapshots retention dropped
     */
    public record Result(boolean done, String name, String database, List<String> dropped) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final String pluginVersion;
    private final ProgressListener progress;

    public SnapshotOperation(WorktreeContext ctx, Log log, String pluginVersion) {
        this(ctx, log, pluginVersion, new ProgressLog(log));
    }

    public SnapshotOperation(WorktreeContext ctx, Log log, String pluginVersion, ProgressListener progress) {
        this.ctx = ctx;
        this.log = log;
        this.pluginVersion = pluginVersion;
        this.progress = progress;
    }

    /** Saves a snapshot under the configured name (or a timestamp), taking the worktree database's lock. */
    public Result run() {
        String name = ctx.config().snapshots().name();
        Guards.refuseRemoteUnlessAllowed(ctx, "snapshot " + ctx.database());
        try (DatabaseLock lock = DatabaseLock.acquire(ctx.target().connector(), ctx.config().maintenanceDatabase(),
                ctx.database(), log)) {
            return take(lock.catalog(), name, ctx.config().force());
        }
    }

    /**
     * Saves a snapshot while the caller holds the worktree database's lock on {@code catalog}'s session
     * ({@code snapshotBefore} in migrate and reset).
     *
     * @param name the name, or {@code null} for a timestamp
     * @param replace an existing snapshot of that name is replaced (else refused)
     */
    Result take(Catalog catalog, String name, boolean replace) {
        long start = System.nanoTime();
        String source = ctx.database();
        try {
            String wanted = name != null ? name : freeDefaultName(catalog, source);
            String database = Snapshots.databaseName(source, wanted);
            Map<String, Catalog.DatabaseFacts> facts = catalog.facts(source, database);
            Catalog.DatabaseFacts sourceFacts = facts.get(source);
            if (!sourceFacts.exists()) {
                throw WorktreeDbException.user("Database " + source + " does not exist, so there is nothing to snapshot. "
                        + "Create it with mvn worktree-db:clone.");
            }
            Protection.read(ctx.target().connector(), source).ifPresent(stamp -> {
                throw WorktreeDbException.user("Refusing to snapshot " + source + ": it is " + stamp.describe()
                        + ". A snapshot would be a protected copy that nothing may drop; snapshots are for development "
                        + "databases.");
            });
            Catalog.DatabaseFacts existing = facts.get(database);
            if (existing.exists()) {
                Optional<Marker> m = existing.marker();
                if (m.isEmpty() || !Snapshots.isSnapshotOf(m.get(), ctx, source)) {
                    throw WorktreeDbException.user("Cannot save snapshot '" + wanted + "' of " + source + ": its database "
                            + "name " + database + " is taken by a database that is not a snapshot of " + source
                            + " (it is never touched). Choose another name with -D" + PropertyNames.SNAPSHOT + ".");
                }
                if (!m.get().snapshot().name().equals(wanted) || !replace) {
                    throw WorktreeDbException.user("Snapshot '" + m.get().snapshot().name() + "' of " + source
                            + " exists already (taken " + m.get().createdAt() + "). Choose another name with -D"
                            + PropertyNames.SNAPSHOT + ", or replace it with -D" + PropertyNames.FORCE + "=true.");
                }
            }
            long bytes = catalog.size(source);
            if (ctx.config().dryRun()) {
                log.info("[dry run] Would save " + source + " (" + Sizes.human(bytes) + ") as snapshot '" + wanted
                        + "' in database " + database + (existing.exists() ? ", replacing the one of that name" : "")
                        + retentionNote(catalog, source, existing.exists()));
                return new Result(false, null, null, List.of());
            }
            CopyEngine engine = new CopyEngine(CopyEngine.Settings.of(ctx.config()), log, progress);
            engine.dropLeftover(catalog, catalog.facts(CopyEngine.tempName(database)));
            engine.dropLeftover(catalog, catalog.facts(CopyEngine.asideName(database)));
            Marker.Snapshot saved = Snapshots.state(ctx, wanted, source);
            Marker marker = ctx.newMarker(pluginVersion)
                    .asSnapshot(saved, Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
            Endpoint target = ctx.target().withDatabase(database);
            CopyEngine.Plan plan = engine.plan(catalog, ctx.target(), target);
            String owner = sourceFacts.ownerIsMine() ? sourceFacts.owner() : null;
            CopyEngine.Copied copied = existing.exists() ? engine.replace(catalog, plan, owner, marker)
                    : engine.copy(catalog, plan, owner, marker);
            List<String> dropped = retain(catalog, source, database);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String outcome = "saved as snapshot '" + wanted + "' (" + database + ", " + Sizes.human(copied.bytes())
                    + (saved.flywayVersion() == null ? "" : ", Flyway version " + saved.flywayVersion()) + ", "
                    + copied.method().label() + ")";
            log.info("Snapshot: " + source + " " + outcome + " in " + Sizes.seconds(took));
            History.append(ctx.git(), "snapshot", source, outcome, took, log);
            return new Result(true, wanted, database, dropped);
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Snapshot of " + source + " failed: "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
    }

    /** A timestamp; when a snapshot of this second exists already, with {@code _2}, {@code _3}... */
    private String freeDefaultName(Catalog catalog, String source) throws SQLException {
        String base = Snapshots.defaultName(Instant.now());
        String name = base;
        for (int i = 2; catalog.exists(Snapshots.databaseName(source, name)); i++) {
            name = base + "_" + i;
        }
        return name;
    }

    private String retentionNote(Catalog catalog, String source, boolean replacing) throws SQLException {
        int max = ctx.config().snapshots().max();
        if (max == 0) {
            return ".";
        }
        List<Snapshots.Snap> kept = list(catalog, source);
        int excess = kept.size() + (replacing ? 0 : 1) - max;
        return excess <= 0 ? "." : ", then drop the " + excess + " oldest (" + PropertyNames.MAX_SNAPSHOTS + "=" + max + ").";
    }

    /** Keeps the newest {@code maxSnapshots} snapshots of {@code source}; says in one line which it dropped. */
    private List<String> retain(Catalog catalog, String source, String made) throws SQLException {
        int max = ctx.config().snapshots().max();
        if (max == 0) {
            return List.of();
        }
        List<Snapshots.Snap> all = list(catalog, source);
        List<String> dropped = new ArrayList<>();
        List<String> said = new ArrayList<>();
        for (int i = 0; i < all.size() - max; i++) {
            Snapshots.Snap s = all.get(i);
            if (s.database().equals(made)) {
                continue;
            }
            catalog.drop(s.database(), true);
            dropped.add(s.name());
            said.add(Snapshots.describe(s));
        }
        if (!dropped.isEmpty()) {
            log.info("Dropped the " + (dropped.size() == 1 ? "oldest snapshot" : dropped.size() + " oldest snapshots") + " of "
                    + source + " to keep " + max + " (" + PropertyNames.MAX_SNAPSHOTS + "): " + String.join(", ", said));
        }
        return dropped;
    }

    private List<Snapshots.Snap> list(Catalog catalog, String source) throws SQLException {
        return Snapshots.of(catalog.connection(), ctx, source);
    }
}
