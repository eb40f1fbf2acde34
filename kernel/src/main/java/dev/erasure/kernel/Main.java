package dev.erasure.kernel;

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
        if (args.length != 1) {
            System.err.println("usage: java -cp 'lib/*' dev.erasure.kernel.Main <connection-file.json>");
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
        connection.waitUntilClose();
        System.exit(0);
    }
}
