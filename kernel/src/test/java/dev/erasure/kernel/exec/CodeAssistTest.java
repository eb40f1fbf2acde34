package dev.erasure.kernel.exec;

import dev.erasure.kernel.StartupImports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shift-Tab (inspect_request): the API's javadoc from its shipped sources (the build points
 * erasure.kernel.sources at api/src/main/java, as install.sh does at the installed copy), the
 * JDK's, and a variable's type and value.
 */
class CodeAssistTest {
    static JShellSession session;
    static CodeAssist assist;

    @BeforeAll
    static void start() throws Exception {
        session = new JShellSession(new ExecutionThread());
        session.runStartup(StartupImports.all(), System.err);
        assist = new CodeAssist(session);
    }

    @AfterAll
    static void stop() {
        session.close();
    }

    /** Inspects {@code code} with the cursor just after {@code at}'s first occurrence. */
    private static String inspect(String code, String at) throws Exception {
        return assist.inspect(code, code.indexOf(at) + at.length(), false);
    }

    @Test
    void apiJavadocSummaryIsShown() throws Exception {
        String of = inspect("var e = Erasure.of(model);", "Erasure.of");
        assertTrue(of.contains("Erasure.of(") && of.contains("Erasure of concepts from a loaded Stable Diffusion's UNet"), of);
        String adversarial = inspect("Preserve.adversarial(100)", "Preserve.advers");
        assertTrue(adversarial.contains("EAP with K candidate concepts"), adversarial);
        // Debian's JDK ships lib/src.zip only with openjdk-17-source; where it is there, its javadoc still shows
        if (Files.isReadable(Path.of(System.getProperty("java.home"), "lib", "src.zip"))) {
            String abs = inspect("Math.abs(-1)", "Math.abs");
            assertTrue(abs.contains("absolute value"), "the JDK's javadoc is still found: " + abs);
        }
    }

    @Test
    void variableShowsTypeAndValue() throws Exception {
        session.eval(new CellSource("List<String> words = List.of(\"church\", \"tree\");", 1));
        assertEquals("words : List<String>\n[church, tree]", inspect("words.size()", "wor"));
        session.eval(new CellSource("String big = \"x\".repeat(5000);", 2));
        String big = inspect("big", "big");
        assertTrue(big.startsWith("big : String\n") && big.length() < 600 && big.endsWith(" …"), "a long value is cut: " + big.length());
        assertNull(inspect("nosuchname", "nosuch"), "not a variable, not a known name");
        session.eval(new CellSource("Object odd = new Object() { public String toString() { throw new IllegalStateException(\"no\"); } };", 3));
        String odd = inspect("odd", "odd");
        assertTrue(odd.startsWith("odd : Object\n"), "a failing toString does not fail Shift-Tab: " + odd);
    }
}
