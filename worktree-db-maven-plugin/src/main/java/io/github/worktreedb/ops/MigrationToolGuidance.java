package io.github.worktreedb.ops;

import io.github.worktreedb.config.ConnectionSpec;
import io.github.worktreedb.core.Log;
import io.github.worktreedb.core.Secrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Other migration tools in the repository: prints the exact command that runs each against this worktree's database.
 * Guidance only; nothing is run.
 */
public final class MigrationToolGuidance {

    private static final Pattern NPM_SCRIPT = Pattern.compile("\"([^\"]*migrat[^\"]*)\"\\s*:", Pattern.CASE_INSENSITIVE);

    private MigrationToolGuidance() {}

    /** The commands, one per tool found (searched to depth 3, outside build and dependency folders). */
    public static List<String> commands(Path root, ConnectionSpec database) {
        String url = Secrets.redact("postgresql://" + (database.user() == null ? "" : database.user()
                + (database.password() == null ? "" : ":" + database.password()) + "@") + database.primary().host() + ":"
                + database.primary().port() + "/" + database.database());
        String env = "DATABASE_URL='" + url + "'";
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 3)) {
            for (Path f : (Iterable<Path>) files.filter(p -> !ignored(root, p))::iterator) {
                String name = f.getFileName().toString();
                String dir = root.relativize(f.getParent() == null ? root : f.getParent()).toString();
                String cd = dir.isEmpty() ? "" : "cd " + dir + " && ";
                if (name.equals("alembic.ini")) {
                    out.add("Alembic (" + rel(root, f) + "): " + cd + env + " alembic upgrade head");
                } else if (name.equals("schema.prisma")) {
                    out.add("Prisma (" + rel(root, f) + "): " + env + " npx prisma migrate deploy --schema " + rel(root, f));
                } else if (name.equals("manage.py")) {
                    out.add("Django (" + rel(root, f) + "): " + cd + env + " python manage.py migrate");
                } else if (name.matches("db\\.changelog-master\\.(xml|ya?ml|sql|json)") || name.equals("liquibase.properties")) {
                    out.add("Liquibase (" + rel(root, f) + "): " + cd + "liquibase --url=" + database.jdbcUrl() + " --username="
                            + database.user() + " --password=**** update");
                } else if (name.equals("package.json")) {
                    for (String script : npmMigrateScripts(f)) {
                        out.add("npm script '" + script + "' (" + rel(root, f) + "): " + cd + env + " npm run " + script);
                    }
                } else if (name.equals("migrate") && Files.isDirectory(f) && dir.endsWith("db")
                        && Files.exists(f.getParent().getParent().resolve("Gemfile"))) {
                    String app = root.relativize(f.getParent().getParent()).toString();
                    out.add("Rails (" + rel(root, f) + "): " + (app.isEmpty() ? "" : "cd " + app + " && ") + env
                            + " bin/rails db:migrate");
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return out;
        }
        return out;
    }

    public static void print(Path root, ConnectionSpec database, Log log) {
        List<String> commands = commands(root, database);
        if (!commands.isEmpty()) {
            log.info("Other migration tools in this repository (not run; the password is the one in your env file):");
            commands.forEach(c -> log.info("  " + c));
        }
    }

    private static boolean ignored(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            String s = part.toString();
            if (s.equals("node_modules") || s.equals("target") || s.equals(".git") || s.equals("build") || s.equals(".venv")
                    || s.equals("venv") || s.equals("dist")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> npmMigrateScripts(Path packageJson) {
        List<String> out = new ArrayList<>();
        try {
            String json = Files.readString(packageJson, StandardCharsets.UTF_8);
            int scripts = json.indexOf("\"scripts\"");
            if (scripts < 0) {
                return out;
            }
            int open = json.indexOf('{', scripts);
            int close = json.indexOf('}', open);
            if (open < 0 || close < 0) {
                return out;
            }
            Matcher m = NPM_SCRIPT.matcher(json.substring(open, close));
            while (m.find()) {
                out.add(m.group(1));
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static String rel(Path root, Path f) {
        return root.relativize(f).toString();
    }
}
