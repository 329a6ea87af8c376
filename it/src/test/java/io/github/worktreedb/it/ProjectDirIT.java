package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.worktreedb.testing.TestPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The plugin run on a project that is not in the directory Maven was started from. */
class ProjectDirIT {

    static final TestPostgres PG = TestPostgres.get();

    /**
     * {@code mvn -f backend/pom.xml worktree-db:migrate} from the worktree's root, with a relative {@code filesystem:}
     * location in the POM: it means {@code backend/db/migration}, as in Flyway's own plugin, not a directory under
     * wherever Maven was started.
     */
    @Test
    void relativeFilesystemMigrationsAreFoundFromTheProjectsDirectoryWhenMavenStartsElsewhere() {
        Sample s = Sample.create("project-dir");
        s.repo.write("backend/pom.xml", Sample.pomDeclaringPlugin("""
                <configuration>
                  <baselineOnMigrate>true</baselineOnMigrate>
                  <migrations><migration>filesystem:db/migration</migration></migrations>
                </configuration>"""));
        s.repo.write("backend/db/migration/V2__points.sql", "ALTER TABLE customer ADD COLUMN points int;\n");
        s.repo.commitAll("a backend module with relative migrations");
        s.writeMainEnv("DATABASE_URL=" + s.databaseUrl() + "\n");
        Path wt = s.worktree("feature/points");

        MavenRunner.Result r = MavenRunner.run(wt, "-f", "backend/pom.xml", "worktree-db:clone", "worktree-db:migrate");
        assertThat(r.succeeded()).as(r.log()).isTrue();
        assertThat(PG.queryIn(s.main + "_feature_points", "SELECT count(*) FROM information_schema.columns "
                + "WHERE table_name = 'customer' AND column_name = 'points'")).isEqualTo("1");
    }
}
