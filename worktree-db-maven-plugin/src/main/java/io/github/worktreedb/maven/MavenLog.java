package io.github.worktreedb.maven;

import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;

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
}
