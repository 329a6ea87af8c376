package io.github.worktreedb.ops;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.Catalog;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.transfer.CopyEngine;
import io.github.worktreedb.transfer.DumpFile;
import io.github.worktreedb.transfer.ExportType;
import io.github.worktreedb.transfer.FileTransfer;
import io.github.worktreedb.transfer.Manifest;
import io.github.worktreedb.transfer.ProgressListener;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * {@code export}: writes this worktree's database (or, on the main worktree, the main database: reading it is harmless)
 * to a dump file with a manifest beside it. Schema as plain SQL; data and full as pg_dump's custom archive, which
 * pg_restore restores in parallel. The dump is read from one snapshot; the file appears only once complete.
 */
public final class ExportOperation {

    /** What {@code export} wrote. */
    public record Result(DumpFile file, Manifest manifest) {}

    private final WorktreeContext ctx;
    private final Log log;
    private final String pluginVersion;
    private final ProgressListener progress;

    public ExportOperation(WorktreeContext ctx, Log log, String pluginVersion, ProgressListener progress) {
        this.ctx = ctx;
        this.log = log;
        this.pluginVersion = pluginVersion;
        this.progress = progress;
    }

    /** The file given ({@code worktree-db.file}, against the project's directory), or the default under target/. */
    public static Path fileFor(WorktreeContext ctx, String file, ExportType type) {
        Path base = ctx.config().baseDir();
        if (file != null && !file.isBlank()) {
            return base.resolve(file.strip()).normalize();
        }
        return base.resolve("target").resolve("worktree-db").resolve(ctx.database() + "-" + type.id() + type.extension());
    }

    public Result run(ExportType type, String file) {
        long start = System.nanoTime();
        String database = ctx.database();
        DumpFile out = new DumpFile(fileFor(ctx, file, type));
        if (ctx.config().dryRun()) {
            log.info("[dry run] Would export " + database + " (" + type.id() + ") to " + out.path() + " and its manifest "
                    + out.manifestPath().getFileName());
            return new Result(out, null);
        }
        FileTransfer transfer = new FileTransfer(CopyEngine.Settings.of(ctx.config()), log, progress);
        ClientTools.Tools tools;
        try (Connection maintenance = ctx.target().connector().connectMaintenance(ctx.config().maintenanceDatabase())) {
            Catalog catalog = new Catalog(maintenance);
            if (!catalog.exists(database)) {
                throw WorktreeDbException.user("Cannot export " + database + ": it does not exist. Create it first (mvn "
                        + "worktree-db:clone), or run export in the worktree whose database it is.");
            }
            tools = transfer.tools(catalog.serverVersionNum() / 10000, catalog.serverVersion());
        } catch (SQLException e) {
            throw WorktreeDbException.environment("Export of " + database + " failed: "
                    + Secrets.redact(e.getMessage(), ctx.main().spec().password()), e);
        }
        List<String> skip = List.of(ctx.config().migration().table(), ctx.config().seed().table());
        Manifest m = transfer.export(tools, ctx.target(), type, out, ctx.config().migration().table(), skip, pluginVersion);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String what = type == ExportType.SCHEMA ? m.tables().size() + " table(s)"
                : m.totalRows() + " row(s) in " + m.tables().size() + " table(s)";
        String outcome = type.id() + ", " + what + ", " + Sizes.human(m.bytes()) + " to " + out.path();
        log.info("Exported " + database + ": " + outcome + " (" + Sizes.seconds(took) + "); manifest "
                + out.manifestPath().getFileName() + (m.flyway() == null ? "" : "; Flyway version " + m.flyway().version()));
        log.info("Import it in another worktree with: mvn worktree-db:import -D" + PropertyNames.FILE + "=" + out.path());
        History.append(ctx.git(), "export", database, outcome, took, log);
        return new Result(out, m);
    }
}
