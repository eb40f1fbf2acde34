package dev.erasure;

import jdk.jshell.DeclarationSnippet;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.VarSnippet;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The {@code ```java} blocks of README.md (and of kernel/README.md, when it has any) compile in
 * JShell against the library on the test class path, with the imports a notebook or
 * {@code install/jshell.sh} script gets: the jshell tool's defaults, a wildcard import per API
 * package and the kernel's {@code imports.jsh}.
 *
 * <p><b>Compile-checked, not run.</b> The snippets load real Stable Diffusion weights
 * ({@code Path.of("sd14")}) that no test can have, so running them would only test that a missing
 * folder is reported. Each block is therefore declared as the body of a method that is never
 * called: JShell compiles it completely (types, overloads, checked exceptions inside
 * {@code throws Exception}), and a block is accepted only when that method is VALID, i.e. compiled
 * with no error <i>and no unresolved name</i> (JShell would otherwise accept a misspelt class as a
 * forward reference). Blocks are read top-down as one notebook: the variables a block declares are
 * then declared (without running their initialisers) for the blocks below, so a later block may use
 * {@code sd} from an earlier one.
 */
class ReadmeSnippetsTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\s*\\n(.*?)^```");

    @Test
    void readmeJavaBlocksCompile() throws IOException {
        Path root = repositoryRoot();
        List<String> blocks = new ArrayList<>(blocks(root.resolve("README.md")));
        int main = blocks.size();
        Path kernelReadme = root.resolve("kernel/README.md");
        if (Files.exists(kernelReadme)) blocks.addAll(blocks(kernelReadme));
        assertTrue(main > 0, "README.md has no ```java block: the test would check nothing");
        List<String> failures = new ArrayList<>();
        try (JShell shell = JShell.builder().executionEngine("local").build()) {
            for (String path : classPath()) shell.addToClasspath(path);
            for (String imp : imports(root)) {
                SnippetEvent e = shell.eval(imp).get(0);
                if (e.status() != Snippet.Status.VALID) failures.add("import rejected: " + imp.strip());
            }
            for (int i = 0; i < blocks.size(); i++) {
                String where = (i < main ? "README.md" : "kernel/README.md") + " java block " + (i < main ? i + 1 : i - main + 1);
                check(shell, blocks.get(i), i, where, failures);
            }
        }
        if (!failures.isEmpty()) fail(failures.size() + " README snippet problem(s):\n" + String.join("\n", failures));
    }

    /** Compiles one block as a method body; then declares its variables for the blocks below. */
    private static void check(JShell shell, String block, int index, String where, List<String> failures) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        List<String> statements = new ArrayList<>();
        String rest = block;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(rest);
            if (!info.completeness().isComplete()) {
                failures.add(where + ": incomplete statement: " + rest.strip());
                return;
            }
            statements.add(info.source());
            rest = info.remaining();
        }
        String method = "void readmeBlock" + index + "() throws Exception {\n" + String.join("\n", statements) + "\n}";
        for (SnippetEvent e : shell.eval(method)) {
            // one event per snippet changed; only the block's own method is reported
            if (e.causeSnippet() != null || e.snippet() == null || e.status() == Snippet.Status.VALID) continue;
            String diagnostics = shell.diagnostics(e.snippet())
                    .map(d -> d.getMessage(Locale.ROOT).replaceAll("\\s+", " ")).distinct().collect(Collectors.joining("; "));
            String unresolved = e.snippet() instanceof DeclarationSnippet d
                    ? shell.unresolvedDependencies(d).collect(Collectors.joining(", ")) : "";
            failures.add(where + ": " + e.status() + (diagnostics.isEmpty() ? "" : " — " + diagnostics)
                    + (unresolved.isEmpty() ? "" : " — unresolved: " + unresolved));
        }
        for (String s : statements) {
            for (Snippet snippet : analysis.sourceToSnippets(s)) {
                if (snippet instanceof VarSnippet v) shell.eval(v.typeName() + " " + v.name() + ";");
            }
        }
    }

    static List<String> blocks(Path markdown) throws IOException {
        Matcher m = JAVA_BLOCK.matcher(Files.readString(markdown));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** What a notebook starts with (kernel StartupImports): jshell defaults, API packages, imports.jsh. */
    private static List<String> imports(Path root) throws IOException {
        List<String> out = new ArrayList<>(List.of("java.io.*", "java.math.*", "java.net.*", "java.nio.file.*", "java.util.*",
                "java.util.concurrent.*", "java.util.function.*", "java.util.prefs.*", "java.util.regex.*", "java.util.stream.*"));
        out.replaceAll(p -> "import " + p + ";");
        Path classes = Path.of(URI.create(Erasure.class.getProtectionDomain().getCodeSource().getLocation().toString()));
        try (Stream<Path> files = Files.walk(classes)) {
            files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().startsWith("package-info"))
                    .map(p -> classes.relativize(p.getParent()).toString().replace(File.separatorChar, '.'))
                    .filter(p -> p.startsWith("dev.erasure")).distinct().sorted()
                    .forEach(p -> out.add("import " + p + ".*;"));
        }
        Path jsh = root.resolve("kernel/src/main/resources/dev/erasure/kernel/imports.jsh");
        assertTrue(Files.exists(jsh), "the kernel's imports are read from " + jsh);
        for (String line : Files.readAllLines(jsh)) if (line.startsWith("import ")) out.add(line);
        return out;
    }

    /** The test class path, unpacking surefire's manifest-only jar when it is used. */
    private static List<String> classPath() throws IOException {
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("surefirebooter") && entry.endsWith(".jar")) {
                try (JarFile jar = new JarFile(entry)) {
                    String cp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                    for (String url : cp.trim().split("\\s+")) out.add(Path.of(URI.create(url)).toString());
                }
            } else {
                out.add(entry);
            }
        }
        return out;
    }

    /** The folder holding README.md: the working directory (api/ under Maven) or one of its parents. */
    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("README.md")) && Files.exists(p.resolve("api"))) return p;
        }
        throw new IllegalStateException("no README.md above " + Path.of("").toAbsolutePath());
    }
}
