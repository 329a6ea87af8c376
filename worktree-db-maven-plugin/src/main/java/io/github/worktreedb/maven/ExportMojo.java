package io.github.worktreedb.maven;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.ops.ExportOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.transfer.ExportType;
import io.github.worktreedb.transfer.ProgressLog;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

/**
 * Writes this worktree's database to a dump file, with a JSON manifest beside it (versions, encoding, extensions,
 * Flyway history, tables, columns, row counts, the dump's SHA-256; never a password). {@code exportType=schema} is
 * plain SQL; {@code data} and {@code full} are pg_dump's custom format, restored in parallel by {@code import}.
 */
@Mojo(name = "export", threadSafe = true)
public class ExportMojo extends AbstractWorktreeDbMojo {

    /** What to export: {@code full} (schema and data), {@code schema} (plain SQL) or {@code data}. */
    @Parameter(property = PropertyNames.EXPORT_TYPE, defaultValue = "full")
    protected String exportType;

    /** Where to write the dump (against the project's directory); default {@code target/worktree-db/<database>-<type>.dump|.sql}. */
    @Parameter(property = PropertyNames.FILE)
    protected String file;

    @Inject
    public ExportMojo(SettingsDecrypter settingsDecrypter) {
        super(settingsDecrypter);
    }

    @Override
    protected void execute(WorktreeDbConfig config, Log log) {
        ExportType type = ExportType.parse(exportType);
        WorktreeContext ctx = WorktreeContext.resolve(config, log);
        new ExportOperation(ctx, log, pluginVersion(), new ProgressLog(log)).run(type, file);
    }
}
