package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** AutoencoderKL against golden.json's {@code vae.decode.*} and {@code vae.encode.*} entries. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VaeParityTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    private Golden golden;
    private NDManager manager;
    private AutoencoderKL vae;

    @BeforeAll
    void load() {
        golden = new Golden(fixture());
        manager = NDManager.newBaseManager();
        vae = ModelFixtures.vae(golden.folder(), manager);
    }

    @AfterAll
    void close() {
        manager.close();
        golden.close();
    }

    @Test
    void decodeMatchesGolden() {
        Assumptions.assumeTrue(golden.has("vae.decode.latent"), "no vae.decode entries in this fixture");
        try (NDScope scope = new NDScope()) {
            NDArray z = golden.tensor("vae.decode.latent").div((float) vae.scalingFactor());
            checkIfPresent("vae.decode.latent_div_sf", z);
            Map<String, NDArray> capture = new HashMap<>();
            NDArray out = vae.decode(z, capture);
            checkIntermediates("vae.decode.inter.", capture);
            check("vae.decode.out", out);
        }
    }

    @Test
    void encodeMatchesGolden() {
        Assumptions.assumeTrue(golden.has("vae.encode.image"), "no vae.encode entries in this fixture");
        try (NDScope scope = new NDScope()) {
            Map<String, NDArray> capture = new HashMap<>();
            DiagonalGaussian dist = vae.encode(golden.tensor("vae.encode.image"), capture);
            checkIntermediates("vae.encode.inter.", capture); // first: they locate a mismatch
            checkIfPresent("vae.encode.mean", dist.mean());
            checkIfPresent("vae.encode.logvar", dist.logvar());
            checkIfPresent("vae.encode.std", dist.std());
            checkIfPresent("vae.encode.mean_times_sf", dist.mean().mul((float) vae.scalingFactor()));
        }
    }

    private void checkIntermediates(String prefix, Map<String, NDArray> capture) {
        for (String name : golden.entries().keySet()) {
            if (!name.startsWith(prefix)) continue;
            String module = name.substring(prefix.length());
            NDArray actual = capture.get(module);
            assertNotNull(actual, "no captured output for module '" + module + "' (" + name + ")");
            check(name, actual);
        }
    }

    private void checkIfPresent(String name, NDArray actual) {
        if (golden.has(name)) check(name, actual);
    }

    private void check(String name, NDArray actual) {
        golden.assertClose(name, actual);
        System.out.println(name + " " + Golden.maxAbsDiff(actual, golden.tensor(name)));
    }
}
