package io.github.worktreedb.server;

import io.github.worktreedb.config.PropertyNames;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.git.StateDir;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * One worktree's own PostgreSQL server ({@code isolation=server}): a data directory in the repository's state directory
 * ({@code .git/worktree-db/servers/<worktree>-<hash>/data}, never in a working tree) beside the plugin's marker
 * ({@link ServerMarker}) and the server's log. The server is started detached ({@code pg_ctl start}): it outlives the
 * build that started it, until {@link #stop} or {@link #delete}.
 *
 * <p>A new server is a copy of a cluster initialised once per PostgreSQL version and login ({@code initdb} takes
 * seconds; a copy of its result a fraction of that), with small memory settings and password authentication
 * ({@code scram-sha-256}) for every connection. The password reaches {@code initdb} through a file that is deleted
 * straight after; only its salted verifier is in the cluster, as on any PostgreSQL server.
 *
 * <p>Every start and stop of one server is serialised by a file lock ({@code <dir>.lock}), so two builds starting the
 * same worktree at once make one server. A {@code postmaster.pid} whose process is gone (a crash, {@code kill -9}) is
 * recognised: the server is started again (PostgreSQL recovers from its WAL); a port something else holds is refused.
 */
public final class WorktreeServer {

    /** What a server is doing. */
    public enum State {
        RUNNING("running"), STOPPED("stopped"), STALE("stale (its process is gone: a crash or kill -9; start restarts it)"),
        MISSING("not created");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * @param pid the postmaster's process id when running (or the dead one when stale), else 0
     * @param port the port it runs on (when running), else the port its marker records
     */
    public record Status(State state, long pid, int port, String version, long dataBytes) {}

    /**
     * What a new server is made with.
     *
     * @param port the port to listen on ({@code localhost})
     * @param user the superuser the server is made with (the main database's user)
     * @param password that user's password
     * @param major the PostgreSQL major version a new server gets
     * @param binaries finds the programs of a major version (installed, else downloaded)
     * @param branch the worktree's branch, for the marker
     * @param pluginVersion for the marker
     */
    public record Spec(int port, String user, String password, int major, IntFunction<PgBinaries> binaries,
            String branch, String pluginVersion) {}

    /** What {@link #ensureRunning} did. */
    public record Started(boolean created, boolean started, int port, String version, Duration took) {}

    public static final String SERVERS = "servers";
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(60);
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final Path dir;
    private final Path worktree;
    private final Log log;

    private WorktreeServer(Path dir, Path worktree, Log log) {
        this.dir = dir;
        this.worktree = worktree;
        this.log = log;
    }

    /** The server of the worktree at {@code worktreeRoot} (it need not exist yet). */
    public static WorktreeServer of(StateDir state, Path worktreeRoot, Log log) {
        return new WorktreeServer(serversRoot(state).resolve(key(worktreeRoot)), worktreeRoot, log);
    }

    /** Every worktree server of the repository: the directories under {@code servers/} that carry the marker. */
    public static List<WorktreeServer> list(StateDir state, Log log) {
        Path root = serversRoot(state);
        List<WorktreeServer> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && !d.getFileName().toString().startsWith(".")) {
                    Optional<ServerMarker> m = ServerMarker.read(d);
                    if (m.isPresent()) {
                        out.add(new WorktreeServer(d, Path.of(m.get().worktree()), log));
                    }
                }
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot list the worktree servers in " + root + ": " + e.getMessage(), e);
        }
        return out;
    }

    public static Path serversRoot(StateDir state) {
        return state.root().resolve(SERVERS);
    }

    /** {@code <directory name>-<8 hex of the path>}: readable, and one per worktree path. */
    static String key(Path worktreeRoot) {
        String name = worktreeRoot.getFileName() == null ? "root" : worktreeRoot.getFileName().toString();
        name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        if (name.startsWith(".")) {
            name = "_" + name.substring(1);
        }
        return name + "-" + sha256(worktreeRoot.toAbsolutePath().normalize().toString()).substring(0, 8);
    }

    public Path dir() {
        return dir;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public Path logFile() {
        return dir.resolve("server.log");
    }

    public Path worktree() {
        return worktree;
    }

    public Optional<ServerMarker> marker() {
        return ServerMarker.read(dir);
    }

    public boolean exists() {
        return marker().isPresent() && Files.isRegularFile(dataDir().resolve("PG_VERSION"));
    }

    /** Running, stopped, stale or not created; with pid, port, version and the data's size. */
    public Status status() {
        Optional<ServerMarker> m = marker();
        if (m.isEmpty() || !Files.isDirectory(dataDir())) {
            return new Status(State.MISSING, 0, m.map(ServerMarker::port).orElse(0), m.map(ServerMarker::version)
                    .orElse(null), 0);
        }
        long bytes = sizeOf(dataDir());
        Optional<PidFile> pid = PidFile.read(dataDir());
        if (pid.isEmpty()) {
            return new Status(State.STOPPED, 0, m.get().port(), m.get().version(), bytes);
        }
        if (pid.get().alive()) {
            return new Status(State.RUNNING, pid.get().pid(), pid.get().port() > 0 ? pid.get().port() : m.get().port(),
                    m.get().version(), bytes);
        }
        return new Status(State.STALE, pid.get().pid(), m.get().port(), m.get().version(), bytes);
    }

    /**
     * Makes sure the server exists and runs on {@code spec.port()}: creates it (from the version's template) when it
     * does not exist, starts it when it is stopped or stale, and leaves a running one as it is.
     */
    public Started ensureRunning(Spec spec) {
        long t0 = System.nanoTime();
        return locked(() -> {
            boolean created = false;
            if (!exists()) {
                create(spec);
                created = true;
            }
            Status st = status();
            if (st.state() == State.RUNNING) {
                if (st.port() != spec.port()) {
                    throw WorktreeDbException.user("This worktree's server runs on port " + st.port() + ", but its port is "
                            + "now " + spec.port() + " (" + PropertyNames.SERVER_PORT + " + index × " + PropertyNames.PORT_STEP
                            + "). Run mvn worktree-db:stop, then this goal again, to move it.");
                }
                log.debug("The worktree server on port " + st.port() + " runs already (pid " + st.pid() + ")");
                return new Started(created, false, st.port(), st.version(), elapsed(t0));
            }
            PgBinaries bin = binaries(spec);
            start(bin, spec.port(), st);
            return new Started(created, true, spec.port(), bin.version(), elapsed(t0));
        });
    }

    /** Stops the server ({@code pg_ctl stop -m fast}: sessions end, data stays). @return whether one was running */
    public boolean stop() {
        return locked(this::stopLocked);
    }

    /** {@link #stop} for a caller that holds the lock. */
    private boolean stopLocked() {
        Status st = status();
        if (st.state() == State.STALE) {
            log.info("The worktree server's process " + st.pid() + " is gone already (crash or kill -9); nothing to stop.");
            return false;
        }
        if (st.state() != State.RUNNING) {
            return false;
        }
        PgBinaries bin = recordedBinaries().orElseThrow(() -> WorktreeDbException.environment("The worktree server "
                + "in " + dir + " runs (pid " + st.pid() + "), but the PostgreSQL it was started with ("
                + marker().map(ServerMarker::bin).orElse("?") + ") is gone, so pg_ctl cannot stop it. Stop it with kill "
                + st.pid() + ".", null));
        PgRunner.Result r = PgRunner.run(List.of(bin.tool("pg_ctl").toString(), "-D", dataDir().toString(), "-m", "fast",
                "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds()), "-s", "stop"), PG_CTL_TIMEOUT.plusSeconds(5));
        if (!r.ok()) {
            throw WorktreeDbException.environment("Could not stop the worktree server (pid " + st.pid() + ", data " + dataDir()
                    + "): " + r.output(), null);
        }
        // pg_ctl returns once postmaster.pid is gone; the process itself ends a moment later
        ProcessHandle.of(st.pid()).ifPresent(h -> {
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // it is stopping; nothing more to wait for
            }
        });
        return true;
    }

    /** Stops the server and deletes its directory; refuses a directory without the plugin's marker. */
    public void delete() {
        if (marker().isEmpty()) {
            throw WorktreeDbException.user(dir + " carries no worktree-db server marker (" + ServerMarker.FILE + "), so it is "
                    + "not deleted.");
        }
        // stopped and deleted under one lock: a start in between would run on a directory about to go. The lock file
        // stays (deleting it would let a build waiting on it and a new one both think they hold the lock)
        locked(() -> {
            stopLocked();
            PgBinaries.deleteQuietly(dir);
            if (Files.exists(dir)) {
                throw WorktreeDbException.environment("Could not delete all of " + dir + "; delete it by hand.", null);
            }
            return null;
        });
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void create(Spec spec) {
        PgBinaries bin = spec.binaries().apply(spec.major());
        try {
            if (Files.exists(dir)) {
                try (var entries = Files.list(dir)) {
                    if (marker().isEmpty() && entries.findAny().isPresent()) {
                        throw WorktreeDbException.user(dir + " exists but carries no worktree-db server marker; it is left "
                                + "alone. Move it away and run again.");
                    }
                }
                PgBinaries.deleteQuietly(dataDir()); // a half-made server of an earlier run (marker written last)
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot create the worktree server in " + dir + ": " + e.getMessage(), e);
        }
        // copied while the template's lock is held: another build that finds a changed password replaces it only after
        Path template = template(bin, spec.user(), spec.password(), t -> copyTree(t.resolve("data"), dataDir()));
        try {
            Files.setPosixFilePermissions(dataDir(), PosixFilePermissions.fromString("rwx------"));
            new ServerMarker(worktree.toString(), spec.branch(), spec.port(), bin.version(), bin.bin().toString(),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), spec.pluginVersion()).write(dir);
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot create the worktree server in " + dir + ": " + e.getMessage(), e);
        }
        log.debug("Created the worktree server in " + dir + " from " + template);
    }

    /** A step done with the template while its lock is held, so that no other build replaces it meanwhile. */
    private interface TemplateUse {
        void with(Path template) throws IOException;
    }

    /** Builds in one JVM (mvnd, parallel modules) take turns on the template lock (a file lock is per process). */
    private static final ReentrantLock TEMPLATE_IN_JVM = new ReentrantLock();

    /**
     * The cluster new servers of this version and login are copied from: {@code initdb} runs once (under a lock) and
     * again only when the password changed (a salted hash of it is kept beside the template to tell); {@code use}
     * runs on it before the lock is released.
     */
    private Path template(PgBinaries bin, String user, String password, TemplateUse use) {
        Path root = dir.getParent();
        Path template = root.resolve(".template-" + bin.version() + "-" + user.replaceAll("[^A-Za-z0-9_-]", "_")
                + "-" + sha256(user).substring(0, 6));
        try {
            Files.createDirectories(root);
            TEMPLATE_IN_JVM.lock();
            try (FileChannel ch = FileChannel.open(root.resolve(".template.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
                // what a build killed during initdb left (its password file among it): nobody else is in here now
                try (var stale = Files.newDirectoryStream(root, ".template-tmp-*")) {
                    for (Path p : stale) {
                        PgBinaries.deleteQuietly(p);
                    }
                }
                if (Files.isRegularFile(template.resolve("data/PG_VERSION"))
                        && PasswordCheck.matches(template.resolve("password.check"), password)) {
                    use.with(template);
                    return template;
                }
                PgBinaries.deleteQuietly(template);
                Path temp = root.resolve(".template-tmp-" + ProcessHandle.current().pid());
                Files.createDirectories(temp);
                long t0 = System.nanoTime();
                initdb(bin, temp.resolve("data"), user, password);
                Files.writeString(temp.resolve("data/postgresql.conf"), SETTINGS, StandardCharsets.UTF_8,
                        StandardOpenOption.APPEND);
                PasswordCheck.write(temp.resolve("password.check"), password);
                Files.move(temp, template);
                log.info("Initialised the PostgreSQL " + bin.version() + " template for worktree servers in "
                        + elapsed(t0).toMillis() + " ms (" + bin.origin() + ")");
                use.with(template);
                return template;
            } finally {
                TEMPLATE_IN_JVM.unlock();
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot prepare the worktree server template in " + template + ": "
                    + e.getMessage(), e);
        }
    }

    /** Small memory settings (ten idle worktree servers fit on a laptop); listening on localhost only, no socket. */
    static final String SETTINGS = String.join("\n", "",
            "# worktree-db: a small server for one worktree (isolation=server)",
            "listen_addresses = 'localhost'",
            "unix_socket_directories = ''",
            "max_connections = 50",
            "shared_buffers = 16MB",
            "work_mem = 4MB",
            "maintenance_work_mem = 32MB",
            "min_wal_size = 32MB",
            "max_wal_size = 256MB",
            "max_worker_processes = 4",
            "max_parallel_workers = 2",
            "max_parallel_workers_per_gather = 1",
            "autovacuum_max_workers = 1",
            "huge_pages = off",
            "password_encryption = 'scram-sha-256'",
            "include_if_exists = 'worktree-db.conf'",
            "");

    private void initdb(PgBinaries bin, Path data, String user, String password) throws IOException {
        Path pwfile = Files.createTempFile(data.getParent(), "pw", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(pwfile, password == null ? "" : password, StandardCharsets.UTF_8);
            if (password == null || password.isEmpty()) {
                throw WorktreeDbException.user("isolation=server makes a server with the main database's user and password, "
                        + "but no password is known for user " + user + ". Set it in the env file's URL, with -D"
                        + PropertyNames.PASSWORD + ", or with " + PropertyNames.SERVER_ID + ".");
            }
            List<String> cmd = new ArrayList<>(List.of(bin.tool("initdb").toString(), "-D", data.toString(), "-U", user,
                    "--pwfile=" + pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--no-locale"));
            cmd.add(bin.major() >= 10 ? "--no-sync" : "--nosync");
            PgRunner.Result r = PgRunner.run(cmd, Duration.ofMinutes(2));
            if (!r.ok()) {
                throw WorktreeDbException.environment("initdb of PostgreSQL " + bin.version() + " (" + bin.origin()
                        + ") failed: " + r.output(), null);
            }
        } finally {
            Files.deleteIfExists(pwfile);
        }
    }

    private void start(PgBinaries bin, int port, Status st) {
        if (st.state() == State.STALE) {
            log.info("The worktree server's process " + st.pid() + " is gone (a crash or kill -9); starting it again "
                    + "(PostgreSQL recovers from its WAL).");
            PidFile.read(dataDir()).filter(PidFile::heldByAnother).ifPresent(p -> {
                try {
                    // the pid was given to another program: PostgreSQL would take it for a live postmaster
                    Files.deleteIfExists(dataDir().resolve("postmaster.pid"));
                } catch (IOException ignored) {
                    // pg_ctl says what is wrong
                }
            });
        }
        if (PortOwner.inUse(port)) {
            throw WorktreeDbException.user("Port " + port + " is in use by " + PortOwner.describe(port)
                    .orElse("another program (its process could not be found)") + ", so this worktree's server cannot "
                    + "start there; env files are not pointed at a stranger. Stop that program, or move the worktree "
                    + "servers with -D" + PropertyNames.SERVER_PORT + "=... or -D" + PropertyNames.PORT_STEP + "=...");
        }
        try {
            Files.writeString(dataDir().resolve("worktree-db.conf"), "# worktree-db: this worktree's port\nport = " + port
                    + "\n", StandardCharsets.UTF_8);
            marker().filter(m -> m.port() != port || !m.bin().equals(bin.bin().toString()))
                    .ifPresent(m -> {
                        try {
                            m.withPort(port).withBin(bin).write(dir);
                        } catch (IOException e) {
                            throw WorktreeDbException.environment("Cannot update " + dir.resolve(ServerMarker.FILE) + ": "
                                    + e.getMessage(), e);
                        }
                    });
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot write the port into " + dataDir() + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            PgRunner.Result r = PgRunner.run(List.of(bin.tool("pg_ctl").toString(), "-D", dataDir().toString(), "-l",
                    logFile().toString(), "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds()), "-s", "start"),
                    PG_CTL_TIMEOUT.plusSeconds(5));
            if (r.ok()) {
                return;
            }
            String tail = logTail();
            // after kill -9 the old server processes may hold its shared memory a moment longer
            boolean leftovers = tail.contains("pre-existing shared memory block") || tail.contains("already exists");
            if (leftovers && System.nanoTime() < deadline) {
                sleep(300);
                continue;
            }
            if (PortOwner.inUse(port) && (tail.contains("could not bind") || tail.contains("could not create any TCP"))) {
                throw WorktreeDbException.user("Port " + port + " was taken by " + PortOwner.describe(port)
                        .orElse("another program") + " while this worktree's server started. Stop that program, or "
                        + "move the worktree servers with -D" + PropertyNames.SERVER_PORT + "=...");
            }
            throw WorktreeDbException.environment("The worktree server did not start (pg_ctl: " + r.output() + "). Its log "
                    + logFile() + " ends with:\n" + tail, null);
        }
    }

    private PgBinaries binaries(Spec spec) {
        return recordedBinaries().orElseGet(() -> {
            int major = marker().map(m -> ZonkyBinaries.parseMajor(m.version())).orElse(spec.major());
            return spec.binaries().apply(major);
        });
    }

    /** The programs this server was made or last started with, if they are still there. */
    public Optional<PgBinaries> recordedBinaries() {
        // the marker says which version they are: no process is started to ask (a start is meant to take well under a second)
        return marker().flatMap(m -> {
            if (m.bin() == null || m.version() == null) {
                return Optional.empty();
            }
            Path bin = Path.of(m.bin());
            if (!Files.isExecutable(bin.resolve("postgres")) || !Files.isExecutable(bin.resolve("pg_ctl"))) {
                return Optional.empty();
            }
            return Optional.of(new PgBinaries(bin, m.version(), ZonkyBinaries.parseMajor(m.version()), "recorded in "
                    + dir.resolve(ServerMarker.FILE)));
        });
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 12), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private Path lockFile() {
        return dir.resolveSibling(dir.getFileName() + ".lock");
    }

    private interface Action<T> {
        T run();
    }

    private <T> T locked(Action<T> action) {
        ReentrantLock jvm = IN_JVM.computeIfAbsent(dir, d -> new ReentrantLock());
        jvm.lock();
        try {
            Files.createDirectories(dir.getParent());
            try (FileChannel ch = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                return action.run();
            }
        } catch (IOException e) {
            throw WorktreeDbException.environment("Cannot lock " + lockFile() + ": " + e.getMessage(), e);
        } finally {
            jvm.unlock();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try {
            Process p = new ProcessBuilder("cp", "-a", "--reflink=auto", from.toString(), to.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) {
                return;
            }
        } catch (IOException e) {
            // no GNU cp: copy below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        PgBinaries.deleteQuietly(to);
        try (var walk = Files.walk(from)) {
            for (Path src : walk.toList()) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    static long sizeOf(Path dir) {
        try (var walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WorktreeDbException.environment("Interrupted while starting the worktree server", e);
        }
    }

    private static Duration elapsed(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** {@code postmaster.pid}: the postmaster's pid (line 1) and port (line 4). */
    record PidFile(long pid, int port) {
        static Optional<PidFile> read(Path data) {
            try {
                List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8);
                long pid = Long.parseLong(lines.get(0).strip());
                int port = lines.size() > 3 && !lines.get(3).isBlank() ? Integer.parseInt(lines.get(3).strip()) : 0;
                return Optional.of(new PidFile(pid, port));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        /** The process is there and is a PostgreSQL server. */
        boolean alive() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(PidFile::isPostgres).orElse(false);
        }

        /** The process is there but is another program (the pid was given again). */
        boolean heldByAnother() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> !isPostgres(h)).orElse(false);
        }

        private static boolean isPostgres(ProcessHandle h) {
            String cmd = h.info().command().orElse("");
            if (cmd.isEmpty()) {
                try {
                    cmd = Files.readString(Path.of("/proc", Long.toString(h.pid()), "comm"));
                } catch (IOException e) {
                    return true; // cannot tell: assume it is, never start a second postmaster
                }
            }
            return cmd.contains("postgres") || cmd.contains("postmaster");
        }
    }

    /** A salted PBKDF2 hash of the template's password: tells whether the template was made with another password. */
    static final class PasswordCheck {
        private PasswordCheck() {}

        static void write(Path file, String password) throws IOException {
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, HexFormat.of().formatHex(salt) + ":" + HexFormat.of().formatHex(hash(password, salt)));
        }

        static boolean matches(Path file, String password) {
            try {
                String[] parts = Files.readString(file).strip().split(":");
                byte[] salt = HexFormat.of().parseHex(parts[0]);
                return MessageDigest.isEqual(hash(password, salt), HexFormat.of().parseHex(parts[1]));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        private static byte[] hash(String password, byte[] salt) {
            try {
                var spec = new javax.crypto.spec.PBEKeySpec((password == null ? "" : password).toCharArray(), salt, 20000,
                        256);
                return javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
