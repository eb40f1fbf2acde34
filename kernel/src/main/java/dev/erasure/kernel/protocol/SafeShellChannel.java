package dev.erasure.kernel.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.ShellChannel;
import io.github.spencerpark.jupyter.channels.ShellHandler;
import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.messages.HMACGenerator;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageType;
import org.zeromq.ZMQ;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A shell or control channel that survives anything a client sends. Unlike the base
 * library's loop it reads whole messages, checks every signature before parsing, rejects and
 * logs bad messages instead of dying on them, blocks in poll instead of sleeping 50 ms, and
 * answers request types the base library does not know with an error reply instead of silence.
 */
final class SafeShellChannel extends ShellChannel {
    private static final Logger LOG = Logger.getLogger("dev.erasure.kernel.protocol");

    private final JupyterConnection connection;
    private final WireFormat wire;
    private final String name;
    private final RejectLog rejects;
    private volatile boolean running;
    private Thread loop;

    SafeShellChannel(ZMQ.Context context, HMACGenerator hmac, boolean isControl, JupyterConnection connection, WireFormat wire) {
        super(context, hmac, isControl, connection);
        this.connection = connection;
        this.wire = wire;
        this.name = isControl ? "control" : "shell";
        this.rejects = new RejectLog(LOG, name);
    }

    @Override
    public void bind(KernelConnectionProperties props) {
        int port = name.equals("control") ? props.getControlPort() : props.getShellPort();
        bind(formatAddress(props.getTransport(), props.getIp(), port));
        running = true;
        loop = new Thread(this::run, "erasure-" + name);
        loop.start();
    }

    private void run() {
        ZMQ.Poller poller = ctx.poller(1);
        poller.register(this, ZMQ.Poller.POLLIN);
        while (running) {
            try {
                if (poller.poll(100) > 0 && poller.pollin(0)) handle(receiveAll());
            } catch (Throwable t) {
                if (!running || closed) break;
                LOG.log(Level.WARNING, name + " channel: " + t, t);  // keep serving
            }
        }
    }

    private synchronized List<byte[]> receiveAll() {
        List<byte[]> frames = new ArrayList<>();
        do {
            byte[] frame = recv(ZMQ.DONTWAIT);
            if (frame == null) break;
            frames.add(frame);
        } while (hasReceiveMore());
        return frames;
    }

    private void handle(List<byte[]> raw) {
        WireFormat.Frames frames;
        Message<?> message;
        try {
            frames = wire.split(raw);
            wire.verify(frames);
            message = wire.parse(frames);
        } catch (WireFormat.Rejected r) {
            rejects.reject(r.getMessage());
            return;
        }
        @SuppressWarnings({"rawtypes", "unchecked"})
        ShellHandler<Object> handler = (ShellHandler) connection.getHandler((MessageType) message.getHeader().getType());
        if (message.getHeader().getType() == MessageType.UNKNOWN || handler == null) {
            replyUnsupported(frames);
            return;
        }
        ShellReplyEnvironment env = connection.prepareReplyEnv(this, message);
        try {
            @SuppressWarnings("unchecked")
            Message<Object> m = (Message<Object>) message;
            handler.handle(env, m);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "handling " + message.getHeader().getType().getName() + " failed: " + t, t);
        } finally {
            env.resolveDeferrals();
        }
        if (env.isMarkedForShutdown()) {
            running = false;
            connection.close();
        }
    }

    /** Every request gets a reply: "x_request" that nobody handles gets an error "x_reply". */
    private void replyUnsupported(WireFormat.Frames request) {
        String type = WireFormat.msgType(request.header());
        if (!type.endsWith("_request")) {
            rejects.reject("no handler for message type '" + type + "'");
            return;
        }
        String replyType = type.substring(0, type.length() - "_request".length()) + "_reply";
        JsonObject header = new JsonObject();
        header.addProperty("msg_id", UUID.randomUUID().toString());
        header.addProperty("username", "kernel");
        header.addProperty("session", WireFormat.session(request.header()));
        header.addProperty("date", Instant.now().toString());
        header.addProperty("msg_type", replyType);
        header.addProperty("version", "5.3");
        JsonObject content = new JsonObject();
        content.addProperty("status", "error");
        content.addProperty("ename", "UnsupportedRequest");
        content.addProperty("evalue", "the Erasure kernel does not support " + type);
        content.add("traceback", new JsonArray());
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] meta = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] c = content.toString().getBytes(StandardCharsets.UTF_8);
        String signature = wire.sign(h, request.header(), meta, c);
        synchronized (this) {
            for (byte[] id : request.identities()) sendMore(id);
            sendMore(WireFormat.DELIMITER);
            sendMore(signature.getBytes(StandardCharsets.US_ASCII));
            sendMore(h);
            sendMore(request.header());
            sendMore(meta);
            send(c);
        }
    }

    @Override
    public void close() {
        running = false;
        super.close();
    }

    @Override
    public void waitUntilClose() {
        Thread t = loop;
        if (t == null || t == Thread.currentThread()) return;
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
