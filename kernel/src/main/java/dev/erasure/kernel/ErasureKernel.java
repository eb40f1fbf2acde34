package dev.erasure.kernel;

import dev.erasure.kernel.display.DisplaySink;
import dev.erasure.kernel.display.ProgressBars;
import dev.erasure.kernel.display.RendererRegistry;
import dev.erasure.kernel.display.StandardRenderers;
import dev.erasure.kernel.exec.CellError;
import dev.erasure.kernel.exec.CellSource;
import dev.erasure.kernel.exec.CodeAssist;
import dev.erasure.kernel.exec.ExecutionThread;
import dev.erasure.kernel.exec.JShellSession;
import dev.erasure.kernel.magic.Magics;
import dev.erasure.kernel.magic.StartupTimes;
import dev.erasure.kernel.protocol.AbortedReply;
import dev.erasure.kernel.protocol.KernelInfoReplyOk;
import dev.erasure.progress.Task;
import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.JupyterIO;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import io.github.spencerpark.jupyter.kernel.history.HistoryManager;
import io.github.spencerpark.jupyter.messages.Header;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.publish.PublishError;
import io.github.spencerpark.jupyter.messages.publish.PublishExecuteInput;
import io.github.spencerpark.jupyter.messages.publish.PublishExecuteResult;
import io.github.spencerpark.jupyter.messages.reply.ErrorReply;
import io.github.spencerpark.jupyter.messages.reply.ExecuteReply;
import io.github.spencerpark.jupyter.messages.request.ExecuteRequest;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Collections;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * The Erasure Jupyter kernel: an in-process JShell on one long-lived execution thread, with
 * rich display, progress bars, magics and a working interrupt, on top of the base library's
 * protocol handling (whose gaps it fills: kernel_info status, history, execute errors).
 */
public final class ErasureKernel extends BaseKernel {
    public static final String VERSION = "0.1.0";

    private final KernelIO io = new KernelIO();
    private final ExecutionThread executor = new ExecutionThread();
    private final JShellSession session;
    private final CodeAssist assist;
    private final Magics magics;
    private final RendererRegistry renderers;
    private final ProgressBars progress;
    private final CellHistory history = new CellHistory();
    /** Set when a cell sent with stop_on_error fails: execute requests sent before then are aborted. */
    private volatile Instant abortSentBefore;
    private final LanguageInfo languageInfo = new LanguageInfo.Builder("java")
            .version(Runtime.version().toString())
            .mimetype("text/x-java-source")
            .fileExtension(".jshell")
            .pygments("java")
            .codemirror("text/x-java")
            .build();

    public ErasureKernel() throws Exception {
        renderers = StandardRenderers.registerAll(new RendererRegistry()).loadProviders(getClass().getClassLoader());
        DisplaySink sink = new DisplaySink() {
            @Override public void display(DisplayData data) { io.display.display(data); }

            @Override public void update(DisplayData data) { io.display.updateDisplay(data); }
        };
        progress = new ProgressBars(sink);
        Task.addGlobalListener(progress);
        Notebook.attach(renderers, sink);
        StartupTimes.mark("renderers");
        session = new JShellSession(executor);
        StartupTimes.mark("jshell");
        session.runStartup(StartupImports.all(), System.err);
        StartupTimes.mark("imports");
        assist = new CodeAssist(session);
        magics = new Magics(session);
    }

    @Override
    public void becomeHandlerForConnection(JupyterConnection connection) {
        super.becomeHandlerForConnection(connection);
        connection.setHandler(MessageType.EXECUTE_REQUEST, this::handleExecute);
        connection.setHandler(MessageType.HISTORY_REQUEST, history::handle);
        connection.setHandler(MessageType.KERNEL_INFO_REQUEST, (env, msg) -> {
            env.setBusyDeferIdle();
            env.reply(new KernelInfoReplyOk(Header.PROTOCOL_VERISON, "erasure-kernel", VERSION,
                    getLanguageInfo(), getBanner(), getHelpLinks()));
        });
    }

    /**
     * Our own execute_request handler: the base one names errors after the Java exception
     * class of its wrapper, keeps no history and loses output printed without a newline.
     */
    private void handleExecute(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        if (queuedBehindFailure(message)) {
            env.setBusyDeferIdle();
            env.reply(new AbortedReply());
            return;
        }
        String code = request.getCode() == null ? "" : request.getCode();
        boolean silent = request.isSilent();
        boolean store = request.shouldStoreHistory() && !silent;
        int count = store ? executionCount.getAndIncrement() : executionCount.get();
        env.setBusyDeferIdle();
        if (!silent) env.publish(new PublishExecuteInput(code, count));

        PrintStream out = System.out, err = System.err;
        InputStream in = System.in;
        System.setOut(io.out);
        System.setErr(io.err);
        System.setIn(io.in);
        io.attach(env, request.isStdinEnabled());
        String shown = "";
        try {
            Object value = run(code, count);
            progress.reset();
            if (value != JShellSession.NO_VALUE && !silent) {
                DisplayData data = renderers.render(value);
                shown = String.valueOf(data.getData(MIMEType.TEXT_PLAIN));
                env.publish(new PublishExecuteResult(count, data));
            }
            env.defer().reply(new ExecuteReply(count, Collections.emptyMap()));
        } catch (Throwable t) {
            progress.reset();
            // Run All queues every cell at once; like IPython, skip those queued behind a failure.
            if (request.shouldStopOnError()) abortSentBefore = Instant.now();
            CellError e = t instanceof CellError c ? c
                    : new CellError(t.getClass().getName(), String.valueOf(t.getMessage()), List.of(t.toString()));
            env.publish(new PublishError(e.ename(), e.evalue(), e.traceback()));
            ErrorReply reply = new ErrorReply(e.ename(), e.evalue(), e.traceback());
            reply.setExecutionCount(count);
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), reply);
        } finally {
            io.detach(env);
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
            if (store) history.add(count, code, shown);
        }
    }

    /**
     * Whether this request was sent before a failed stop_on_error cell ended. Requests carry the
     * client's send time; a request sent after the failure (the user's next cell) runs.
     */
    private boolean queuedBehindFailure(Message<ExecuteRequest> message) {
        Instant failed = abortSentBefore;
        if (failed == null || message.getHeader().getTimestamp() == null) return false;
        try {  // ISO 8601 with an offset; the base library's own parser rejects microseconds
            return OffsetDateTime.parse(message.getHeader().getTimestamp().getDateString()).toInstant().isBefore(failed);
        } catch (RuntimeException unparsable) {
            return false;
        }
    }

    /** Magics first, then the Java code; returns the value to show or {@code NO_VALUE}. */
    Object run(String code, int count) throws Exception {
        Magics.Result m = magics.apply(code);
        if (m.value() != null) return m.value();
        return session.eval(new CellSource(m.javaCode(), count));
    }

    @Override
    public DisplayData eval(String code) throws Exception {
        Object value = run(code, executionCount.get());
        return value == JShellSession.NO_VALUE ? null : renderers.render(value);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        CodeAssist.Completion c = assist.complete(code, at);
        return new ReplacementOptions(c.matches(), c.start(), c.end());
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) throws Exception {
        String doc = assist.inspect(code, at, extraDetail);
        return doc == null ? null : new DisplayData(doc);
    }

    @Override
    public String isComplete(String code) {
        if (Magics.isCellMagic(code) || code.strip().startsWith("%")) return IS_COMPLETE_YES;
        return switch (session.completeness(code)) {
            case "complete" -> IS_COMPLETE_YES;
            case "invalid" -> IS_COMPLETE_BAD;
            case "incomplete" -> code.stripTrailing().endsWith("{") ? "    " : "";
            default -> IS_COMPLETE_MAYBE;
        };
    }

    @Override
    public void interrupt() {
        executor.interrupt();
    }

    @Override
    public HistoryManager getHistoryManager() {
        return history;
    }

    @Override
    public LanguageInfo getLanguageInfo() {
        return languageInfo;
    }

    @Override
    public String getBanner() {
        return "Erasure kernel " + VERSION + " (Java " + Runtime.version() + ", JShell). %jvm shows the engine and device.";
    }

    @Override
    public List<LanguageInfo.Help> getHelpLinks() {
        return List.of(new LanguageInfo.Help("Java API", "https://docs.oracle.com/en/java/javase/17/docs/api/"));
    }

    @Override
    public JupyterIO getIO() {
        return io;
    }

    @Override
    public void display(DisplayData data) {
        io.display.display(data);
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        Task.removeGlobalListener(progress);
    }

    JShellSession session() {
        return session;
    }
}
