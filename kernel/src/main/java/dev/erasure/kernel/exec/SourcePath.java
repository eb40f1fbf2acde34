package dev.erasure.kernel.exec;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts the API's sources where JShell's Shift-Tab documentation reads javadoc. JShell (17 to 25)
 * reads javadoc only from the JDK's own {@code lib/src.zip}, never from the class path; its one
 * hook is a static source list meant for its tests, which this sets to the JDK's sources plus the
 * folders or zips named by {@value #PROPERTY} (install.sh ships the API's sources and sets it).
 * Reaching that field needs {@code --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED} on the kernel
 * JVM (install.sh adds it); without it, or on a JDK without the field, Shift-Tab shows signatures
 * and the JDK's javadoc only, as before.
 */
final class SourcePath {
    /** Path list ({@link File#pathSeparator}) of source folders or zips/jars: the API's sources. */
    static final String PROPERTY = "erasure.kernel.sources";

    private static boolean installed;

    private SourcePath() { }

    /** Sets JShell's source list once per JVM; returns null when done, else why not (for the kernel log). */
    static synchronized String install() {
        if (installed) return null;
        String spec = System.getProperty(PROPERTY, "");
        if (spec.isBlank()) return null;
        List<Path> roots = new ArrayList<>(jdkSources());
        for (String entry : spec.split(File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path p = Path.of(entry);
            try {
                if (Files.isDirectory(p)) roots.add(p);
                else if (Files.isRegularFile(p)) roots.add(open(p).getRootDirectories().iterator().next());
                else return PROPERTY + ": no such folder or zip: " + p;
            } catch (IOException | RuntimeException e) {
                return PROPERTY + ": cannot read " + p + " (" + e.getMessage() + ")";
            }
        }
        try {
            Field f = Class.forName("jdk.jshell.SourceCodeAnalysisImpl").getDeclaredField("availableSourcesOverride");
            f.setAccessible(true);
            f.set(null, List.copyOf(roots));
            installed = true;
            return null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "the API's javadoc is not available to Shift-Tab: " + e.getMessage()
                    + " (start the kernel JVM with --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED)";
        }
    }

    /** What JShell itself would use: the JDK's src.zip, one root per module in its modular layout. */
    private static List<Path> jdkSources() {
        Path home = Path.of(System.getProperty("java.home"));
        Path zip = home.resolve("lib").resolve("src.zip");
        if (!Files.isReadable(zip)) zip = home.getParent().resolve("src.zip");
        if (!Files.isReadable(zip)) return List.of();
        List<Path> out = new ArrayList<>();
        try {
            Path root = open(zip).getRootDirectories().iterator().next();
            if (Files.exists(root.resolve("java/lang/Object.java"))) return List.of(root);
            try (DirectoryStream<Path> modules = Files.newDirectoryStream(root)) {
                for (Path m : modules) if (Files.isDirectory(m)) out.add(m);
            }
        } catch (IOException | RuntimeException e) {
            return List.of();  // the JDK's javadoc is a nicety; the API's still works
        }
        return out;
    }

    /** A zip file system kept open for the life of the kernel (JShell reads from it on every Shift-Tab). */
    private static FileSystem open(Path zip) throws IOException {
        return FileSystems.newFileSystem(URI.create("jar:" + zip.toUri()), Map.of());
    }
}
