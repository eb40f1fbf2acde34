// Issue #16: time per erasure iteration with and without gradient checkpointing on the tiny-sd fixture (latent 32, DDIM grid 5,
// 6 iterations, two repetitions). Run from the repository root: install/jshell.sh -R-Xmx3g bench/scripts/checkpointing-time.jsh
// Recorded in bench/erase-memory-real-2core-20261207-checkpointing.txt.
import dev.erasure.core.*;
StableDiffusion sd = StableDiffusion.load(Path.of("fixtures/tiny-sd"));
MemorySaving ck = MemorySaving.NONE.withGradientCheckpointing(true);
for (String recipe : List.of("ESD-x", "ESD-u", "EAP-x")) {
    for (int rep = 0; rep < 2; rep++) {
        for (MemorySaving s : List.of(MemorySaving.NONE, ck)) {
            Erasure e = Erasure.of(sd.withMemorySaving(s)).target("church").latentSize(32).ddimGrid(5).iterations(6).seed(1)
                .train(recipe.endsWith("u") ? Params.nonCrossAttention() : Params.crossAttention())
                .preserve(recipe.startsWith("EAP") ? Preserve.adversarial(2) : Preserve.none());
            long t0 = System.nanoTime();
            try (ErasureResult r = e.run()) {
                System.out.printf("%s %s rep %d: %.2f s per iteration%n", recipe, s.gradientCheckpointing() ? "checkpointing" : "plain", rep, (System.nanoTime() - t0) / 1e9 / 6);
            }
        }
    }
}
