package dev.erasure.kernel.magic;

import dev.erasure.kernel.exec.CellError;
import dev.erasure.kernel.exec.CellSource;
import dev.erasure.kernel.exec.JShellSession;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's magics. A cell that starts with {@code %%name} is handed whole to a cell magic
 * ({@code %%html}, {@code %%markdown}). Lines that start with {@code %name} are line magics
 * ({@code %classpath}, {@code %load}, {@code %jvm}); they run first and are blanked out of the
 * Java code, so the cell's line numbers in errors stay right.
 */
public final class Magics {
    private static final Pattern LINE_MAGIC = Pattern.compile("^\\s*%([A-Za-z]\\w*)(.*)$");
    private static final Pattern CELL_MAGIC = Pattern.compile("^\\s*%%([A-Za-z]\\w*)([^\\n]*)(?:\\n(.*))?$", Pattern.DOTALL);

    /** What is left to do after the magics: Java code to run, or a value to show instead. */
    public record Result(String javaCode, DisplayData value) { }

    private final JShellSession session;

    public Magics(JShellSession session) {
        this.session = session;
    }

    public static boolean isCellMagic(String code) {
        return CELL_MAGIC.matcher(code).matches();
    }

    public Result apply(String code) throws Exception {
        Matcher cell = CELL_MAGIC.matcher(code);
        if (cell.matches()) return new Result("", cellMagic(cell.group(1), cell.group(2).strip(), cell.group(3) == null ? "" : cell.group(3)));
        String[] lines = code.split("\n", -1);
        boolean any = false;
        for (int i = 0; i < lines.length; i++) {
            Matcher m = LINE_MAGIC.matcher(lines[i]);
            if (!m.matches()) continue;
            lineMagic(m.group(1), m.group(2).strip());
            lines[i] = "";
            any = true;
        }
        return new Result(any ? String.join("\n", lines) : code, null);
    }

    private DisplayData cellMagic(String name, String args, String body) throws CellError {
        DisplayData out = new DisplayData();
        switch (name) {
            case "html" -> { out.putHTML(body); out.putText(body); }
            case "markdown", "md" -> { out.putMarkdown(body); out.putText(body); }
            default -> throw unknown("%%" + name, "%%html, %%markdown");
        }
        return out;
    }

    private void lineMagic(String name, String args) throws Exception {
        switch (name) {
            case "classpath", "cp" -> classpath(args);
            case "load" -> load(args);
            case "jvm" -> System.out.print(JvmInfo.describe());
            default -> throw unknown("%" + name, "%classpath, %load, %jvm, %%html, %%markdown");
        }
    }

    private static CellError unknown(String magic, String known) {
        String msg = "unknown magic " + magic + " (known: " + known + ")";
        return new CellError("UnknownMagic", msg, List.of("UnknownMagic: " + msg));
    }

    /** %classpath jar|dir|glob ... adds to the class path; without arguments prints it. */
    private void classpath(String args) throws Exception {
        if (args.isEmpty()) {
            System.out.println(String.join("\n", System.getProperty("java.class.path").split(File.pathSeparator)));
            return;
        }
        for (String arg : args.split("\\s+")) {
            List<Path> paths = expand(arg);
            if (paths.isEmpty()) throw new CellError("FileNotFoundException", "no jar or folder matches " + arg, List.of("%classpath: nothing matches " + arg));
            for (Path p : paths) {
                session.addToClasspath(p.toAbsolutePath().toString());
                System.out.println("added to class path: " + p.toAbsolutePath());
            }
        }
    }

    /** A path, or a glob in its last element ("lib/*.jar"); a folder is taken as a class folder. */
    static List<Path> expand(String arg) throws IOException {
        Path path = Path.of(arg.startsWith("~/") ? System.getProperty("user.home") + arg.substring(1) : arg);
        List<Path> out = new ArrayList<>();
        String last = path.getFileName() == null ? "" : path.getFileName().toString();
        if (last.contains("*") || last.contains("?")) {
            Path dir = path.getParent() == null ? Path.of(".") : path.getParent();
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, last.equals("*") ? "*.jar" : last)) {
                    ds.forEach(out::add);
                }
            }
            out.sort(null);
        } else if (Files.exists(path)) {
            out.add(path);
        }
        return out;
    }

    /** %load file.jsh: runs the file's Java in this kernel; JShell commands like /exit are skipped. */
    private void load(String args) throws Exception {
        if (args.isEmpty()) throw new CellError("IllegalArgumentException", "%load needs a file", List.of("usage: %load file.jsh"));
        Path file = Path.of(args.startsWith("~/") ? System.getProperty("user.home") + args.substring(1) : args);
        if (!Files.isRegularFile(file)) throw new CellError("FileNotFoundException", file.toString(), List.of("%load: no such file: " + file.toAbsolutePath()));
        String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].matches("^\\s*/[a-z]+.*$")) lines[i] = "";  // /exit, /open ... are jshell-tool commands
        }
        Result inner = apply(String.join("\n", lines));
        session.eval(CellSource.file(inner.javaCode(), file.toString()));
    }
}
