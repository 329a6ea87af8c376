package io.github.worktreedb.it.bench;

import io.github.worktreedb.config.SnapshotSettings;
import io.github.worktreedb.config.Strategy;
import io.github.worktreedb.config.WorktreeDbConfig;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.it.MavenRunner;
import io.github.worktreedb.it.Sample;
import io.github.worktreedb.ops.CloneOperation;
import io.github.worktreedb.ops.ExportOperation;
import io.github.worktreedb.ops.ImportOperation;
import io.github.worktreedb.ops.Confirmation;
import io.github.worktreedb.ops.ResetOperation;
import io.github.worktreedb.ops.RestoreOperation;
import io.github.worktreedb.ops.SnapshotOperation;
import io.github.worktreedb.ops.Snapshots;
import io.github.worktreedb.ops.StatusOperation;
import io.github.worktreedb.ops.WorktreeContext;
import io.github.worktreedb.postgres.ClientTools;
import io.github.worktreedb.testing.GitRepo;
import io.github.worktreedb.testing.TestPostgres;
import io.github.worktreedb.transfer.ExportType;
import io.github.worktreedb.transfer.FileTransfer;
import io.github.worktreedb.transfer.ProgressListener;
import io.github.worktreedb.transfer.ProgressLog;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./mvnw verify -Pbench}: how fast {@code clone} is next to what the server itself can do.
 *
 * <p>Starts its own embedded PostgreSQL with fsync on (a real server's durability, unlike the test fixture), builds
 * main databases of about 20 MB, 200 MB and 1 GB (four tables, deterministic rows, indexes), and then, in rounds whose
 * order is shuffled (the same seeds every run), each method after an untimed CHECKPOINT and {@code sync}, times:
 * raw {@code CREATE DATABASE ... STRATEGY WAL_LOG} and {@code FILE_COPY} (and, on PostgreSQL 18+, FILE_COPY with
 * {@code file_copy_method = clone}), {@code pg_dump | pg_restore}, the plugin's clone in-process (no Maven start-up) and
 * as {@code mvn worktree-db:clone}, {@code reset}, {@code status}, four clones at once, and {@code export}/{@code import}
 * (full, with and without progress) next to raw {@code pg_dump -Fc} and {@code pg_restore -j} of the same format. It prints medians as a
 * Markdown table (ratios against the best raw strategy) and writes it to {@code bench.out}.
 *
 * <p>Settings (system properties): {@code bench.sizes} (MB, default {@code 20,200,1000}), {@code bench.rounds} (3),
 * {@code bench.out}, {@code bench.pg} ({@code 14} or {@code 18}: the binaries the build copied to {@code pg.binaries.dir};
 * default the class path's 15), {@code bench.pgBinaries} (any zonky binaries jar),
 * {@code bench.dataDir} (where the cluster lives, e.g. on an XFS file system with reflink), {@code bench.maven}
 * ({@code false} skips the Maven runs), {@code bench.methods} (only the methods whose names contain one of these
 * comma-separated words).
 */
public final class Benchmark {

    private static final String ROLE = "bench";
    private static final String PASSWORD = "bench-" + Long.toHexString(Double.doubleToLongBits(Math.random()));
    private static final String INSIDE_MAVEN = "plugin clone (inside mvn, as the plugin reports it)";
    /** Opening a connection with a SCRAM login, timed in every raw method: what any tool pays before its first statement. */
    private static final String LOGIN = "login (a new connection, SCRAM), timed in the raw methods";
    private static final String COLD_START = "plugin's first-run cost in a fresh JVM: mvn clone − mvn validate −";
    /** Another plugin's help: what the realm of a plugin with two goals and one dependency costs. */
    private static final String SMALL_PLUGIN = "mvn clean:help (a small Apache plugin: its realm, its help; no work)";
    /** The version the parent POM pins. */
    private static final String CLEAN_PLUGIN_VERSION = "3.5.0";
    private static final String EMPTY_JVM = "java, no Maven: an empty JVM with the driver on its class path";
    private static final String COLD_LOGIN = "java, no Maven: one login (SCRAM) and SELECT 1 in a fresh JVM";
    /** A goal of the plugin that does nothing but print: Maven resolves and loads the plugin's realm, nothing else. */
    private static final String HELP = "mvn worktree-db:help (the plugin's realm resolved and loaded, no work)";
    private static final Pattern PLUGIN_TIME = Pattern.compile("(?:Cloned|Re-created) .* ([0-9.]+) s\\)$");

    private final TestPostgres pg;
    private final int rounds;
    private final boolean maven;
    private final Path work;
    private final int major;
    private final ClientTools.Tools dumpTools;
    private final String dumpNote;
    private final Map<String, Map<String, List<Double>>> seconds = new LinkedHashMap<>();
    private final Map<String, List<Double>> rssMb = new LinkedHashMap<>();
    private final Map<String, String> strategies = new LinkedHashMap<>();
    /** The size being measured, for the figures a method records besides its own time. */
    private String currentLabel;
    private final Map<String, Long> actualBytes = new LinkedHashMap<>();

    private Benchmark(TestPostgres pg, int rounds, boolean maven, Path work) {
        this.pg = pg;
        this.rounds = rounds;
        this.maven = maven;
        this.work = work;
        this.major = pg.serverVersionNum() / 10000;
        ClientTools.Tools tools = null;
        String note = null;
        try {
            tools = ClientTools.find(null, major, pg.serverVersion());
        } catch (WorktreeDbException e) {
            note = "no pg_dump ≥ " + major + " on this machine";
        }
        this.dumpTools = tools;
        this.dumpNote = note;
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = Arrays.stream(System.getProperty("bench.sizes", "20,200,1000").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
        int rounds = Integer.getInteger("bench.rounds", 3);
        boolean maven = !"false".equals(System.getProperty("bench.maven"));
        String version = System.getProperty("bench.pg", "");
        String jar = version.isBlank() ? System.getProperty("bench.pgBinaries", "")
                : Path.of(System.getProperty("pg.binaries.dir", "target/pg-binaries"), "pg" + version + ".jar").toString();
        String dataDir = System.getProperty("bench.dataDir", "");
        Path out = Path.of(System.getProperty("bench.out", "target/benchmark.md")).toAbsolutePath();
        Path work = MavenRunner.workDir();
        Sample.delete(work);
        Files.createDirectories(work);

        TestPostgres pg = TestPostgres.startEmbedded(new TestPostgres.EmbeddedOptions(
                jar.isBlank() ? null : Path.of(jar), dataDir.isBlank() ? null : Path.of(dataDir), 0, true));
        try {
            Benchmark bench = new Benchmark(pg, rounds, maven, work);
            String machine = bench.describeMachine(dataDir.isBlank() ? null : Path.of(dataDir));
            System.out.println(machine);
            for (int size : sizes) {
                bench.measure(size);
            }
            String servers = "false".equals(System.getProperty("bench.servers")) ? "" : "\n" + bench.measureServers();
            String report = machine + "\n" + bench.table() + servers;
            System.out.println();
            System.out.println(report);
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
            System.out.println("Written to " + out);
        } finally {
            pg.close();
        }
    }

    // ---------------------------------------------------------------- one size

    private void measure(int sizeMb) throws Exception {
        String main = "bench_" + sizeMb + "mb";
        long t0 = System.nanoTime();
        long bytes = generate(main, sizeMb);
        String label = sizeMb + " MB";
        actualBytes.put(label, bytes);
        log("%s: generated %s (%.0f MB) in %.0f s", label, main, bytes / 1048576.0, (System.nanoTime() - t0) / 1e9);

        GitRepo repo = GitRepo.init(work.resolve(main).resolve("shop"));
        repo.write("pom.xml", Sample.pomDeclaringPlugin(""));
        repo.commitAll("the build");
        repo.write(".env", "DATABASE_URL=postgres://" + ROLE + ":" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8)
                + "@localhost:" + pg.port() + "/" + main + "\n");
        Path single = repo.addWorktree(work.resolve(main).resolve("wt-single"), "bench/single");
        Path viaMaven = repo.addWorktree(work.resolve(main).resolve("wt-maven"), "bench/maven");
        List<Path> parallel = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            parallel.add(repo.addWorktree(work.resolve(main).resolve("wt-p" + i), "bench/p" + i));
        }

        List<Method> methods = new ArrayList<>();
        methods.add(new Method("raw WAL_LOG", () -> raw(main, "WAL_LOG", null)));
        methods.add(new Method("raw FILE_COPY", () -> raw(main, "FILE_COPY", major >= 18 ? "copy" : null)));
        if (major >= 18) {
            methods.add(new Method("raw FILE_COPY, file_copy_method=clone", () -> raw(main, "FILE_COPY", "clone")));
        }
        if (dumpTools != null) {
            methods.add(new Method("pg_dump \\| pg_restore", () -> dumpRestore(main)));
        }
        methods.add(new Method("plugin clone (in-process)", () -> pluginClone(single, label)));
        Path fullDump = work.resolve(main).resolve("full.dump");
        if (dumpTools != null) {
            // export/import: the same format (custom) and parallelism as the raw tools; the import's file is written once
            new ExportOperation(context(repo.root()), Log.NONE, "bench", ProgressListener.NONE).run(ExportType.FULL,
                    fullDump.toString());
            Path scratch = work.resolve(main).resolve("scratch.dump");
            methods.add(new Method("raw pg_dump -Fc to a file", () -> rawDump(main, scratch)));
            methods.add(new Method("plugin export full (progress on)", () -> export(repo.root(), scratch, true)));
            methods.add(new Method("plugin export full (progress off)", () -> export(repo.root(), scratch, false)));
            methods.add(new Method("raw pg_restore -j" + FileTransfer.jobs() + " into a new database",
                    () -> rawRestore(main, fullDump)));
            methods.add(new Method("plugin import full (progress on)", () -> importFull(single, fullDump, true)));
            methods.add(new Method("plugin import full (progress off)", () -> importFull(single, fullDump, false)));
        }
        WorktreeContext serverCtx = null;
        if (dumpTools != null && !"false".equals(System.getProperty("bench.servers"))) {
            // isolation=server, serverSource=main: main copied into a worktree's own server, next to the raw ways of
            // moving one database between two servers (into that same server, a database of another name)
            Path serverWt = repo.addWorktree(work.resolve(main).resolve("wt-server"), "bench/server");
            int base = freeBase();
            WorktreeContext ctx = serverContext(serverWt, io.github.worktreedb.config.ServerSettings.Source.EMPTY, base);
            new CloneOperation(ctx, Log.NONE, Confirmation.NOBODY, "bench").run(); // the server, untimed
            serverCtx = ctx;
            int port = ctx.databaseSpec().primary().port();
            Path dir = work.resolve(main).resolve("dir-dump");
            methods.add(new Method("raw pg_dump -Fc \\| pg_restore into another server",
                    () -> rawBetweenServers(main, port, "--format=custom", null)));
            methods.add(new Method("raw pg_dump -Fc -Z0 \\| pg_restore into another server",
                    () -> rawBetweenServers(main, port, "--format=custom", "--compress=0")));
            methods.add(new Method("raw pg_dump -Fd -Z0 -j" + FileTransfer.jobs() + ", pg_restore -j" + FileTransfer.jobs()
                    + " into another server", () -> rawDirectoryBetweenServers(main, port, dir)));
            methods.add(new Method("plugin clone isolation=server, serverSource=main (server running)",
                    () -> serverClone(serverWt, port, main, base)));
        }
        if (maven) {
            methods.add(new Method("plugin clone (mvn worktree-db:clone, wall)", () -> mavenClone(viaMaven, label)));
            methods.add(new Method("mvn validate (Maven start-up alone)", () -> mavenValidate(viaMaven)));
            methods.add(new Method(HELP, () -> runMaven(viaMaven, "worktree-db:help").seconds));
            // the floors under the first-run cost: any plugin's realm, and one login in a fresh JVM
            methods.add(new Method(SMALL_PLUGIN, () -> runMaven(viaMaven, "org.apache.maven.plugins:maven-clean-plugin:"
                    + CLEAN_PLUGIN_VERSION + ":help").seconds));
            methods.add(new Method(EMPTY_JVM, () -> coldLogin(null)));
            methods.add(new Method(COLD_LOGIN, () -> coldLogin(pg.jdbcUrl("postgres"))));
        }
        methods.add(new Method("plugin reset", () -> reset(single)));
        methods.add(new Method("plugin snapshot", () -> snapshot(single)));
        methods.add(new Method("plugin restore", () -> restore(single)));
        methods.add(new Method("plugin status", () -> status(single)));
        methods.add(new Method("4 plugin clones at once (wall)", () -> parallelClones(parallel)));

        String only = System.getProperty("bench.methods", "");
        if (!only.isBlank()) { // -Dbench.methods=restore,FILE_COPY: only the methods whose names contain one of these
            List<String> wanted = Arrays.stream(only.split(",")).map(String::strip).filter(w -> !w.isEmpty()).toList();
            methods.removeIf(m -> wanted.stream().noneMatch(m.name::contains));
        }
        Map<String, List<Double>> results = seconds.computeIfAbsent(label, k -> new LinkedHashMap<>());
        for (Method m : methods) { // the table lists them in this order, whatever order they ran in
            results.put(m.name, new ArrayList<>());
            if (m.name.startsWith("plugin clone (mvn")) {
                results.put(INSIDE_MAVEN, new ArrayList<>());
            }
        }
        results.put(LOGIN, new ArrayList<>());
        currentLabel = label;
        pg.sql("CHECKPOINT");
        pluginClone(single, label); // warm-up: class loading and JIT, not counted
        for (int r = 0; r < rounds; r++) {
            List<Method> order = new ArrayList<>(methods);
            java.util.Collections.shuffle(order, new java.util.Random(r)); // the same orders every run, new neighbours each round
            for (Method m : order) {
                settle();
                double s = m.run.time();
                results.get(m.name).add(s);
                log("%s round %d: %-45s %8.3f s", label, r + 1, m.name, s);
            }
        }
        if (serverCtx != null) {
            serverCtx.server().server().delete();
        }
        for (Path p : parallel) {
            dropWorktreeDb(p);
        }
        dropSnapshots(single);
        dropWorktreeDb(single);
        dropWorktreeDb(viaMaven);
        pg.dropDatabase(main);
    }

    // ---------------------------------------------------------------- isolation=server

    /**
     * {@code isolation=server} (in-process, no Maven start-up): the first worktree server of a repository (initdb of the
     * template included), a new worktree server ready with {@code serverSource=empty} (template there: copy, start,
     * database), the start of a stopped server, and the resident memory of one idle server (the sum of the
     * proportional set sizes, PSS, of the postmaster and its children, 5 s after start: shared memory counted once).
     */
    private String measureServers() throws Exception {
        TestPostgres.OwnedDatabase db = pg.createOwnedDatabase("srvbench", r -> PASSWORD, "CREATE TABLE t(x int)");
        GitRepo repo = GitRepo.init(work.resolve("servers").resolve("shop"));
        repo.write(".env", "DATABASE_URL=" + pg.url(db) + "\n");
        int base = freeBase();
        List<Double> first = new ArrayList<>();
        List<Double> ready = new ArrayList<>();
        List<Double> start = new ArrayList<>();
        List<Double> pss = new ArrayList<>();
        List<WorktreeContext> made = new ArrayList<>();
        try {
            for (int i = 0; i <= rounds; i++) {
                Path wt = repo.addWorktree(work.resolve("servers").resolve("wt-" + i), "bench/server-" + i);
                WorktreeDbConfig config = WorktreeDbConfig.builder(wt).isolation(io.github.worktreedb.config.Isolation.SERVER)
                        .server(new io.github.worktreedb.config.ServerSettings(base, io.github.worktreedb.config.ServerSettings
                                .Source.EMPTY, null, null)).build();
                WorktreeContext ctx = WorktreeContext.resolve(config, Log.NONE);
                made.add(ctx);
                long t = System.nanoTime();
                new CloneOperation(ctx, Log.NONE, Confirmation.NOBODY, "bench").run();
                (i == 0 ? first : ready).add((System.nanoTime() - t) / 1e9);
                io.github.worktreedb.ops.WorktreeServers.stop(ctx, Log.NONE);
                settle();
                t = System.nanoTime();
                io.github.worktreedb.ops.WorktreeServers.ensureRunning(ctx, Log.NONE, "bench");
                start.add((System.nanoTime() - t) / 1e9);
                Thread.sleep(5000);
                pss.add(pssMb(ctx.server().server().status().pid()));
                log("server %d: ready %.3f s, start %.3f s, idle PSS %.1f MB", i, i == 0 ? first.get(0) : ready.get(i - 1),
                        start.get(i), pss.get(i));
            }
        } finally {
            for (WorktreeContext ctx : made) {
                ctx.server().server().delete();
            }
            pg.dropDatabase(db.database());
        }
        StringBuilder sb = new StringBuilder("| isolation=server (in-process) | Median | Min–max |\n|---|---:|---:|\n");
        sb.append(String.format(Locale.ROOT, "| first server of a repository (initdb of the template, copy, start, empty database) | %.2f s | |%n",
                first.get(0)));
        sb.append(String.format(Locale.ROOT, "| new worktree server ready, serverSource=empty (template there) | %.2f s | %.2f–%.2f s |%n",
                median(ready), min(ready), max(ready)));
        sb.append(String.format(Locale.ROOT, "| start of a stopped worktree server | %.2f s | %.2f–%.2f s |%n", median(start),
                min(start), max(start)));
        sb.append(String.format(Locale.ROOT, "| idle worktree server, resident memory (PSS of all its processes) | %.1f MB | %.1f–%.1f MB |%n",
                median(pss), min(pss), max(pss)));
        return sb.toString();
    }

    /** The proportional set size of a process and its descendants, in MB (shared pages divided among their users). */
    private static double pssMb(long pid) throws IOException {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        long kb = 0;
        for (long p : pids) {
            Path rollup = Path.of("/proc", Long.toString(p), "smaps_rollup");
            if (!Files.exists(rollup)) {
                continue;
            }
            for (String line : Files.readAllLines(rollup)) {
                if (line.startsWith("Pss:")) {
                    kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        return kb / 1024.0;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /**
     * Untimed, before every method: the end of a detached drop still running, a CHECKPOINT and an OS {@code sync}, so
     * that no method pays for the dirty buffers, WAL or freed files another one left (a FILE_COPY right after a big WAL_LOG copy and its DROP took 2-3× longer).
     */
    private void settle() throws Exception {
        // the drop of a database that restore, reset or import replaced runs on after they return (DetachedDrop): let
        // it finish, so that its checkpoint and file removal do not land in the next method's time
        pg.awaitDrops(120);
        pg.sql("CHECKPOINT");
        new ProcessBuilder("sync").start().waitFor();
    }

    private record Method(String name, Timed run) {}

    @FunctionalInterface
    private interface Timed {
        double time() throws Exception;
    }

    // ---------------------------------------------------------------- the methods

    private double raw(String main, String strategy, String fileCopyMethod) throws SQLException {
        String copy = main + "_raw";
        pg.dropDatabase(copy);
        long login = System.nanoTime();
        try (Connection c = pg.connect("postgres", ROLE, PASSWORD); Statement st = c.createStatement()) {
            seconds.get(currentLabel).get(LOGIN).add((System.nanoTime() - login) / 1e9);
            if (fileCopyMethod != null) {
                st.execute("SET file_copy_method = " + fileCopyMethod);
            }
            long t = System.nanoTime();
            st.execute("CREATE DATABASE " + copy + " TEMPLATE " + main + " STRATEGY " + strategy);
            return (System.nanoTime() - t) / 1e9;
        } finally {
            pg.dropDatabase(copy);
        }
    }

    private double dumpRestore(String main) throws Exception {
        String copy = main + "_dump";
        pg.dropDatabase(copy);
        String common = " --no-password -h localhost -p " + pg.port() + " -U " + ROLE + " ";
        long t = System.nanoTime();
        try (Connection c = pg.connect("postgres", ROLE, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + copy + " TEMPLATE template0");
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -o pipefail; '" + dumpTools.pgDump() + "' -Fc" + common
                + "--dbname " + main + " | '" + dumpTools.pgRestore() + "' --exit-on-error" + common + "--dbname " + copy)
                .redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", PASSWORD);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pg_dump | pg_restore failed: " + output);
        }
        double s = (System.nanoTime() - t) / 1e9;
        pg.dropDatabase(copy);
        return s;
    }

    private double rawDump(String main, Path file) throws Exception {
        long t = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(dumpTools.pgDump().toString(), "-Fc", "--no-owner", "--no-privileges",
                "--no-password", "-h", "localhost", "-p", Integer.toString(pg.port()), "-U", ROLE, "--dbname", main,
                "--file", file.toString()).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", PASSWORD);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pg_dump failed: " + output);
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private double export(Path mainWorktree, Path file, boolean progress) {
        long t = System.nanoTime();
        new ExportOperation(context(mainWorktree), Log.NONE, "bench", progress ? new ProgressLog(Log.NONE)
                : ProgressListener.NONE).run(ExportType.FULL, file.toString());
        return (System.nanoTime() - t) / 1e9;
    }

    private double rawRestore(String main, Path file) throws Exception {
        String copy = main + "_restore";
        pg.dropDatabase(copy);
        long t = System.nanoTime();
        try (Connection c = pg.connect("postgres", ROLE, PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + copy + " TEMPLATE template0");
        }
        ProcessBuilder pb = new ProcessBuilder(dumpTools.pgRestore().toString(), "--exit-on-error", "--no-owner",
                "--no-privileges", "--jobs=" + FileTransfer.jobs(), "--no-password", "-h", "localhost", "-p",
                Integer.toString(pg.port()), "-U", ROLE, "--dbname", copy, file.toString()).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", PASSWORD);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pg_restore failed: " + output);
        }
        double s = (System.nanoTime() - t) / 1e9;
        pg.dropDatabase(copy);
        return s;
    }

    private double importFull(Path worktree, Path file, boolean progress) {
        long t = System.nanoTime();
        new ImportOperation(context(worktree), Log.NONE, Confirmation.NOBODY, "bench", progress ? new ProgressLog(Log.NONE)
                : ProgressListener.NONE).run(file.toString());
        return (System.nanoTime() - t) / 1e9;
    }

    private static int freeBase() throws IOException {
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            return Math.min(free.getLocalPort(), 60000);
        }
    }

    private WorktreeContext serverContext(Path worktree, io.github.worktreedb.config.ServerSettings.Source source, int base) {
        WorktreeDbConfig config = WorktreeDbConfig.builder(worktree).yes(true)
                .isolation(io.github.worktreedb.config.Isolation.SERVER)
                .server(new io.github.worktreedb.config.ServerSettings(base, source, null, null)).build();
        return WorktreeContext.resolve(config, Log.NONE);
    }

    /** Runs SQL on the maintenance database of the server on {@code port} (a worktree's: the bench role is its superuser). */
    private void sqlOn(int port, String sql) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", ROLE,
                PASSWORD); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private void run(String what, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", PASSWORD);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(what + " failed: " + output);
        }
    }

    /** pg_dump of main piped into pg_restore into a new database on the server on {@code port}. */
    private double rawBetweenServers(String main, int port, String format, String compress) throws Exception {
        sqlOn(port, "DROP DATABASE IF EXISTS rawcopy");
        long t = System.nanoTime();
        sqlOn(port, "CREATE DATABASE rawcopy TEMPLATE template0");
        String dump = "'" + dumpTools.pgDump() + "' " + format + (compress == null ? "" : " " + compress)
                + " --no-password -h localhost -p " + pg.port() + " -U " + ROLE + " --dbname " + main;
        String restore = "'" + dumpTools.pgRestore() + "' --exit-on-error --no-owner --no-privileges --no-password "
                + "-h localhost -p " + port + " -U " + ROLE + " --dbname rawcopy";
        run("pg_dump | pg_restore", "bash", "-c", "set -o pipefail; " + dump + " | " + restore);
        double s = (System.nanoTime() - t) / 1e9;
        sqlOn(port, "DROP DATABASE rawcopy");
        return s;
    }

    /** pg_dump -Fd -j into a directory, then pg_restore -j from it into a new database on the server on {@code port}. */
    private double rawDirectoryBetweenServers(String main, int port, Path dir) throws Exception {
        sqlOn(port, "DROP DATABASE IF EXISTS rawcopy");
        Sample.delete(dir);
        String jobs = "--jobs=" + FileTransfer.jobs();
        long t = System.nanoTime();
        sqlOn(port, "CREATE DATABASE rawcopy TEMPLATE template0");
        run("pg_dump -Fd", dumpTools.pgDump().toString(), "--format=directory", "--compress=0", jobs, "--no-password", "-h",
                "localhost", "-p", Integer.toString(pg.port()), "-U", ROLE, "--dbname", main, "--file", dir.toString());
        run("pg_restore -j", dumpTools.pgRestore().toString(), "--exit-on-error", "--no-owner", "--no-privileges", jobs,
                "--no-password", "-h", "localhost", "-p", Integer.toString(port), "-U", ROLE, "--dbname", "rawcopy",
                dir.toString());
        double s = (System.nanoTime() - t) / 1e9;
        sqlOn(port, "DROP DATABASE rawcopy");
        Sample.delete(dir);
        return s;
    }

    /** clone with isolation=server and serverSource=main, the worktree's server running and its database dropped first. */
    private double serverClone(Path worktree, int port, String main, int base) throws Exception {
        sqlOn(port, "DROP DATABASE IF EXISTS " + main);
        WorktreeContext ctx = serverContext(worktree, io.github.worktreedb.config.ServerSettings.Source.MAIN, base);
        long t = System.nanoTime();
        CloneOperation.Result r = new CloneOperation(ctx, Log.NONE, Confirmation.NOBODY, "bench").run();
        double s = (System.nanoTime() - t) / 1e9;
        if (r.outcome() != CloneOperation.Outcome.CREATED) {
            throw new IllegalStateException("the server clone did not create: " + r);
        }
        return s;
    }

    private double pluginClone(Path worktree, String label) {
        dropWorktreeDb(worktree);
        long t = System.nanoTime();
        CloneOperation.Result r = new CloneOperation(context(worktree), Log.NONE, Confirmation.NOBODY, "bench").run();
        double s = (System.nanoTime() - t) / 1e9;
        if (r.outcome() != CloneOperation.Outcome.CREATED) {
            throw new IllegalStateException("clone did not create: " + r);
        }
        strategies.put(label, r.method().label());
        return s;
    }

    private double mavenClone(Path worktree, String label) throws Exception {
        dropWorktreeDb(worktree);
        Run run = runMaven(worktree, "worktree-db:clone");
        rssMb.computeIfAbsent("mvn worktree-db:clone", k -> new ArrayList<>()).add(run.peakRssMb);
        Matcher m = run.log.lines().map(PLUGIN_TIME::matcher).filter(Matcher::find).findFirst()
                .orElseThrow(() -> new IllegalStateException("no clone line in the build log:\n" + run.log));
        seconds.get(label).get(INSIDE_MAVEN).add(Double.parseDouble(m.group(1)));
        return run.seconds;
    }

    /**
     * A fresh JVM with only the PostgreSQL driver and {@link ColdLogin} on its class path: one login as the bench role
     * (the password on its standard input), or with {@code url} {@code null} nothing at all.
     */
    private double coldLogin(String url) throws Exception {
        // the driver's own jar from the local repository (on this JVM's class path it may come inside the plugin's)
        String version = org.postgresql.util.DriverInfo.DRIVER_VERSION;
        Path driverJar = Path.of(System.getProperty("it.userRepo"), "org", "postgresql", "postgresql", version,
                "postgresql-" + version + ".jar");
        if (!Files.isRegularFile(driverJar)) {
            throw new IllegalStateException("no " + driverJar);
        }
        String driver = driverJar.toString();
        String classes = Path.of(ColdLogin.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classes + java.io.File.pathSeparator + driver, ColdLogin.class.getName()));
        if (url != null) {
            cmd.addAll(List.of(url, ROLE));
        }
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write(PASSWORD.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("ColdLogin failed: " + out);
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private double mavenValidate(Path worktree) throws Exception {
        Run run = runMaven(worktree, "validate");
        rssMb.computeIfAbsent("mvn validate (no plugin goal)", k -> new ArrayList<>()).add(run.peakRssMb);
        return run.seconds;
    }

    private double reset(Path worktree) {
        long t = System.nanoTime();
        new ResetOperation(context(worktree), Log.NONE, Confirmation.NOBODY, "bench").run();
        return (System.nanoTime() - t) / 1e9;
    }

    /** {@code snapshot} of the worktree database (made first when a method before dropped it), none kept before. */
    private double snapshot(Path worktree) {
        WorktreeContext ctx = snapshotContext(worktree);
        if (!pg.exists(ctx.database())) {
            pluginClone(worktree, currentLabel);
        }
        dropSnapshots(worktree);
        long t = System.nanoTime();
        new SnapshotOperation(ctx, Log.NONE, "bench").run();
        return (System.nanoTime() - t) / 1e9;
    }

    /** {@code restore} of the snapshot {@code bench} (taken first, untimed, when there is none) over the worktree database. */
    private double restore(Path worktree) {
        WorktreeContext ctx = snapshotContext(worktree);
        if (!pg.exists(ctx.database())) {
            pluginClone(worktree, currentLabel);
        }
        if (!pg.exists(Snapshots.databaseName(ctx.database(), "bench"))) {
            new SnapshotOperation(ctx, Log.NONE, "bench").run();
        }
        long t = System.nanoTime();
        new RestoreOperation(ctx, Log.NONE, Confirmation.NOBODY).run();
        return (System.nanoTime() - t) / 1e9;
    }

    private WorktreeContext snapshotContext(Path worktree) {
        WorktreeDbConfig config = WorktreeDbConfig.builder(worktree).strategy(Strategy.AUTO).yes(true)
                .snapshots(new SnapshotSettings("bench", 0, false)).build();
        return WorktreeContext.resolve(config, Log.NONE);
    }

    private void dropSnapshots(Path worktree) {
        pg.dropDatabase(Snapshots.databaseName(context(worktree).database(), "bench"));
    }

    private double status(Path worktree) {
        long t = System.nanoTime();
        new StatusOperation(context(worktree), Log.NONE, false).run();
        return (System.nanoTime() - t) / 1e9;
    }

    private double parallelClones(List<Path> worktrees) throws Exception {
        worktrees.forEach(this::dropWorktreeDb);
        ExecutorService pool = Executors.newFixedThreadPool(worktrees.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<CloneOperation.Result>> results = new ArrayList<>();
            for (Path wt : worktrees) {
                WorktreeContext ctx = context(wt);
                results.add(pool.submit(() -> {
                    go.await();
                    return new CloneOperation(ctx, Log.NONE, Confirmation.NOBODY, "bench").run();
                }));
            }
            long t = System.nanoTime();
            go.countDown();
            for (Future<CloneOperation.Result> f : results) {
                if (f.get().outcome() != CloneOperation.Outcome.CREATED) {
                    throw new IllegalStateException("a parallel clone did not create: " + f.get());
                }
            }
            return (System.nanoTime() - t) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    private WorktreeContext context(Path worktree) {
        WorktreeDbConfig config = WorktreeDbConfig.builder(worktree).strategy(Strategy.AUTO).yes(true).build();
        return WorktreeContext.resolve(config, Log.NONE);
    }

    private void dropWorktreeDb(Path worktree) {
        pg.dropDatabase(context(worktree).database());
    }

    // ---------------------------------------------------------------- Maven, with its peak memory

    private record Run(double seconds, double peakRssMb, String log) {}

    private Run runMaven(Path dir, String... args) throws Exception {
        Path logFile = Files.createTempFile("bench-mvn", ".log");
        long t = System.nanoTime();
        Process p = MavenRunner.start(dir, logFile, args);
        // bin/mvn exec's java, so this pid is Maven's JVM; VmHWM is its peak resident set so far
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long peakKb = 0;
        while (p.isAlive()) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) {
                        peakKb = Math.max(peakKb, Long.parseLong(line.replaceAll("\\D", "")));
                    }
                }
            } catch (IOException | NumberFormatException ignored) {
                // the process is ending
            }
            Thread.sleep(20);
        }
        double s = (System.nanoTime() - t) / 1e9;
        String log = Files.readString(logFile);
        Files.delete(logFile);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("mvn " + String.join(" ", args) + " failed:\n" + log);
        }
        return new Run(s, peakKb / 1024.0, log);
    }

    // ---------------------------------------------------------------- data

    /** Fills {@code main} batch by batch until it is at least {@code sizeMb}; the same batches give the same data. */
    private long generate(String main, int sizeMb) throws SQLException {
        try (Connection c = pg.admin(); Statement st = c.createStatement()) {
            st.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + ROLE + "') THEN "
                    + "CREATE ROLE " + ROLE + " LOGIN CREATEDB; END IF; END$$");
            st.execute("ALTER ROLE " + ROLE + " PASSWORD '" + PASSWORD + "'");
        }
        pg.dropDatabase(main);
        pg.createDatabase(main, ROLE, """
                CREATE TABLE customer(id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL,
                                      created_at timestamptz NOT NULL);
                CREATE TABLE product(id int PRIMARY KEY, sku text NOT NULL UNIQUE, title text NOT NULL,
                                     price numeric(10,2) NOT NULL);
                CREATE TABLE orders(id bigint PRIMARY KEY, customer_id bigint NOT NULL, placed_at timestamptz NOT NULL,
                                    status text NOT NULL);
                CREATE INDEX orders_customer ON orders(customer_id);
                CREATE TABLE order_item(order_id bigint NOT NULL, line int NOT NULL, product_id int NOT NULL,
                                        quantity int NOT NULL, price numeric(10,2) NOT NULL, note text,
                                        PRIMARY KEY (order_id, line));
                CREATE INDEX order_item_product ON order_item(product_id);
                INSERT INTO product SELECT g, 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || md5(g::text), (g % 500) + 0.99
                  FROM generate_series(1, 5000) g;
                """);
        long target = sizeMb * 1048576L;
        int batch = 0;
        final int orders = Math.max(2_000, sizeMb * 100); // about 7 % of the target per batch
        try (Connection c = pg.connect(main, ROLE, PASSWORD); Statement st = c.createStatement()) {
            st.execute("SET synchronous_commit = off");
            long size;
            while ((size = databaseSize(st)) < target) {
                long from = (long) batch * orders + 1;
                long to = from + orders - 1;
                st.execute(String.format(Locale.ROOT, """
                        INSERT INTO customer SELECT g, 'customer' || g || '@example.com', 'Name ' || md5(g::text),
                          timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(%d, %d) g WHERE g %% 4 = 0;
                        INSERT INTO orders SELECT g, 4 * (1 + g %% 12345), timestamptz '2024-01-01' + g * interval '1 second',
                          (ARRAY['new','paid','shipped','returned'])[1 + g %% 4] FROM generate_series(%d, %d) g;
                        INSERT INTO order_item SELECT o, l, 1 + (o * 7 + l) %% 5000, 1 + (o + l) %% 5, ((o + l) %% 300) + 0.5,
                          CASE WHEN (o + l) %% 3 = 0 THEN md5(o::text || l::text) END
                          FROM generate_series(%d, %d) o, generate_series(1, 3) l;
                        """, from, to, from, to, from, to));
                batch++;
                if (batch % 10 == 0) {
                    log("  %s: %.0f of %d MB", main, size / 1048576.0, sizeMb);
                }
            }
            st.execute("VACUUM ANALYZE");
            return databaseSize(st);
        }
    }

    private static long databaseSize(Statement st) throws SQLException {
        try (var rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------- report

    private String describeMachine(Path dataDir) throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        long memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", ""))).orElse(0L);
        Path where = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"));
        String fs = Files.getFileStore(where).type();
        String settings = pg.queryIn("postgres", "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM "
                + "pg_settings WHERE name IN ('fsync','full_page_writes','shared_buffers','synchronous_commit',"
                + "'wal_level','checkpoint_timeout','max_wal_size')");
        return String.format(Locale.ROOT, """
                ## worktree-db benchmark, %s

                - Machine: %s, %d cores, %.0f GiB RAM, Java %s
                - PostgreSQL %s (embedded, zonky), data directory on %s (%s); %s
                - pg_dump: %s
                - %d rounds per size, methods in a shuffled order, each after an untimed CHECKPOINT and sync; medians (min–max) in seconds
                """, LocalDate.now(), cpu, Runtime.getRuntime().availableProcessors(), memKb / 1048576.0,
                System.getProperty("java.version"), pg.serverVersion(), where, fs, settings,
                dumpTools != null ? dumpTools.version() + " (" + dumpTools.pgDump() + ")" : dumpNote, rounds);
    }

    private String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Main database | Method | Median s | Min–max s | × best raw | × (best raw + login) |\n");
        sb.append("|---|---|---:|---:|---:|---:|\n");
        for (var bySize : seconds.entrySet()) {
            String label = bySize.getKey();
            double bestRaw = bySize.getValue().entrySet().stream().filter(e -> e.getKey().startsWith("raw "))
                    .mapToDouble(e -> median(e.getValue())).min().orElse(Double.NaN);
            double login = median(bySize.getValue().getOrDefault(LOGIN, List.of()));
            String size = String.format(Locale.ROOT, "%s (%.0f MB)", label, actualBytes.get(label) / 1048576.0);
            for (var e : bySize.getValue().entrySet()) {
                List<Double> v = e.getValue();
                String name = e.getKey();
                if (name.equals("plugin clone (in-process)") && strategies.containsKey(label)) {
                    name += ", auto chose " + strategies.get(label);
                }
                boolean ratio = name.startsWith("plugin clone") || name.startsWith("plugin snapshot") || name.startsWith("plugin restore")
                        || name.startsWith("raw ") || name.startsWith("pg_dump");
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f–%.3f | %s | %s |%n", size, name, median(v),
                        min(v), max(v),
                        ratio ? String.format(Locale.ROOT, "%.2f", median(v) / bestRaw) : "",
                        ratio ? String.format(Locale.ROOT, "%.2f", median(v) / (bestRaw + login)) : ""));
            }
            // the first-run cost, then in two parts: the plugin's realm (help − validate), and the goal's first run in
            // it (clone − help − raw); then the floors: what a small plugin's realm costs, and one login in a fresh JVM
            Map<String, List<Double>> r = bySize.getValue();
            List<Double> help = r.get(HELP);
            List<Double> validate = r.get("mvn validate (Maven start-up alone)");
            List<Double> clone = r.get("plugin clone (mvn worktree-db:clone, wall)");
            List<Double> raw = r.get(rawFor(label));
            derivedRow(sb, size, COLD_START + " " + rawFor(label), coldStart(r, label));
            derivedRow(sb, size, "of which the plugin's realm: mvn help − mvn validate", difference(help, validate));
            derivedRow(sb, size, "of which the goal's first run: mvn clone − mvn help − " + rawFor(label),
                    difference(clone, help).flatMap(d -> difference(d, raw)));
            derivedRow(sb, size, "floor: a small plugin's realm: mvn clean:help − mvn validate",
                    difference(r.get(SMALL_PLUGIN), validate));
            derivedRow(sb, size, "floor: one login in a fresh JVM: java login − java empty",
                    difference(r.get(COLD_LOGIN), r.get(EMPTY_JVM)));
        }
        if (!rssMb.isEmpty()) {
            sb.append("\n| Maven JVM | Peak resident memory (median) |\n|---|---:|\n");
            rssMb.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "| %s | %.0f MB |%n", k, median(v))));
        }
        if (dumpTools == null) {
            sb.append("\npg_dump | pg_restore not measured: ").append(dumpNote).append(".\n");
        }
        return sb.toString();
    }

    /**
     * The plugin's first-run cost in a fresh JVM, per round: {@code mvn worktree-db:clone} (wall) minus
     * {@code mvn validate} (Maven's own start-up, project model, no plugin) minus the raw copy of the strategy the plugin
     * chose. What is left is loading and initialising the plugin (its class realm, JGit, pgjdbc, Flyway's classes not
     * included: clone does not load them), reading git and the env files, the logins and the marker, in a cold JVM whose
     * class loading and JIT compete with the server's copy for the cores. Rounds are paired by index (each round runs
     * every method once).
     */
    private Optional<List<Double>> coldStart(Map<String, List<Double>> results, String label) {
        return difference(results.get("plugin clone (mvn worktree-db:clone, wall)"),
                results.get("mvn validate (Maven start-up alone)")).flatMap(d -> difference(d, results.get(rawFor(label))));
    }

    /** A table row of figures derived round by round from others, when they were measured. */
    private static void derivedRow(StringBuilder sb, String size, String name, Optional<List<Double>> values) {
        values.ifPresent(v -> sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f–%.3f | | |%n", size, name,
                median(v), min(v), max(v))));
    }

    /** {@code a − b} round by round, when both were measured. */
    private static Optional<List<Double>> difference(List<Double> a, List<Double> b) {
        if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
            return Optional.empty();
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            out.add(a.get(i) - b.get(i));
        }
        return Optional.of(out);
    }

    /** The raw method that does what the plugin's {@code auto} chose for this size. */
    private String rawFor(String label) {
        String chosen = strategies.getOrDefault(label, "wal-log");
        return chosen.contains("wal") ? "raw WAL_LOG" : "raw FILE_COPY";
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void log(String fmt, Object... args) {
        System.out.println("[bench] " + String.format(Locale.ROOT, fmt, args));
    }
}
