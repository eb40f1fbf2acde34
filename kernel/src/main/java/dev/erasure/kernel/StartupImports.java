package dev.erasure.kernel;

import dev.erasure.progress.Task;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The startup snippet: a wildcard import for every package of the API that exists (JShell
 * rejects an import of a missing package, and the API grows issue by issue), the fixed
 * third-party imports of {@code imports.jsh}, and the notebook helpers.
 */
public final class StartupImports {
    private StartupImports() { }

    /** What the jshell tool's DEFAULT startup imports; the JShell API starts with nothing. */
    static final String JSHELL_DEFAULTS = String.join("\n",
            "import java.io.*;", "import java.math.*;", "import java.net.*;", "import java.nio.file.*;",
            "import java.util.*;", "import java.util.concurrent.*;", "import java.util.function.*;",
            "import java.util.prefs.*;", "import java.util.regex.*;", "import java.util.stream.*;", "");

    public static String all() {
        return JSHELL_DEFAULTS + apiImports() + thirdPartyImports() + "import static dev.erasure.kernel.Notebook.*;\n";
    }

    /** "import dev.erasure.x.*;" for each package of the API jar (or class folder in a build). */
    public static String apiImports() {
        StringBuilder s = new StringBuilder();
        for (String pkg : apiPackages()) s.append("import ").append(pkg).append(".*;\n");
        return s.toString();
    }

    static Set<String> apiPackages() {
        Set<String> packages = new TreeSet<>();
        try {
            Path where = Path.of(Task.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(where)) {
                try (Stream<Path> files = Files.walk(where)) {
                    files.map(p -> where.relativize(p).toString().replace('\\', '/')).forEach(n -> addPackage(n, packages));
                }
            } else {
                try (JarFile jar = new JarFile(where.toFile())) {
                    jar.stream().forEach(e -> addPackage(e.getName(), packages));
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            packages.add(Task.class.getPackageName());  // at least the progress types
        }
        return packages;
    }

    private static void addPackage(String entry, Set<String> packages) {
        if (!entry.startsWith("dev/erasure/") || !entry.endsWith(".class")) return;
        int slash = entry.lastIndexOf('/');
        String simple = entry.substring(slash + 1);
        if (simple.equals("package-info.class") || simple.equals("module-info.class")) return;
        packages.add(entry.substring(0, slash).replace('/', '.'));
    }

    public static String thirdPartyImports() {
        try (InputStream in = StartupImports.class.getResourceAsStream("imports.jsh")) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
