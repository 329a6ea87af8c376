package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.flyway.Migrations;
import io.github.worktreedb.postgres.Catalog;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * {@code -Dworktree-db.rehearse=true}: applies the pending migrations to a throwaway server-side copy of the target
 * ({@code CREATE DATABASE … TEMPLATE}) before the target is touched, and reports each migration's time and the table
 * locks it held at its end (read from {@code pg_locks} inside the migration's own transaction by a Flyway callback).
 * The copy is dropped afterwards, whatever happened. A migration that fails on the copy stops the run: the target is
 * not touched. A remote target gets a schema-only copy with its Flyway history instead ({@link #schemaOnlyCopy}).
 */
final class Rehearsal {

    /** What one migration did on the copy. */
    record Step(String migration, int millis, List<String> locks) {}

    private final WorktreeContext ctx;
    private final Log log;

    Rehearsal(WorktreeContext ctx, Log log) {
        this.ctx = ctx;
        this.log = log;
    }

    List<Step> run(Catalog catalog, ConnectionSpec target) {
        return run(catalog, target, !target.isLocal());
    }

    /**
     * @param schemaOnly a remote target: its data is not copied over the network (nor doubled on a production
     *     server), only its schema and its Flyway history, into a throwaway database on the same server
     */
    List<Step> run(Catalog catalog, ConnectionSpec target, boolean schemaOnly) {
        String copy = "wtdb_rehearse_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        long start = System.nanoTime();
        if (schemaOnly) {
            schemaOnlyCopy(catalog, target, copy);
        } else {
            try {
                catalog.createFromTemplate(copy, target.database(), null, Catalog.TemplateStrategy.SERVER_DEFAULT);
            } catch (SQLException e) {
                throw WorktreeDbException.user("Cannot rehearse on a copy of " + target.database() + ": "
                        + Secrets.redact(e.getMessage(), target.password()) + ("55006".equals(e.getSQLState())
                                ? " (a copy needs no other session on it: close them, or migrate without rehearse)" : ""));
            }
        }
        try {
            log.info("Rehearsing on " + copy + ", a " + (schemaOnly ? "schema-only copy (no rows but the Flyway history: "
                    + "times and locks on empty tables)" : "copy") + " of " + target.database() + " made in "
                    + Sizes.seconds(java.time.Duration.ofNanos(System.nanoTime() - start)));
            LockRecorder recorder = new LockRecorder();
            MigrateResult result;
            try {
                result = Migrations.flyway(target.withDatabase(copy), ctx.config().migration(), recorder).migrate();
            } catch (FlywayException e) {
                throw WorktreeDbException.user("Rehearsal failed on the copy of " + target.database() + ": "
                        + Secrets.redact(String.valueOf(e.getMessage()), target.password()).lines().findFirst().orElse("")
                        + ". " + target.database() + " was not touched.");
            }
            List<Step> steps = new ArrayList<>();
            for (MigrateOutput m : result.migrations) {
                String name = (m.version == null || m.version.isEmpty() ? "repeatable" : "V" + m.version) + " " + m.description;
                List<String> locks = recorder.locks.getOrDefault(m.version == null ? m.description : m.version, List.of(
                        "(ran outside a transaction: its locks were released before they could be read)"));
                steps.add(new Step(name, m.executionTime, locks));
                log.info("Rehearsal: " + name + " took " + m.executionTime + " ms; held "
                        + (locks.isEmpty() ? "no table lock" : String.join(", ", locks)));
            }
            return steps;
        } finally {
            try {
                catalog.drop(copy, true);
            } catch (SQLException e) {
                log.warn("Could not drop the rehearsal copy " + copy + ": " + e.getMessage() + ". Drop it by hand.");
            }
        }
    }

    /**
     * Makes {@code copy} on the target's server from a schema-only export of the target (pg_dump, the export goal's
     * code), then copies the Flyway history's rows into it, so that Flyway sees the same applied versions and runs
     * exactly the pending migrations. On any failure the copy is dropped and the target was only read.
     */
    private void schemaOnlyCopy(Catalog catalog, ConnectionSpec target, String copy) {
        String password = target.password();
        io.github.worktreedb.transfer.FileTransfer transfer = new io.github.worktreedb.transfer.FileTransfer(
                io.github.worktreedb.transfer.CopyEngine.Settings.of(ctx.config()), log,
                io.github.worktreedb.transfer.ProgressListener.NONE);
        io.github.worktreedb.transfer.Endpoint source = new io.github.worktreedb.transfer.Endpoint(ctx.target().connector(),
                target.database());
        java.nio.file.Path dir = null;
        try {
            io.github.worktreedb.postgres.ClientTools.Tools tools = transfer.tools(catalog.serverVersionNum() / 10000,
                    catalog.serverVersion(), "A schema-only rehearsal of a remote database");
            dir = java.nio.file.Files.createTempDirectory("worktree-db-rehearse");
            io.github.worktreedb.transfer.DumpFile schema = new io.github.worktreedb.transfer.DumpFile(
                    dir.resolve("schema.sql"));
            String table = ctx.config().migration().table();
            transfer.export(tools, source, io.github.worktreedb.transfer.ExportType.SCHEMA, schema, table, List.of(), null);
            catalog.createEmptyFrom(copy, "template0", null);
            try {
                transfer.restoreInto(tools, schema, source.withDatabase(copy), java.util.Optional.empty(),
                        new io.github.worktreedb.transfer.DumpFile.Contents(0, List.of(), true));
                copyHistory(ctx.target().connector(), target.database(), copy, table);
            } catch (RuntimeException | SQLException e) {
                catalog.drop(copy, true);
                throw e;
            }
        } catch (SQLException | java.io.IOException e) {
            throw new WorktreeDbException(WorktreeDbException.Kind.USER, "Cannot rehearse on a schema-only copy of "
                    + target.database() + ": "
                    + Secrets.redact(e.getMessage(), password) + ". " + target.database() + " was not touched; the "
                    + "rehearsal needs CREATEDB on its server (or migrate without " + io.github.worktreedb.config.PropertyNames.REHEARSE
                    + ").", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** The Flyway history's rows from {@code from} into the same table of {@code to} (made from its schema). */
    private static void copyHistory(io.github.worktreedb.postgres.PgConnector server, String from, String to, String table)
            throws SQLException {
        try (Connection source = server.connect(from); Connection target = server.connect(to)) {
            var history = io.github.worktreedb.transfer.FileTransfer.flyway(source, table);
            if (history.isEmpty()) {
                return; // no history yet: Flyway makes it on the copy as it would on the target
            }
            String qualified = history.get().table();
            int dot = qualified.indexOf('.');
            String sql = new Catalog(source).sql("%I.%I", qualified.substring(0, dot), qualified.substring(dot + 1));
            var out = new java.io.ByteArrayOutputStream();
            try {
                source.unwrap(org.postgresql.PGConnection.class).getCopyAPI().copyOut("COPY " + sql + " TO STDOUT", out);
                target.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                        .copyIn("COPY " + sql + " FROM STDIN", new java.io.ByteArrayInputStream(out.toByteArray()));
            } catch (java.io.IOException e) {
                throw new SQLException("copying " + qualified + ": " + e.getMessage(), e);
            }
        }
    }

    private static void deleteQuietly(java.nio.file.Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary directory: the system cleans it
        }
    }

    /** Reads, at the end of each migration and inside its transaction, the table locks its session holds. */
    static final class LockRecorder implements Callback {
        final Map<String, List<String>> locks = new LinkedHashMap<>();

        /** The tables that existed when the current migration started: the others it locks are new. */
        private String existedBefore = "";

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            var info = context.getMigrationInfo();
            if (info == null) {
                return;
            }
            String key = info.getVersion() == null ? info.getDescription() : info.getVersion().getVersion();
            Connection c = context.getConnection();
            if (event == Event.BEFORE_EACH_MIGRATE) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT coalesce(string_agg(oid::text, "
                        + "','), '') FROM pg_class WHERE relkind IN ('r', 'p', 'm')")) {
                    rs.next();
                    existedBefore = rs.getString(1);
                } catch (SQLException e) {
                    existedBefore = "";
                }
                return;
            }
            try {
                if (c.getAutoCommit()) {
                    return; // outside a transaction: nothing is held any more
                }
                List<String> out = new ArrayList<>();
                // new: not there when the migration started (a pg_class row's xmin also changes when an ALTER TABLE
                // rewrites it, so it cannot tell a new table from an altered one)
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT c.relname, "
                        + "string_agg(l.mode, '+' ORDER BY l.mode), bool_and(NOT (c.oid::text = ANY (string_to_array("
                        + quote(existedBefore) + ", ',')))) "
                        + "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND l.granted "
                        + "AND c.relkind IN ('r', 'p', 'm') AND c.relnamespace <> 'pg_catalog'::regnamespace "
                        + "AND c.relname <> " + quote(context.getConfiguration().getTable()) + " GROUP BY c.relname ORDER BY 1")) {
                    while (rs.next()) {
                        out.add(rs.getString(1) + " " + rs.getString(2) + (rs.getBoolean(3) ? " (new table)" : ""));
                    }
                }
                locks.put(key, out);
            } catch (SQLException e) {
                locks.put(key, List.of("(locks unreadable: " + e.getMessage() + ")"));
            }
        }

        @Override
        public String getCallbackName() {
            return "worktree-db rehearsal locks";
        }

        private static String quote(String s) {
            return "'" + s.replace("'", "''") + "'";
        }
    }
}
