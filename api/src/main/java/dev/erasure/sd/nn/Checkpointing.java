package dev.erasure.sd.nn;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Gradient checkpointing without custom autograd functions, which DJL cannot define: a checkpointed block runs
 * with grad mode off (autograd keeps none of its activations) and its output becomes a leaf that requires grad,
 * recorded on this thread's tape with the block and its inputs. After the loss's backward has filled the leaves'
 * gradients, {@link #backwardPending} runs the tape newest first: each block again with grad mode on, then
 * {@code backward(output, output.grad)} through it, which adds to its weights' gradients and to its inputs' (an
 * earlier block's leaf, or a tensor whose graph leads back to one). Newest first is a valid order because a block's
 * inputs come from blocks recorded before it. Graphs are retained on these backwards: the pieces between blocks
 * (a downsampler whose output feeds the next resnet and a skip) are reached from more than one block.
 *
 * <p>{@code train.Gradients}' collector runs a loss's backward through {@link #backward} while blocks are pending
 * and calls {@link #clear} on close, so every erasure method gets it without a line of its own.
 */
public final class Checkpointing {
    /** One checkpointed block: what to run again, on what, and the leaf that stood for its output. */
    private record Block(Function<NDArray[], NDArray> body, NDArray[] inputs, NDArray output) {
    }

    private static final ThreadLocal<Deque<Block>> TAPE = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<Boolean> RECOMPUTING = ThreadLocal.withInitial(() -> false);
    private static final AtomicLong RUN_AGAIN = new AtomicLong();

    private Checkpointing() {
    }

    /**
     * {@code body(inputs)} in its own NDScope (only the result kept, {@link Scopes#keepOnly}), checkpointed when
     * grad mode is on and no block is being run again (a nested block runs plainly inside its checkpointed parent).
     * Whether the inputs require grad cannot be asked: DJL's {@code requiresGrad} answers false for every tensor an
     * op made (measured: {@code x.mul(2)} of a leaf that requires grad, with grad_fn MulBackward0), so a block no
     * gradient passes is run again for nothing (its backward is then skipped).
     */
    public static NDArray run(Function<NDArray[], NDArray> body, NDArray... inputs) {
        if (!JniUtils.isGradMode() || RECOMPUTING.get()) {
            return Scopes.keepOnly(() -> body.apply(inputs));
        }
        NDArray out;
        JniUtils.setGradMode(false);
        try {
            // detached alias: an identity block (a boundary) must not make its input itself a leaf
            out = Scopes.keepOnly(() -> body.apply(inputs).stopGradient());
        } finally {
            JniUtils.setGradMode(true);
        }
        out.setRequiresGradient(true);
        TAPE.get().push(new Block(body, inputs.clone(), out));
        return out;
    }

    /**
     * {@code x} itself, or under checkpointing a leaf standing for it whose gradient reaches {@code x}'s graph once,
     * after every block that read it: for a tensor many blocks read (the time embedding, the text states), whose
     * graph would otherwise be walked once per block (a trained text encoder's, 16 times for SD-1.4).
     */
    public static NDArray boundary(NDArray x) {
        // not through run's plain path: keepOnly of an identity would move the caller's x into this scope
        if (x == null || !JniUtils.isGradMode() || RECOMPUTING.get()) return x;
        return run(a -> a[0], x);
    }

    /** Whether this thread has checkpointed blocks waiting for the backward. */
    public static boolean pending() {
        return !TAPE.get().isEmpty();
    }

    /**
     * The backward of {@code loss} through a forward with checkpointed blocks: the loss's graph (retained, since the
     * blocks' backwards walk the pieces between them again), then {@link #backwardPending}.
     */
    public static void backward(NDArray loss) {
        try (NDScope ones = new NDScope()) { // not through backward(y, grad): a loss needing no gradient is an error
            JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), true, false);
        }
        backwardPending();
    }

    /**
     * Runs every recorded block again, newest first, and sends its output leaf's gradient through it; the tape is
     * empty after, also on failure. Call with grad mode on, after the loss's backward (with the graph retained).
     */
    public static void backwardPending() {
        Deque<Block> tape = TAPE.get();
        try {
            while (!tape.isEmpty()) {
                Block b = tape.pop();
                try (NDScope scope = new NDScope()) {
                    NDArray grad = b.output.getGradient();
                    RECOMPUTING.set(true);
                    NDArray y = b.body.apply(b.inputs);
                    RECOMPUTING.set(false);
                    RUN_AGAIN.incrementAndGet();
                    backward(y, grad);
                }
                b.output.close(); // its gradient is spent; the leaf is freed unless a graph still holds it
            }
        } finally {
            RECOMPUTING.set(false);
            tape.clear();
        }
    }

    /** Blocks run again for their backward since the JVM started, all threads (what a test or a bench counts). */
    public static long blocksRunAgain() {
        return RUN_AGAIN.get();
    }

    /** Forgets the recorded blocks (a collector closed without a backward): the next step starts clean. */
    public static void clear() {
        TAPE.get().clear();
    }

    /** {@code backward(y, grad)}, nothing when {@code y} needs no gradient (no input or weight of its block does). */
    private static void backward(NDArray y, NDArray grad) {
        try {
            JniUtils.backward((PtNDArray) y, (PtNDArray) grad, true, false);
        } catch (EngineException e) {
            if (e.getMessage() == null || !e.getMessage().contains("does not require grad")) throw e;
        }
    }
}
