package io.github.worktreedb.maven;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/** The core's log, written to Maven's; every line passes through {@link Secrets#redact} once more. */
final class MavenLog implements Log {

    private final org.apache.maven.plugin.logging.Log log;
    private final String password;

    MavenLog(org.apache.maven.plugin.logging.Log log, String password) {
        this.log = log;
        this.password = password;
    }

    @Override
    public void info(String message) {
        log.info(Secrets.redact(message, password));
    }

    @Override
    public void warn(String message) {
        log.warn(Secrets.redact(message, password));
    }

    @Override
    public void debug(String message) {
        if (log.isDebugEnabled()) {
            log.debug(Secrets.redact(message, password));
        }
    }

    @Override
    public boolean isDebugEnabled() {
        return log.isDebugEnabled();
    }

    /**
     * This log for a report the user asked for ({@code status}, {@code cleanup}): lines that Maven's log level hides
     * ({@code mvn -q}) are written to standard output instead, without a prefix, as {@code help:evaluate -DforceStdout}
     * does. At the default level the report goes through Maven's log as any other line.
     */
    Log report() {
        return new Log() {
            @Override
            public void info(String message) {
                if (log.isInfoEnabled()) {
                    MavenLog.this.info(message);
                } else {
                    stdout(message);
                }
            }

            @Override
            public void warn(String message) {
                if (log.isWarnEnabled()) {
                    MavenLog.this.warn(message);
                } else {
                    stdout("WARNING: " + message);
                }
            }

            @Override
            public void debug(String message) {
                MavenLog.this.debug(message);
            }

            @Override
            public boolean isDebugEnabled() {
                return MavenLog.this.isDebugEnabled();
            }
        };
    }

    private void stdout(String message) {
        stdout().println(Secrets.redact(message, password));
    }

    private static PrintStream stdout;

    /**
     * The process's standard output itself. Not {@code System.out}: Maven 4 replaces that with a stream that logs each
     * line as {@code [INFO] [stdout] ...}, even with {@code -q}, which would break a JSON document and prefix a quiet
     * report.
     */
    static synchronized PrintStream stdout() {
        if (stdout == null) {
            String encoding = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
            Charset charset = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding)
                    : Charset.defaultCharset();
            stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, charset);
        }
        return stdout;
    }
}
