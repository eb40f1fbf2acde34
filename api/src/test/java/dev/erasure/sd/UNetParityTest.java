package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UNet2DConditionModel against every {@code unet.case_*} of golden.json, output and intermediates. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UNetParityTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    private Golden golden;
    private NDManager manager;
    private UNet2DConditionModel unet;

    @BeforeAll
    void load() {
        golden = new Golden(fixture());
        manager = NDManager.newBaseManager();
        unet = ModelFixtures.unet(golden.folder(), manager);
    }

    @AfterAll
    void close() {
        manager.close();
        golden.close();
    }

    @TestFactory
    List<DynamicTest> everyUnetCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : golden.entries().keySet()) {
            if (name.startsWith("unet.") && name.endsWith(".out")) {
                String prefix = name.substring(0, name.length() - ".out".length());
                tests.add(DynamicTest.dynamicTest(prefix, () -> checkCase(prefix)));
            }
        }
        assertFalse(tests.isEmpty(), "golden.json has no unet.*.out entries");
        return tests;
    }

    private void checkCase(String prefix) {
        Map<String, JsonObject> entries = golden.entries();
        int weightArrays = manager.getManagedArrays().size();
        int goldenArrays = golden.manager().getManagedArrays().size();
        try (NDScope scope = new NDScope()) {
            NDArray sample = golden.tensor(prefix + ".sample");
            NDArray context = golden.tensor(prefix + ".encoder_hidden_states");
            NDArray t = golden.has(prefix + ".timesteps") ? golden.tensor(prefix + ".timesteps")
                    : scalarTimestep(entries.get(prefix + ".out"), prefix + ".out");
            Map<String, NDArray> capture = new HashMap<>();
            NDArray out = unet.forward(sample, t, context, capture);
            StringBuilder report = new StringBuilder();
            golden.assertClose(prefix + ".out", out);
            report.append(prefix).append(".out ").append(Golden.maxAbsDiff(out, golden.tensor(prefix + ".out")));
            String interPrefix = prefix + ".inter.";
            for (String name : entries.keySet()) {
                if (!name.startsWith(interPrefix)) continue;
                String module = name.substring(interPrefix.length());
                NDArray actual = capture.get(module);
                assertTrue(actual != null, "no captured output for module '" + module + "' (" + name + ")");
                golden.assertClose(name, actual);
                report.append("\n  ").append(module).append(' ').append(Golden.maxAbsDiff(actual, golden.tensor(name)));
            }
            System.out.println(report);
        }
        // per-forward temporaries attach to the weights' or inputs' managers: the scope must free them all
        assertEquals(weightArrays, manager.getManagedArrays().size(), "arrays left in the weights' manager");
        assertEquals(goldenArrays, golden.manager().getManagedArrays().size(), "arrays left in the inputs' manager");
    }

    /**
     * A resolution that is not a multiple of the total downsampling factor: diffusers then
     * upsamples to each skip's size instead of 2×; the output must keep the input's shape.
     */
    @Test
    void resolutionNotAMultipleOfEightKeepsItsShape() {
        try (NDScope scope = new NDScope()) {
            UNetConfig cfg = unet.config();
            long factor = 1L << cfg.numDownsamplers();
            Shape shape = new Shape(1, cfg.inChannels, 3 * factor / 2, 5 * factor / 2 + 1);
            NDArray sample = manager.randomNormal(shape);
            NDArray context = manager.randomNormal(new Shape(1, 7, cfg.crossAttentionDim[0]));
            NDArray out = unet.forward(sample, manager.create(10L), context);
            assertEquals(new Shape(1, cfg.outChannels, shape.get(2), shape.get(3)), out.getShape());
            assertTrue(Float.isFinite(out.abs().max().getFloat()));
        }
    }

    /** A case whose timestep was a python number: a 0-d array, broadcast to the batch by the model. */
    private NDArray scalarTimestep(JsonObject outEntry, String entryName) {
        String description = outEntry.has("description") ? outEntry.get("description").getAsString() : null;
        double t = ModelFixtures.timestepFromDescription(description, entryName);
        return t == Math.rint(t) ? manager.create((long) t) : manager.create((float) t);
    }
}
