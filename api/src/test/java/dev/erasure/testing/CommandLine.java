package dev.erasure.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a command-line entry ({@code Main.run}, {@code ClusterMain.run}) expecting a user error: what
 * it printed is one "error: ..." message with no stack trace; {@link #err()} holds it.
 */
public final class CommandLine {
    /** A command's {@code run(args, err)}, returning its exit code. */
    public interface Command {
        int run(String[] args, PrintStream err);
    }

    private final Command command;
    private String err;

    public CommandLine(Command command) {
        this.command = command;
    }

    /** The exit code of a failing run; its stderr must be an error line, not a stack trace. */
    public int run(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int code = command.run(args, new PrintStream(b, true, StandardCharsets.UTF_8));
        err = b.toString(StandardCharsets.UTF_8);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertTrue(err.startsWith("error: "), err);
        return code;
    }

    /** A usage error: exit 2 with {@code fragment} in the message. */
    public void usage(String fragment, String... args) {
        assertEquals(2, run(args), err);
        assertTrue(err.contains(fragment), "'" + fragment + "' not in: " + err);
    }

    public String err() {
        return err;
    }
}
