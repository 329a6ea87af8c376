package io.github.worktreedb.maven;

import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Part of the plugin's first-run cost in a fresh Maven JVM is loading and initialising the PostgreSQL driver and the
 * SCRAM login's cryptography. Every goal connects, but only after it has read its configuration, git and the env files,
 * so a daemon thread does that work meanwhile, on the second core: it loads the driver's classes and derives one SCRAM
 * key from a made-up password (PBKDF2 with PostgreSQL's 4096 iterations; only with a second core), so that the login's
 * own derivation runs in compiled code rather than the interpreter (about 0.1 s saved in a cold JVM). Nothing here
 * connects or reads any setting or password; a failure only means the goal does the work itself, later, as it would
 * without this.
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
        "com.fasterxml.jackson.core.JsonFactory",
    };

    /** PostgreSQL's default {@code scram_iterations}. */
    private static final int SCRAM_ITERATIONS = 4096;

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
                // the driver first (the goal needs it first), then what a SCRAM-SHA-256 login uses: the JCA
                // providers' lookup, and one derivation to compile its loop
                for (String name : CLASSES) {
                    Class.forName(name, true, loader);
                }
                SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
                Mac.getInstance("HmacSHA256");
                MessageDigest.getInstance("SHA-256");
                new SecureRandom().nextInt();
                if (Runtime.getRuntime().availableProcessors() > 1) { // on one core it would only take turns with the login
                    pbkdf2.generateSecret(new PBEKeySpec("preload".toCharArray(), new byte[16], SCRAM_ITERATIONS, 256));
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
