package io.github.worktreedb.server;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The plugin's marker on a worktree server's directory ({@code worktree-db-server.properties}): which worktree and
 * branch it serves, on which port, with which PostgreSQL. A directory without it is never stopped or deleted.
 */
public record ServerMarker(String worktree, String branch, int port, String version, String bin, String createdAt,
        String pluginVersion) {

    public static final String FILE = "worktree-db-server.properties";
    public static final String KIND = "worktree-server";

    public static Optional<ServerMarker> read(Path serverDir) {
        Path file = serverDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!"worktree-db".equals(p.getProperty("tool")) || !KIND.equals(p.getProperty("kind"))) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(p.getProperty("port", "0"));
        } catch (NumberFormatException e) {
            port = 0;
        }
        return Optional.of(new ServerMarker(p.getProperty("worktree"), p.getProperty("branch"), port,
                p.getProperty("version"), p.getProperty("bin"), p.getProperty("createdAt"), p.getProperty("pluginVersion")));
    }

    public void write(Path serverDir) throws IOException {
        Properties p = new Properties();
        p.setProperty("tool", "worktree-db");
        p.setProperty("kind", KIND);
        p.setProperty("worktree", worktree);
        p.setProperty("branch", branch == null ? "" : branch);
        p.setProperty("port", Integer.toString(port));
        p.setProperty("version", version);
        p.setProperty("bin", bin);
        p.setProperty("createdAt", createdAt);
        p.setProperty("pluginVersion", pluginVersion == null ? "unknown" : pluginVersion);
        Path tmp = serverDir.resolve(FILE + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "worktree-db: this worktree's own PostgreSQL server (isolation=server); delete only with "
                    + "mvn worktree-db:cleanup");
        }
        Files.move(tmp, serverDir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public ServerMarker withPort(int newPort) {
        return new ServerMarker(worktree, branch, newPort, version, bin, createdAt, pluginVersion);
    }

    public ServerMarker withBin(PgBinaries b) {
        return new ServerMarker(worktree, branch, port, b.version(), b.bin().toString(), createdAt, pluginVersion);
    }
}
