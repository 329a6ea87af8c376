package io.github.worktreedb.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.maven.shared.invoker.DefaultInvocationRequest;
import org.apache.maven.shared.invoker.DefaultInvoker;
import org.apache.maven.shared.invoker.InvocationRequest;
import org.apache.maven.shared.invoker.InvocationResult;
import org.apache.maven.shared.invoker.Invoker;
import org.apache.maven.shared.invoker.MavenInvocationException;

/**
 * Runs a real Maven build (the same Maven that runs this build, through maven-invoker) in a sample
 * project. The plugin under test comes from the IT repository that {@code invoker:install} filled;
 * everything else from the user's repository, read-only ({@code maven.repo.local.tail}).
 *
 * <p>{@link #runWith} runs another Maven (the oldest supported Maven 3 and Maven 4, unpacked by it/pom.xml). Maven
 * before 3.9 has no {@code maven.repo.local.tail}; for every Maven alike, those builds use the IT repository as local
 * repository and a settings.xml whose mirror of every repository is the user's local repository, read as a
 * {@code file://} repository. Whatever the plugin needs beyond what {@code invoker:install} put in the IT repository
 * (the BOMs its parent POM imports; plexus-utils 1.1, which Maven before 3.9 adds to plugins) is copied from there, so
 * these builds never go to the network and cost the same as the others.
 *
 * <p>Every build's whole log is checked against the secrets registered with {@link #secret(String)}:
 * a password in any log fails the test that ran it.
 */
public final class MavenRunner {

    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

    /** What a build printed and how it ended. */
    public record Result(int exitCode, String log, long millis) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        /** The lines Maven printed at ERROR level, without the prefix. */
        public String errors() {
            return log.lines().filter(l -> l.startsWith("[ERROR]")).map(l -> l.substring(7).strip())
                    .reduce("", (a, b) -> a + b + "\n");
        }
    }

    private MavenRunner() {}

    /** The build failed with each of {@code messages} among its ERROR lines, and without a stack trace (no -e). */
    public static void assertCleanFailure(Result r, String... messages) {
        assertThat(r.succeeded()).as("build should fail:\n" + r.log()).isFalse();
        for (String m : messages) {
            assertThat(r.errors()).contains(m);
        }
        assertThat(r.log()).as("no stack trace without -e").doesNotContainPattern("(?m)^\\s+at [a-z]+\\.");
    }

    /** Waits for a build from {@link #start} to end and reads its log. */
    public static Result finished(Process build, Path log) throws Exception {
        assertThat(build.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the build ends").isTrue();
        return new Result(build.exitValue(), java.nio.file.Files.readString(log), 0);
    }

    /** A value that must never appear in any build log. */
    public static void secret(String value) {
        SECRETS.add(value);
    }

    public static String pluginVersion() {
        return System.getProperty("it.pluginVersion");
    }

    public static Path workDir() {
        return Path.of(System.getProperty("it.workDir", "target/it-work")).toAbsolutePath();
    }

    public static Result run(Path dir, String... args) {
        return run(dir, null, args);
    }

    /** Runs {@code mvn -B args} in {@code dir}; {@code echo} (if given) sees each line as it comes. */
    public static Result run(Path dir, Consumer<String> echo, String... args) {
        return run(dir, echo, null, args);
    }

    /**
     * Starts {@code mvn -B args} in {@code dir} as a plain process, for tests that must kill a build midway. Output goes
     * to {@code log}.
     */
    public static Process start(Path dir, Path log, String... args) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(), "-B",
                "-Dmaven.repo.local=" + System.getProperty("it.repo"),
                "-Dmaven.repo.local.tail=" + System.getProperty("it.userRepo"), "-Dstyle.color=never"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    /**
     * Runs Maven interactively (no {@code -B}) in {@code dir} with its standard input closed (read from
     * {@code /dev/null}): nobody can answer a prompt. (maven-invoker keeps the input open until the build ends, so a
     * prompt there waits for ever, as in a piped build nobody types into.)
     */
    public static Result runWithClosedInput(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(),
                "-Dmaven.repo.local=" + System.getProperty("it.repo"),
                "-Dmaven.repo.local.tail=" + System.getProperty("it.userRepo"), "-Dstyle.color=never"));
        cmd.addAll(List.of(args));
        Path out = java.nio.file.Files.createTempFile("mvn-closed-input", ".log");
        long start = System.currentTimeMillis();
        Process build = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectOutput(out.toFile()).start();
        if (!build.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)) {
            build.destroyForcibly();
            throw new AssertionError("the build did not end within 5 minutes:\n" + java.nio.file.Files.readString(out));
        }
        String log = java.nio.file.Files.readString(out);
        java.nio.file.Files.delete(out);
        for (String secret : SECRETS) {
            assertThat(log).as("a build log shows a password").doesNotContain(secret);
        }
        return new Result(build.exitValue(), log, System.currentTimeMillis() - start);
    }

    /** Runs Maven interactively (no {@code -B}) in {@code dir}, typing {@code input} on its standard input. */
    public static Result runInteractive(Path dir, String input, String... args) {
        return run(dir, null, input, args);
    }

    /** Runs Maven in batch mode in {@code dir} with these extra environment variables (e.g. a coding agent's). */
    public static Result runWithEnv(Path dir, java.util.Map<String, String> env, String... args) {
        ENV.set(env);
        try {
            return run(dir, null, null, args);
        } finally {
            ENV.remove();
        }
    }

    private static final ThreadLocal<java.util.Map<String, String>> ENV = new ThreadLocal<>();
    /** Runs {@code mvn -B args} in {@code dir} with the Maven installed at {@code mavenHome} (see the class comment). */
    public static Result runWith(Path mavenHome, Path dir, String... args) {
        List<String> goals = new ArrayList<>(List.of(args));
        goals.add("--settings=" + mirrorSettings());
        return run(mavenHome, dir, null, null, goals);
    }

    /** A settings.xml whose mirror of every repository is the user's local repository. */
    private static synchronized Path mirrorSettings() {
        Path settings = workDir().resolve("mirror-settings.xml");
        String xml = """
                <settings>
                  <mirrors>
                    <mirror>
                      <id>it-user-repository</id>
                      <mirrorOf>*</mirrorOf>
                      <url>%s</url>
                    </mirror>
                  </mirrors>
                </settings>
                """.formatted(Path.of(System.getProperty("it.userRepo")).toUri());
        try {
            java.nio.file.Files.createDirectories(settings.getParent());
            java.nio.file.Files.writeString(settings, xml);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return settings;
    }

    private static Result run(Path dir, Consumer<String> echo, String input, String... args) {
        List<String> goals = new ArrayList<>(List.of(args));
        goals.add("-Dmaven.repo.local.tail=" + System.getProperty("it.userRepo"));
        return run(Path.of(System.getProperty("maven.home")), dir, echo, input, goals);
    }

    /**
     * {@code -Dit.transcripts=FILE} (passed on to the tests by Failsafe): every sample build's command line and output
     * is appended to FILE, the source of the examples in README.md and src-site/ ("copied from real output").
     */
    private static void transcript(Path dir, List<String> args, Result r) {
        String file = System.getProperty("it.transcripts");
        if (file == null || file.isBlank()) {
            return;
        }
        String command = "$ mvn " + args.stream().filter(a -> !a.startsWith("-Dmaven.repo.local.tail="))
                .collect(java.util.stream.Collectors.joining(" "));
        try {
            java.nio.file.Files.writeString(Path.of(file), "### " + dir + "\n" + command + "\n" + r.log() + "\n\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Result run(Path mavenHome, Path dir, Consumer<String> echo, String input, List<String> args) {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        InvocationRequest request = new DefaultInvocationRequest();
        request.setBaseDirectory(dir.toFile());
        request.setBatchMode(input == null);
        if (input != null) {
            request.setInputStream(new java.io.ByteArrayInputStream(input.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        request.setLocalRepositoryDirectory(new File(System.getProperty("it.repo")));
        List<String> goals = new ArrayList<>(args);
        goals.add("-Dstyle.color=never");
        request.addArgs(goals);
        request.setShellEnvironmentInherited(true);
        if (ENV.get() != null) {
            ENV.get().forEach(request::addShellEnvironment);
        }
        request.setOutputHandler(line -> {
            lines.add(line);
            if (echo != null) {
                echo.accept(line);
            }
        });
        request.setErrorHandler(lines::add);
        request.setTimeoutInSeconds(300);
        Invoker invoker = new DefaultInvoker();
        invoker.setMavenHome(mavenHome.toFile());
        // that Maven's own script: left to itself, maven-invoker may pick a Maven Wrapper found above the sample project
        invoker.setMavenExecutable(mavenHome.resolve("bin/mvn").toFile());
        long start = System.currentTimeMillis();
        try {
            InvocationResult result = invoker.execute(request);
            String log = String.join("\n", lines);
            Result r = new Result(result.getExitCode(), log, System.currentTimeMillis() - start);
            for (String secret : SECRETS) {
                assertThat(log).as("a build log shows a password").doesNotContain(secret);
            }
            transcript(dir, args, r);
            return r;
        } catch (MavenInvocationException e) {
            throw new IllegalStateException("Could not run Maven in " + dir, e);
        }
    }
}
