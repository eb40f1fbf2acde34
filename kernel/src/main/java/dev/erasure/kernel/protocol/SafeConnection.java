package dev.erasure.kernel.protocol;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.messages.HMACGenerator;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.publish.PublishStatus;
import org.zeromq.ZMQ;

/**
 * The base connection with its shell and control channels replaced by {@link SafeShellChannel}s.
 * The base constructor still creates its own two channel objects; they are never bound, only
 * closed with the rest.
 */
public final class SafeConnection extends JupyterConnection {
    private final KernelConnectionProperties props;
    private final ZMQ.Context safeContext = ZMQ.context(1);
    private final SafeShellChannel safeShell;
    private final SafeShellChannel safeControl;
    private boolean connected;

    public SafeConnection(KernelConnectionProperties props) throws Exception {
        super(props);
        this.props = props;
        HMACGenerator hmac = props.createHMACGenerator();
        WireFormat wire = new WireFormat(props.getSignatureScheme(), props.getKey());
        this.safeShell = new SafeShellChannel(safeContext, hmac, false, this, wire);
        this.safeControl = new SafeShellChannel(safeContext, hmac, true, this, wire);
    }

    @Override
    public synchronized void connect() {
        if (connected) return;
        heartbeat.bind(props);
        safeShell.bind(props);
        safeControl.bind(props);
        stdin.bind(props);
        iopub.bind(props);
        getIOPub().sendMessage(new Message<>(null, PublishStatus.MESSAGE_TYPE, PublishStatus.STARTING));
        connected = true;
    }

    @Override
    public void close() {
        safeShell.close();
        safeControl.close();
        super.close();
        safeContext.close();
    }

    @Override
    public void waitUntilClose() {
        safeShell.waitUntilClose();
        safeControl.waitUntilClose();
        super.waitUntilClose();
    }
}
