package io.github.worktreedb.maven;

import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;

/**
 * Part of the plugin's first-run cost in a fresh Maven JVM is loading and initialising the PostgreSQL driver and the
 * SCRAM login's cryptography. Every goal connects, but only after it has read git (JGit) and the env files, so a daemon
 * thread loads those classes meanwhile, on the second core. Nothing here connects or reads any setting; a failure only
 * means the goal loads the class itself, later, as it would without this.
 */
final class Preload {

    private static final String[] CLASSES = {
        "org.postgresql.Driver",
        "org.postgresql.PGProperty",
        "org.postgresql.core.v3.ConnectionFactoryImpl",
        "org.postgresql.core.v3.QueryExecutorImpl",
        "org.postgresql.core.v3.ScramAuthenticator",
        "org.postgresql.shaded.com.ongres.scram.client.ScramClient",
        "org.postgresql.jdbc.PgConnection",
        "org.postgresql.jdbc.PgStatement",
        "org.postgresql.jdbc.PgPreparedStatement",
        "org.postgresql.jdbc.PgResultSet",
        "org.postgresql.jdbc.TypeInfoCache",
        "org.postgresql.util.PSQLException",
    };

    private static volatile boolean started;

    private Preload() {}

    /** Starts the loading once per JVM (a second goal in the same build finds everything loaded). */
    static void start() {
        if (started) {
            return;
        }
        started = true;
        ClassLoader loader = Preload.class.getClassLoader();
        Thread t = new Thread(() -> {
            try {
                // what a SCRAM-SHA-256 login uses: the JCA providers' lookup is a large part of its first-run cost
                SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
                Mac.getInstance("HmacSHA256");
                MessageDigest.getInstance("SHA-256");
                new SecureRandom().nextInt();
                for (String name : CLASSES) {
                    Class.forName(name, true, loader);
                }
            } catch (Throwable ignored) {
                // the goal loads what it needs itself
            }
        }, "worktree-db-preload");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }
}
