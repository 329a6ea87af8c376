package io.github.worktreedb.transfer;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.naming.DatabaseNamer;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.postgres.Marker;
import io.github.worktreedb.postgres.PgConnector;
import io.github.worktreedb.postgres.SqlStates;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Moves a database from a source endpoint to a target endpoint: chooses the way (a {@link CopyMethod}), makes the copy
 * under a temporary name, and gives it the final name and the plugin's marker in one transaction. The operations only
 * decide whether to copy and report what happened; they hold the target's lock while the engine works.
 *
 * <p>One implementation per way of copying: {@link TemplateCopy} (same server, {@code CREATE DATABASE ... TEMPLATE}:
 * wal-log, file-copy, file-copy with clone on 18+) and {@link DumpRestore} ({@code pg_dump | pg_restore}, for a busy
 * source, another server, later files).
 *
 * <p>Under the final name a database never exists without the marker: the copy is made under
 * {@link #tempName}, and {@link Catalog#renameWithComment} renames it and marks it in one transaction. A build killed
 * during {@code CREATE DATABASE} makes the server abort the copy ({@link Catalog#abortWhenClientLeaves}); one killed
 * during a dump leaves the temporary database with an {@code in-progress} marker, which the next run for the same
 * target drops ({@link #dropLeftover}).
 */
public final class CopyEngine {

    /**
     * Databases at least this large are copied with FILE_COPY under {@code auto}: below it WAL_LOG's double write costs
     * less than FILE_COPY's two checkpoints (the benchmark's figures, README "Benchmark"). Not on PostgreSQL 18+, where
     * FILE_COPY clones the files on a copy-on-write file system: there {@code auto} uses FILE_COPY at every size.
     */
    public static final long AUTO_FILE_COPY_THRESHOLD = 64L * 1024 * 1024;
    /** The start of every temporary name: recognisable in any listing of the server's databases. */
    public static final String TEMP_PREFIX = "wtdb_tmp_";

    /** What the engine needs from the configuration. */
    public record Settings(Strategy strategy, boolean terminateConnections, String pgBin, String maintenanceDatabase,
            Duration connectTimeout) {

        public static Settings of(WorktreeDbConfig config) {
            return new Settings(config.strategy(), config.terminateConnections(), config.pgBin(),
                    config.maintenanceDatabase(), config.connectTimeout());
        }
    }

    /**
     * A copy about to be made: what it copies, where to, how, and the source's size.
     *
     * @param serverVersionNum the target server's {@code server_version_num}
     * @param sourceVersionNum the source server's (the same server's, unless they differ)
     */
    public record Plan(Endpoint source, Endpoint target, CopyMethod method, long sourceBytes, int serverVersionNum,
            String serverVersion, int sourceVersionNum) {

        /** The newest major version of the two servers: pg_dump and pg_restore must be at least this new. */
        int newestMajor() {
            return Math.max(serverVersionNum, sourceVersionNum) / 10000;
        }
    }

    /** A copy that was made. */
    public record Copied(CopyMethod method, long bytes, Duration took) {}

    private final Settings settings;
    private final Log log;
    private final ProgressListener progress;

    public CopyEngine(Settings settings, Log log, ProgressListener progress) {
        this.settings = settings;
        this.log = log;
        this.progress = progress;
    }

    /** The start of the name a replaced database has between the swap and its drop (see {@link #replace}). */
    public static final String ASIDE_PREFIX = "wtdb_old_";

    /** The temporary name a target is made under: recognisable, at most 63 bytes, one per target. */
    public static String tempName(String target) {
        return prefixed(TEMP_PREFIX, target);
    }

    /** The name {@link #replace} moves the replaced target to until it is dropped: one per target. */
    public static String asideName(String target) {
        return prefixed(ASIDE_PREFIX, target);
    }

    private static String prefixed(String prefix, String target) {
        String name = prefix + Integer.toHexString(target.hashCode() & 0x7fffffff) + "_" + DatabaseNamer.sanitize(target);
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    /**
     * Drops the temporary database a run that did not complete left for a target, if {@code temp} is one: it carries an
     * {@code in-progress} marker. An unmarked database under the temporary name (a run killed in the millisecond
     * between its copy completing and the rename) is not the plugin's to drop: that is said, with the fix. The caller
     * holds the target's lock.
     */
    public void dropLeftover(Catalog catalog, Catalog.DatabaseFacts temp) throws SQLException {
        if (!temp.exists()) {
            return;
        }
        Optional<Marker> m = temp.marker();
        if (m.isPresent() && m.get().kind() == Marker.Kind.IN_PROGRESS) {
            log.warn("Dropping " + temp.name() + ", a half-finished copy left by an earlier run that did not complete");
            catalog.drop(temp.name(), true);
            return;
        }
        throw WorktreeDbException.user("Database " + temp.name() + " exists without the in-progress marker the plugin "
                + "puts on the copies it is making, so it is not dropped. It is most likely a copy left by a run that was "
                + "killed at the moment its copy completed; drop it (DROP DATABASE \"" + temp.name() + "\") and run again.");
    }

    /**
     * Chooses how to copy {@code source} to {@code target}; reads the servers' versions and the source's size. Two
     * servers can only be copied between with a dump; the source's server is then asked on a connection of its own.
     *
     * @param catalog a maintenance session on the target's server
     */
    public Plan plan(Catalog catalog, Endpoint source, Endpoint target) throws SQLException {
        int version = catalog.serverVersionNum();
        if (source.sameServer(target)) {
            long bytes = catalog.size(source.database());
            return new Plan(source, target, choose(version, bytes, catalog, true), bytes, version, catalog.serverVersion(),
                    version);
        }
        try (Connection conn = source.connector().connectMaintenance(settings.maintenanceDatabase())) {
            Catalog sourceCatalog = new Catalog(conn);
            long bytes = sourceCatalog.size(source.database());
            return new Plan(source, target, choose(version, bytes, catalog, false), bytes, version, catalog.serverVersion(),
                    sourceCatalog.serverVersionNum());
        }
    }

    private CopyMethod choose(int version, long sourceBytes, Catalog catalog, boolean sameServer) throws SQLException {
        Strategy s = settings.strategy();
        if (s == Strategy.DUMP || !sameServer) {
            return CopyMethod.DUMP;
        }
        if (version < 150000) {
            if (s == Strategy.WAL_LOG) {
                throw WorktreeDbException.user(PropertyNames.STRATEGY + "=wal-log needs PostgreSQL 15 or newer; this "
                        + "server is " + catalog.serverVersion() + ". Use auto or file-copy.");
            }
            return CopyMethod.FILE_COPY;
        }
        return switch (s) {
            case WAL_LOG -> CopyMethod.WAL_LOG;
            case FILE_COPY -> CopyMethod.FILE_COPY;
            case DUMP -> CopyMethod.DUMP;
            // 18+: FILE_COPY clones the files (file_copy_method = clone) where the file system can, at any size
            case AUTO -> sourceBytes >= AUTO_FILE_COPY_THRESHOLD || version >= 180000 ? CopyMethod.FILE_COPY
                    : CopyMethod.WAL_LOG;
        };
    }

    /**
     * Makes the copy the plan describes and marks it ({@code marker} as a {@code worktree} database, with the method
     * used). The target must not exist; the caller holds its lock on {@code catalog}'s session, a maintenance
     * connection to the target's server.
     *
     * @param owner the owner the copy gets, or {@code null} for the logged-in user
     */
    public Copied copy(Catalog catalog, Plan plan, String owner, Marker marker) throws SQLException {
        return copy(catalog, plan, owner, marker, false);
    }

    /**
     * Like {@link #copy}, for a target that exists and is to be replaced ({@code restore}, {@code import}): the copy is
     * made under {@link #tempName}, then the two swap names in one transaction ({@link Catalog#swapWithComment}) and
     * the old target, moved aside under {@link #asideName} with an {@code in-progress} marker, is dropped by a session
     * of its own that the run does not wait for ({@link DetachedDrop}). The target's
     * name therefore holds either the old database or the complete new one at every moment, whatever stops the run;
     * an aside database a killed run left is dropped by {@link #dropLeftover} on the next. The target's sessions are
     * ended just before the swap (a rename needs the database idle); {@code marker}'s kind is kept.
     *
     * <p>Under {@code auto} the copy is made with FILE_COPY whatever its size ({@link #forReplace}).
     */
    public Copied replace(Catalog catalog, Plan plan, String owner, Marker marker) throws SQLException {
        return copy(catalog, forReplace(plan), owner, marker, true);
    }

    /**
     * The plan for a copy that replaces a database: under {@code auto}, FILE_COPY instead of WAL_LOG. The replaced
     * database is dropped right after the swap, and DROP DATABASE forces an immediate checkpoint, which writes out every
     * page a WAL_LOG copy left in shared buffers: WAL_LOG's one advantage, needing no checkpoint, does not exist for a
     * replace, and its pages are written twice (WAL and data files). FILE_COPY writes the files once (benchmark, 20 MB
     * on PostgreSQL 15, before the drop was detached: restore 0.49 s with WAL_LOG against a raw FILE_COPY of 0.11 s).
     */
    Plan forReplace(Plan plan) {
        if (settings.strategy() == Strategy.AUTO && plan.method() == CopyMethod.WAL_LOG) {
            return new Plan(plan.source(), plan.target(), CopyMethod.FILE_COPY, plan.sourceBytes(), plan.serverVersionNum(),
                    plan.serverVersion(), plan.sourceVersionNum());
        }
        return plan;
    }

    private Copied copy(Catalog catalog, Plan plan, String owner, Marker marker, boolean replace) throws SQLException {
        long start = System.nanoTime();
        String source = plan.source().database();
        String target = plan.target().database();
        String temp = tempName(target);
        progress.on(new ProgressEvent(ProgressEvent.Phase.STARTED, subject(plan), ProgressEvent.Unit.BYTES, 0,
                plan.sourceBytes(), Duration.ZERO));
        CopyMethod used = plan.method();
        long bytes = plan.sourceBytes();
        // the session that will drop the replaced database logs in while the copy runs
        DetachedDrop drop = replace ? DetachedDrop.prepare(plan.target(), settings.maintenanceDatabase(),
                asideName(target), plan.serverVersionNum(), log) : null;
        try {
            // a build killed during the copy must not leave the server to finish it on its own
            catalog.abortWhenClientLeaves();
            if (used.serverSide()) {
                TemplateCopy template = new TemplateCopy(catalog, settings, log);
                used = template.copy(source, temp, owner, used, plan.serverVersionNum());
            }
            if (used == CopyMethod.DUMP) {
                dump(catalog, plan, temp, owner, marker);
                bytes = -1;
            }
            Marker done = marker.as(marker.kind(), used.label());
            if (replace) {
                swap(catalog, temp, target, done, drop);
            } else {
                finish(catalog, temp, target, done);
            }
            // a server-side copy has the source's files, so its size is the copy's (no second pass over the files); a
            // restored dump is measured
            if (bytes < 0) {
                bytes = catalog.size(target);
            }
        } catch (SQLException e) {
            RuntimeException said = translate(e, plan);
            if (said != null) {
                throw said;
            }
            throw e;
        } finally {
            if (drop != null) {
                drop.cancel(); // no effect once it was told to go
            }
            progress.on(new ProgressEvent(ProgressEvent.Phase.FINISHED, subject(plan), ProgressEvent.Unit.BYTES,
                    Math.max(bytes, 0), plan.sourceBytes(), elapsed(start)));
        }
        return new Copied(used, bytes, elapsed(start));
    }

    /** Fills an empty database made for a {@link #fill}: a restore from a file. */
    @FunctionalInterface
    public interface Filler {
        void fill(Endpoint temp) throws SQLException;
    }

    /**
     * Like {@link #replace} (or {@link #copy} when {@code exists} is false), with the temporary database filled by
     * {@code filler} instead of copied: made empty from template0 under {@link #tempName} with an {@code in-progress}
     * marker, filled, then swapped in (or renamed) with {@code marker} in one transaction. A filler that fails, a server
     * that stops or a build that is killed leaves the target as it was; the next run drops the leftover.
     */
    public Copied fill(Catalog catalog, Endpoint target, boolean exists, String owner, Marker marker, Filler filler)
            throws SQLException {
        long start = System.nanoTime();
        String temp = tempName(target.database());
        DetachedDrop drop = exists ? DetachedDrop.prepare(target, settings.maintenanceDatabase(),
                asideName(target.database()), catalog.serverVersionNum(), log) : null;
        try {
            catalog.abortWhenClientLeaves();
            catalog.createEmptyFrom(temp, "template0", owner);
            catalog.setComment(temp, marker.as(Marker.Kind.IN_PROGRESS, CopyMethod.IMPORT.label()).toJson());
            try {
                filler.fill(target.withDatabase(temp));
            } catch (RuntimeException | SQLException e) {
                dropQuietly(catalog, temp);
                throw e;
            }
            Marker done = marker.as(Marker.Kind.WORKTREE, CopyMethod.IMPORT.label());
            if (exists) {
                swap(catalog, temp, target.database(), done, drop);
            } else {
                finish(catalog, temp, target.database(), done);
            }
        } finally {
            if (drop != null) {
                drop.cancel(); // no effect once it was told to go
            }
        }
        return new Copied(CopyMethod.IMPORT, catalog.size(target.database()), elapsed(start));
    }

    /** Creates {@code target} empty (owned by {@code owner}) and marks it: {@code reset -Dworktree-db.fromEmpty}. */
    public Copied createEmpty(Catalog catalog, Endpoint target, String owner, Marker marker) throws SQLException {
        long start = System.nanoTime();
        String temp = tempName(target.database());
        catalog.createEmpty(temp, owner);
        finish(catalog, temp, target.database(), marker.as(Marker.Kind.WORKTREE, CopyMethod.EMPTY.label()));
        return new Copied(CopyMethod.EMPTY, -1, elapsed(start));
    }

    private void dump(Catalog catalog, Plan plan, String temp, String owner, Marker marker) throws SQLException {
        ClientTools.Tools tools = DumpRestore.tools(settings, plan.newestMajor(), plan.serverVersion());
        catalog.createEmptyFrom(temp, "template0", owner);
        catalog.setComment(temp, marker.as(Marker.Kind.IN_PROGRESS, CopyMethod.DUMP.label()).toJson());
        try {
            new DumpRestore(settings, log, progress).run(tools, plan.source(), plan.target().withDatabase(temp),
                    plan.sourceBytes(), subject(plan));
        } catch (RuntimeException e) {
            dropQuietly(catalog, temp);
            throw e;
        }
    }

    /** The temporary database takes the final name and the marker at once; if that fails it is dropped. */
    private void finish(Catalog catalog, String temp, String target, Marker marker) throws SQLException {
        try {
            catalog.renameWithComment(temp, target, marker.toJson());
        } catch (SQLException e) {
            dropQuietly(catalog, temp);
            throw e;
        }
    }

    /**
     * {@code temp} takes {@code target}'s name; the old target is dropped. Sessions that connect to the target between
     * ending them and the swap make the swap fail ({@code 55006}); it is tried again for up to
     * {@link #SWAP_PATIENCE}, then the copy is dropped and the target is left as it was.
     */
    private void swap(Catalog catalog, String temp, String target, Marker marker, DetachedDrop drop) throws SQLException {
        String aside = asideName(target);
        Marker asideMarker = marker.as(Marker.Kind.IN_PROGRESS, "replaced");
        long deadline = System.nanoTime() + SWAP_PATIENCE.toNanos();
        boolean mayNotEnd = false;
        while (true) {
            try {
                catalog.terminateSessions(target);
            } catch (SQLException e) {
                if (!SqlStates.is(e, SqlStates.INSUFFICIENT_PRIVILEGE)) {
                    throw e;
                }
                mayNotEnd = true; // a session of a role this user may not signal: the swap below says it
            }
            try {
                catalog.swapWithComment(temp, target, aside, marker.toJson(), asideMarker.toJson());
                break;
            } catch (SQLException e) {
                if (!SqlStates.is(e, SqlStates.OBJECT_IN_USE) || System.nanoTime() > deadline) {
                    dropQuietly(catalog, temp);
                    if (SqlStates.is(e, SqlStates.OBJECT_IN_USE)) {
                        throw WorktreeDbException.environment((mayNotEnd
                                ? "A session of another user is connected to " + target + " and this user may not end it"
                                : "Sessions kept reconnecting to " + target + " for " + SWAP_PATIENCE.toSeconds() + " s")
                                + ", so it could not be replaced; it is unchanged. Stop the application using it and "
                                + "run again.", e);
                    }
                    throw e;
                }
                sleep(Duration.ofMillis(100));
            }
        }
        try {
            drop.go(catalog); // the server goes on dropping it after this run: see DetachedDrop
        } catch (SQLException e) {
            log.warn("Could not drop " + aside + ", the database " + target + " replaced (" + e.getMessage()
                    + "); the next run for " + target + " drops it.");
        }
    }

    /** How long {@link #swap} keeps trying while sessions reconnect to the target. */
    static final Duration SWAP_PATIENCE = Duration.ofSeconds(10);

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorktreeDbException.environment("Interrupted while waiting to replace a database", e);
        }
    }

    /** A failed drop (the server may be gone) must not hide why the copy failed; the next run drops it. */
    private void dropQuietly(Catalog catalog, String temp) {
        try {
            catalog.drop(temp, true);
        } catch (SQLException e) {
            log.warn("Could not drop the half-finished copy " + temp + " now (" + e.getMessage() + "); the next run for "
                    + "this worktree drops it.");
        }
    }

    /** The failures a copy meets, said once with what to do; {@code null} for anything else (the operation says it). */
    private RuntimeException translate(SQLException e, Plan plan) {
        PgConnector server = plan.target().connector();
        String source = plan.source().database();
        String target = plan.target().database();
        String why = Secrets.redact(e.getMessage(), server.spec().password());
        if (PgConnector.connectionLost(e)) {
            return WorktreeDbException.environment("Lost the connection to " + server.spec().primary().display()
                    + " while copying " + source + " into " + target + " (" + why + "): the server stopped or restarted. "
                    + "Run again once it is back; a half-finished copy is never left under the name " + target + ".", e);
        }
        if (SqlStates.is(e, SqlStates.DISK_FULL)) {
            return WorktreeDbException.environment("The server ran out of disk space while copying " + source + " into "
                    + target + " (" + why + "). PostgreSQL removed the partial copy. Free space where the server keeps "
                    + "its data (or the main database's tablespace) and run again; -D" + PropertyNames.DRY_RUN + "=true "
                    + "shows how much the copy needs.", e);
        }
        if (SqlStates.is(e, SqlStates.INSUFFICIENT_PRIVILEGE)) {
            return new WorktreeDbException(WorktreeDbException.Kind.USER, "User '" + server.spec().user() + "' may not copy "
                    + source + ": " + e.getMessage() + ". It needs the CREATEDB privilege and must own " + source + " (or be "
                    + "a superuser). Use such a user with -D" + PropertyNames.USERNAME + ", or ALTER ROLE ... CREATEDB.", e);
        }
        return null;
    }

    private static String subject(Plan plan) {
        return plan.source().database() + " → " + plan.target().database();
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
