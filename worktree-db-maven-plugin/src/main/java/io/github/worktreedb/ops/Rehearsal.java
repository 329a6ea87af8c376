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
 * not touched.
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
        if (!target.isLocal()) {
            throw WorktreeDbException.user("-Dworktree-db.rehearse=true copies the target on its own server, and "
                    + target.database() + " is on " + target.primary().display() + ", not this machine: rehearsal on a "
                    + "schema-only copy of a remote database is not supported yet. Rehearse on a staging copy instead.");
        }
        String copy = "wtdb_rehearse_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        long start = System.nanoTime();
        try {
            catalog.createFromTemplate(copy, target.database(), null, Catalog.TemplateStrategy.SERVER_DEFAULT);
        } catch (SQLException e) {
            throw WorktreeDbException.user("Cannot rehearse on a copy of " + target.database() + ": "
                    + Secrets.redact(e.getMessage(), target.password()) + ("55006".equals(e.getSQLState())
                            ? " (a copy needs no other session on it: close them, or migrate without rehearse)" : ""));
        }
        try {
            log.info("Rehearsing on " + copy + ", a copy of " + target.database() + " made in "
                    + Sizes.seconds(java.time.Duration.ofNanos(System.nanoTime() - start)));
            LockRecorder recorder = new LockRecorder();
            MigrateResult result;
            try {
                result = Migrations.flyway(target.withDatabase(copy), ctx.config().migration(), null, recorder).migrate();
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

    /** Reads, at the end of each migration and inside its transaction, the table locks its session holds. */
    static final class LockRecorder implements Callback {
        final Map<String, List<String>> locks = new LinkedHashMap<>();

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.AFTER_EACH_MIGRATE;
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
            try {
                if (c.getAutoCommit()) {
                    return; // outside a transaction: nothing is held any more
                }
                List<String> out = new ArrayList<>();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT c.relname, "
                        + "string_agg(l.mode, '+' ORDER BY l.mode), bool_or(c.xmin::text = (txid_current() % 4294967296)::text) "
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
