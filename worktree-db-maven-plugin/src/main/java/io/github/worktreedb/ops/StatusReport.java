package io.github.worktreedb.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * What {@code status} reports; its JSON form ({@code -Dworktree-db.format=json}) is this record tree with these field
 * names, documented on the status page. No password appears anywhere in it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"worktree", "mainDatabase", "database", "envFiles", "migrations", "seeds", "snapshots", "otherDatabases", "problems", "coordination"})
public record StatusReport(
        Worktree worktree,
        MainDatabase mainDatabase,
        Database database,
        List<EnvFile> envFiles,
        Migrations migrations,
        Seeds seeds,
        List<Snapshot> snapshots,
        List<OtherDatabase> otherDatabases,
        List<String> problems,
        io.github.worktreedb.coordination.MigrationCoordination.Report coordination) {

    /** This worktree. */
    public record Worktree(String path, String branch, boolean mainWorktree, boolean detached, String head, String mainBranch) {}

    /** The main database and where it was found. */
    public record MainDatabase(String name, String host, int port, String user, String foundIn) {}

    /** This worktree's database. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Database(String name, boolean exists, boolean isMainDatabase, boolean marked, Long sizeBytes, String size,
            String createdAt, String createdFrom, String createdByVersion, Integer openSessions) {}

    /**
     * One configured env file. {@code pointsAt}: {@code worktree} (this worktree's database), {@code main} (the main
     * database), {@code other}, {@code none} (no database setting), {@code notCopied} (only the main worktree has it:
     * {@code rewrite-env} copies it), {@code unrewritable} (names the main database in a form {@code rewrite-env}
     * cannot rewrite), {@code unreadable} (the file cannot be read; {@code key} says why) or {@code missing}
     * (configured, and in neither worktree). A file of the default list that neither worktree has is not listed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EnvFile(String file, String pointsAt, String database, Integer line, String key, boolean tracked) {}

    /** Flyway's view of this database, and this branch against the main branch. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Migrations(String currentVersion, int applied, List<String> pending, List<String> ignored,
            List<String> failed, List<String> missingLocally, List<String> checksumMismatch, List<String> onMainNotHere,
            List<String> versionCollisions, String note) {}

    /** Seed files against the seed history. */
    public record Seeds(List<String> applied, List<String> pending, List<String> changed) {}

    /**
     * A snapshot of this worktree's database, oldest first: its name as given, the database holding it, when it was
     * taken, its size, and the Flyway version and number of applied seed files it saved ({@code null}: none recorded).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Snapshot(String name, String database, String createdAt, long sizeBytes, String size,
            String flywayVersion, String seeds) {}

    /** Another database the plugin made for a worktree of this repository. */
    public record OtherDatabase(String name, String branch, String worktree, long sizeBytes, String size, String createdAt,
            boolean worktreeExists, boolean branchExists, boolean current) {}
}
