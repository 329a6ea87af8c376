package io.github.worktreedb.lint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.api.configuration.ClassicConfiguration;
import org.flywaydb.core.internal.parser.ParsingContext;
import org.flywaydb.core.internal.parser.PeekingReader;
import org.flywaydb.core.internal.parser.Recorder;
import org.flywaydb.core.internal.parser.StatementType;
import org.flywaydb.core.internal.parser.Token;
import org.flywaydb.core.internal.parser.TokenType;
import org.flywaydb.core.internal.resource.StringResource;
import org.flywaydb.core.internal.sqlscript.Delimiter;
import org.flywaydb.core.internal.sqlscript.ParsedSqlStatement;
import org.flywaydb.database.postgresql.PostgreSQLParser;

/**
 * One statement of a migration as Flyway's own PostgreSQL parser reads it: its first line, its text, whether Flyway
 * can run it in a transaction, and the parser's tokens (keywords upper-cased, quoted identifiers as written, string
 * literals and dollar-quoted bodies as opaque STRING tokens, comments apart, each with its line and parenthesis depth).
 * The lint rules read these tokens, never the raw text.
 *
 * @param words the significant tokens: keywords, identifiers, numbers, strings, symbols (no comments)
 * @param comments the text of the comments inside the statement or on the lines just above it
 */
public record ParsedStatement(int line, String sql, boolean canRunInTransaction, List<Word> words, List<String> comments) {

    /** A significant token. {@code keyword} is the upper-cased keyword, or null for identifiers, strings, numbers, symbols. */
    public record Word(String keyword, String name, String symbol, int line, int depth) {
        boolean is(String k) {
            return k.equals(keyword);
        }
    }

    /** The statements of a SQL file, split by Flyway's PostgreSQL parser (placeholders are not replaced). */
    public static List<ParsedStatement> parse(String sql) {
        ClassicConfiguration config = new ClassicConfiguration(ParsedStatement.class.getClassLoader());
        config.setPlaceholderReplacement(false);
        List<List<Token>> tokens = new ArrayList<>();
        List<ParsedStatement> out = new ArrayList<>();
        try (var it = new TokenKeepingParser(config, tokens).parse(new StringResource(sql))) {
            while (it.hasNext()) {
                var s = it.next();
                List<Token> t = tokens.isEmpty() ? List.of() : tokens.remove(0);
                out.add(of(s.getLineNumber(), s.getSql(), s.canExecuteInTransaction(), t));
            }
        }
        return out;
    }

    private static ParsedStatement of(int line, String sql, boolean tx, List<Token> tokens) {
        List<Word> words = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        for (Token t : tokens) {
            TokenType type = t.getType();
            if (type == TokenType.COMMENT || type == TokenType.MULTI_LINE_COMMENT_DIRECTIVE) {
                comments.add(t.getText() == null ? "" : t.getText());
            } else if (type == TokenType.KEYWORD) {
                words.add(new Word(t.getText(), t.getRawText() == null ? null : t.getRawText().toLowerCase(Locale.ROOT), null,
                        t.getLine(), t.getParensDepth()));
            } else if (type == TokenType.IDENTIFIER) {
                words.add(new Word(null, identifier(t.getText()), null, t.getLine(), t.getParensDepth()));
            } else if (type == TokenType.SYMBOL) {
                words.add(new Word(null, null, t.getText(), t.getLine(), t.getParensDepth()));
            } else if (type == TokenType.STRING || type == TokenType.NUMERIC) {
                words.add(new Word(null, null, null, t.getLine(), t.getParensDepth()));
            }
        }
        return new ParsedStatement(line, sql, tx, List.copyOf(words), List.copyOf(comments));
    }

    /** A quoted or qualified identifier's last part ({@code public.t} → {@code t}). */
    private static String identifier(String text) {
        if (text == null) {
            return null;
        }
        int dot = text.lastIndexOf('.');
        return dot >= 0 ? text.substring(dot + 1).toLowerCase(Locale.ROOT) : text;
    }

    /** Flyway's PostgreSQL parser, keeping the tokens it hands to each statement. */
    private static final class TokenKeepingParser extends PostgreSQLParser {
        private final List<List<Token>> sink;

        TokenKeepingParser(ClassicConfiguration config, List<List<Token>> sink) {
            super(config, new ParsingContext());
            this.sink = sink;
        }

        @Override
        protected ParsedSqlStatement createStatement(PeekingReader reader, Recorder recorder, int statementPos,
                int statementLine, int statementCol, int nonCommentPartPos, int nonCommentPartLine, int nonCommentPartCol,
                StatementType statementType, boolean canExecuteInTransaction, Delimiter delimiter, String sql,
                List<Token> tokens, boolean batchable) throws IOException {
            ParsedSqlStatement s = super.createStatement(reader, recorder, statementPos, statementLine, statementCol,
                    nonCommentPartPos, nonCommentPartLine, nonCommentPartCol, statementType, canExecuteInTransaction,
                    delimiter, sql, tokens, batchable);
            if (s != null) {
                sink.add(List.copyOf(tokens));
            }
            return s;
        }
    }
}
