// EAP iteration time on the shipped ShapeWorld model: the issue-#16 batched-GenLatent measurement.
// Run (after mvn -o -pl api package -DskipTests and dependency:build-classpath, as ./erasure does):
//   java -Dai.djl.pytorch.num_threads=1 -Dai.djl.offline=true -cp "$(cat api/target/classpath.txt):api/target/classes" \
//        bench/scripts/EapStep.java models/shapeworld 3 40
// prints ms per iteration (θ and π iterations together) for each of the repeats, then the median.
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.sd.StableDiffusion;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class EapStep {
    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int repeats = Integer.parseInt(args[1]);
        int iterations = Integer.parseInt(args[2]);
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            Erasure e = Erasure.of(sd).target("circle").train(Params.crossAttention()).preserve(Preserve.adversarial(8))
                    .iterations(iterations).learningRate(1e-3).seed(1);
            try (ErasureResult warm = e.iterations(4).run()) { } // JIT and allocator warm-up
            List<Double> ms = new ArrayList<>();
            for (int r = 0; r < repeats; r++) {
                try (ErasureResult res = e.run()) {
                    double per = res.elapsed().toNanos() / 1e6 / res.records().size();
                    ms.add(per);
                    System.out.printf("run %d: %d iterations, %.1f ms per iteration%n", r + 1, res.records().size(), per);
                }
            }
            Collections.sort(ms);
            System.out.printf("median %.1f ms per loop iteration (θ and π iterations alternate; %d θ updates, K = 8)%n",
                    ms.get(ms.size() / 2), iterations);
        }
    }
}
