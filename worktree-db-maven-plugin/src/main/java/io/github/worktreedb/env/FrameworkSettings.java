package io.github.worktreedb.env;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.config.DatabaseUrls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the main database in framework configuration files ({@code application*.properties}, {@code .yml},
 * {@code .yaml} under {@code src/main/resources}) — files that are usually committed and that rewrite-env therefore
 * never changes — and names the environment variable that overrides each setting for one worktree.
 */
public final class FrameworkSettings {

    /** A framework setting that names the main database. */
    public record Finding(Path file, int line, String key, String rawUrl, String environmentVariable) {
        /** The same URL with only the database name changed. */
        public String rewritten(String target) {
            return DatabaseUrls.replaceDatabase(rawUrl, target);
        }
    }

    private static final Pattern URL = Pattern.compile("(jdbc:postgresql:[^\\s\"'#,]+|postgres(?:ql)?://[^\\s\"'#,]+)");
    private static final Pattern CONFIG_FILE = Pattern.compile("(application|bootstrap)([-.][\\w-]+)?\\.(properties|ya?ml)");

    private FrameworkSettings() {}

    /** The config files under {@code src/main/resources} of these directories and their direct sub-directories. */
    public static List<Path> candidates(Path... roots) {
        Set<Path> out = new LinkedHashSet<>();
        for (Path root : roots) {
            List<Path> dirs = new ArrayList<>(List.of(root));
            try (Stream<Path> children = Files.list(root)) {
                children.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith("."))
                        .filter(d -> !List.of("target", "node_modules", "build").contains(d.getFileName().toString()))
                        .sorted()
                        .forEach(dirs::add);
            } catch (IOException e) {
                continue;
            }
            for (Path dir : dirs) {
                Path resources = dir.resolve("src/main/resources");
                if (!Files.isDirectory(resources)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(resources)) {
                    files.filter(f -> CONFIG_FILE.matcher(f.getFileName().toString()).matches())
                            .map(f -> f.toAbsolutePath().normalize()).sorted().forEach(out::add);
                } catch (IOException ignored) {
                    // an unreadable directory has nothing to say
                }
            }
        }
        return List.copyOf(out);
    }

    /** The settings in {@code file} that name the main database on its server. */
    public static List<Finding> find(Path file, ConnectionSpec main) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
        boolean yaml = !file.getFileName().toString().endsWith(".properties");
        String whole = String.join("\n", lines);
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("#")) {
                continue;
            }
            Matcher m = URL.matcher(line);
            if (!m.find()) {
                continue;
            }
            String raw = m.group(1);
            ConnectionSpec spec;
            try {
                spec = DatabaseUrls.parse(raw).withDefaults(main.user());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!main.database().equals(spec.database()) || !EnvRewritePlan.sameServer(spec, main)) {
                continue;
            }
            String key = keyOf(line, yaml);
            out.add(new Finding(file, i + 1, key, raw, environmentVariable(key, yaml, whole)));
        }
        return out;
    }

    private static String keyOf(String line, boolean yaml) {
        String t = line.strip();
        int sep = yaml ? t.indexOf(':') : indexOfSeparator(t);
        return sep > 0 ? t.substring(0, sep).strip() : "?";
    }

    private static int indexOfSeparator(String t) {
        int eq = t.indexOf('=');
        int colon = t.indexOf(':');
        return eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    }

    /** Spring Boot's relaxed binding (upper case, dots to '_', dashes dropped); Quarkus alike; else none. */
    private static String environmentVariable(String key, boolean yaml, String whole) {
        if (!yaml && (key.startsWith("spring.") || key.startsWith("quarkus.") || key.startsWith("datasources."))) {
            return key.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
        }
        if (yaml && key.equals("url") && whole.contains("spring:")) {
            return "SPRING_DATASOURCE_URL";
        }
        if (yaml && key.equals("jdbc-url") || yaml && whole.contains("quarkus:")) {
            return "QUARKUS_DATASOURCE_JDBC_URL";
        }
        return null;
    }
}
