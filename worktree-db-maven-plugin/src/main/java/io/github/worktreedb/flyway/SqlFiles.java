package io.github.worktreedb.flyway;

import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.configuration.ClassicConfiguration;
import org.flywaydb.core.internal.parser.ParsingContext;
import org.flywaydb.core.internal.resource.StringResource;
import org.flywaydb.database.postgresql.PostgreSQLParser;

/**
 * Splits SQL into statements with Flyway's PostgreSQL parser (dollar quoting, comments, {@code DO} blocks, {@code COPY}),
 * so seeds and the risky-statement check read SQL exactly as {@code migrate} does. Placeholders are not replaced.
 */
public final class SqlFiles {

    /** One statement and the line of the file it starts on. */
    public record Statement(int line, String sql, boolean canRunInTransaction) {}

    private SqlFiles() {}

    public static List<Statement> statements(String sql) {
        ClassicConfiguration config = new ClassicConfiguration(SqlFiles.class.getClassLoader());
        config.setPlaceholderReplacement(false);
        List<Statement> out = new ArrayList<>();
        try (var it = new PostgreSQLParser(config, new ParsingContext()).parse(new StringResource(sql))) {
            while (it.hasNext()) {
                var s = it.next();
                out.add(new Statement(s.getLineNumber(), s.getSql(), s.canExecuteInTransaction()));
            }
        }
        return out;
    }
}
