package dev.erasure.kernel;

import ai.djl.engine.Engine;
import dev.erasure.kernel.magic.StartupTimes;
import dev.erasure.kernel.protocol.SafeConnection;
import io.github.spencerpark.jupyter.channels.JupyterSocket;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Started by Jupyter with the connection file: {@code java ... dev.erasure.kernel.Main conn.json}. */
public final class Main {
    private Main() { }

    public static void main(String[] args) throws Exception {
        StartupTimes.mark("jvm");
        if (args.length >= 1 && args[0].equals("--warm-up")) {
            warmUp(args.length > 1 && args[1].equals("engine"));
            return;
        }
        if (args.length != 1) {
            System.err.println("usage: java -cp 'lib/*' dev.erasure.kernel.Main <connection-file.json> | --warm-up");
            System.exit(2);
        }
        // The base library logs every message at INFO; only problems belong in Jupyter's log.
        Logger.getLogger("").setLevel(Level.WARNING);
        JupyterSocket.JUPYTER_LOGGER.setLevel(Level.WARNING);

        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        ErasureKernel kernel = new ErasureKernel();
        SafeConnection connection = new SafeConnection(props);
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        StartupTimes.mark("connect");
        connection.waitUntilClose();
        System.exit(0);
    }

    /**
     * Starts the kernel without a client, runs one cell (and with {@code engine}, loads DJL's
     * engine, as the first model call does) and exits, printing where the time went: the
     * start-up bench, bench/scripts/kernel-start.sh.
     */
    private static void warmUp(boolean engine) throws Exception {
        ErasureKernel kernel = new ErasureKernel();
        kernel.run("String.valueOf(1 + 1)", 1);
        StartupTimes.mark("first cell");
        if (engine) {
            Engine.getInstance();
            StartupTimes.mark("djl engine");
        }
        System.out.println(StartupTimes.describe());
        System.exit(0);
    }
}
