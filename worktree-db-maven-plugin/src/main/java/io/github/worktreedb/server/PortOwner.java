package io.github.worktreedb.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Who holds a local TCP port: something answering there, and (on Linux, where allowed) which process listens. */
public final class PortOwner {

    private PortOwner() {}

    /** Whether something accepts connections on {@code localhost:port} (IPv4 or IPv6 loopback). */
    public static boolean inUse(int port) {
        for (String host : List.of("127.0.0.1", "::1")) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 300);
                return true;
            } catch (IOException ignored) {
                // nothing there, or no such address
            }
        }
        return false;
    }

    /** {@code pid 1234 (python3 -m http.server 5442)} for the process listening on {@code port}, when it can be found. */
    public static Optional<String> describe(int port) {
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
                    String[] f = line.trim().split("\\s+");
                    // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; field 9 is the socket's inode
                    if (f.length > 9 && f[3].equals("0A")
                            && Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16) == port) {
                        inodes.add(f[9]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or not readable
            }
        }
        if (inodes.isEmpty()) {
            return Optional.empty();
        }
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try (var fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        String link = Files.readSymbolicLink(fd).toString();
                        if (link.startsWith("socket:[") && inodes.contains(link.substring(8, link.length() - 1))) {
                            return Optional.of("pid " + proc.getFileName() + " (" + commandLine(proc) + ")");
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, or not ours to look into
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static String commandLine(Path proc) throws IOException {
        byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
        String cmd = new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').strip();
        if (cmd.length() > 120) {
            cmd = cmd.substring(0, 117) + "...";
        }
        return cmd.isEmpty() ? Files.readString(proc.resolve("comm")).strip().toLowerCase(Locale.ROOT) : cmd;
    }
}
