package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import dev.erasure.Erasure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Checkpoint writes are atomic: a failed or killed write leaves the previous checkpoint and no partial files. */
class CheckpointsTest extends TinyModels {
    /** A method whose only behaviour is its checkpoint state. */
    private record Stub(Map<String, NDArray> state) implements ErasureMethod<Esd.Step> {
        @Override
        public String name() {
            return "stub";
        }

        @Override
        public Esd.Step iterate(int iteration) {
            throw new UnsupportedOperationException("not trained");
        }
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointAndNoPartialFiles(@TempDir Path dir) throws Exception {
        try (Session s = new Session(model, Erasure.of(model).target("church").latentSize(8).steps(3).settings())) {
            NDArray unreadable = s.manager().create(new float[] {1, 2});
            unreadable.close();
            Checkpoints.save(dir, 1, s, new Stub(Map.of()), List.of());
            Files.createDirectories(dir.resolve(".tmp-ckpt-00000002-killed")); // what a killed run leaves behind
            Files.writeString(dir.resolve(".tmp-ckpt-00000002-killed/trainable.safetensors"), "partial");

            assertThrows(RuntimeException.class, () -> Checkpoints.save(dir, 2, s, new Stub(Map.of("x", unreadable)), List.of()));
            assertEquals(dir.resolve("ckpt-00000001"), Checkpoints.latest(dir), "the previous checkpoint stays the newest");
            assertOnlyCompleteCheckpoints(dir);
            assertFalse(Files.exists(dir.resolve("ckpt-00000002")));
        }
    }
}
