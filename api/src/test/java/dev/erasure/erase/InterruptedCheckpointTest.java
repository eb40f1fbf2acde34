package dev.erasure.erase;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.sd.Djl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Thread#interrupt()} landing in the middle of a checkpoint write: the run returns its partial
 * result (an interrupted NIO channel used to close itself and lose the run), the newest checkpoint is
 * whole, and resuming from it gives the uninterrupted run's weights bit for bit.
 */
class InterruptedCheckpointTest extends TinyModels {
    private static Erasure tiny() {
        return tinyErasure().steps(4);
    }

    private static boolean writing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(".tmp-"));
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void interruptDuringACheckpointEndsInThePartialResultAndResumesExactly(@TempDir Path dir) throws Exception {
        float[] full;
        try (ErasureResult r = tiny().run()) {
            full = firstTensor(r);
        }
        AtomicReference<Thread> worker = new AtomicReference<>();
        CompletableFuture<Integer> run = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (ErasureResult r = tiny().checkpointEvery(1, dir).run()) {
                run.complete(r.cancelled() ? r.stepsDone() : -1);
            } catch (Throwable e) {
                run.completeExceptionally(e);
            }
        });
        worker.set(t);
        Files.createDirectories(dir);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!writing(dir) && !run.isDone() && System.nanoTime() < deadline) Thread.onSpinWait();
        t.interrupt(); // while the first checkpoint is being written
        int done = run.get(2, TimeUnit.MINUTES); // a ClosedByInterruptException here was the bug
        assertTrue(done >= 1 && done < 4, "a partial result after the interrupted checkpoint, steps done " + done);
        try (ErasureResult resumed = tiny().resume(dir).run()) {
            assertArrayEquals(full, firstTensor(resumed), "resumed from the checkpoint = uninterrupted");
        }
    }

    @Test
    void checkpointsRecordTheThreadCountAndAResumeWithAnotherWarns(@TempDir Path dir) throws Exception {
        tiny().steps(1).checkpointEvery(1, dir).run().close();
        Path state = Checkpoints.latest(dir).resolve("state.json");
        String json = Files.readString(state);
        assertTrue(json.contains("\"threads\":" + Djl.threads()), json);
        Files.writeString(state, json.replace("\"threads\":" + Djl.threads(), "\"threads\":99"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            tiny().steps(2).resume(dir).run().close();
        } finally {
            System.setErr(old);
        }
        assertTrue(err.toString().contains("written with 99 libtorch threads"), err.toString());
    }

    private static float[] firstTensor(ErasureResult r) {
        String k = r.changedTensors().keySet().iterator().next();
        return r.changedTensors().get(k).toFloatArray();
    }
}
