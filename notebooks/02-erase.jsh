// 02 — Erase a concept
// Erases "church" from the tiny fixture model, once with ESD (no preservation) and once with
// EAP (adversarial preservation), then plots the loss curves and EAP's adversarial concepts
// over time as XChart charts (PNG files under out/02-erase/; a notebook shows them inline).
// The tiny model is random, so only the mechanics matter here: on SD-1.4 use the recipes in the
// README ("Erase a concept").
//
// Run: install/jshell.sh notebooks/02-erase.jsh   (about a minute on 2 CPU cores)

Path fixture = Files.isDirectory(Path.of("../shared/fixtures/tiny-sd")) ? Path.of("../shared/fixtures/tiny-sd") : Path.of("fixtures/tiny-sd");
StableDiffusion sd = StableDiffusion.load(fixture);
Path out = Files.createDirectories(Path.of("out/02-erase"));

// The tiny UNet is cheap at an 8×8 latent; a 5-step DDIM grid keeps GenLatent to ≤ 4 guided UNet calls.
// (SD-1.4 defaults: 64×64 latent, 50-step grid, 1000 iterations, lr 1e-5.)
Erasure base = Erasure.of(sd).target("church").train(Params.crossAttention()).
    latentSize(8).ddimGrid(5).iterations(12).learningRate(1e-3).seed(7).
    onProgress(p -> { if (p.done() % 6 == 0) System.out.printf("  %s %d/%d %s%n", p.task(), p.done(), p.total(), p.metrics()); });

ErasureResult esd = base.preserve(Preserve.none()).run();
System.out.println(esd);

// EAP: K = 8 candidate concepts picked from the 200 EN3K words nearest to "church" (1-D K-means
// on their similarities, as the official code), then the π/θ game with P = 2.
ErasureResult eap = base.preserve(Preserve.adversarial(8).kClosest(200)).run();
System.out.println(eap);
CandidateSet cands = eap.candidates().get(0);
System.out.println("candidate concepts: " + cands.words());
System.out.println(cands.table().where(cands.table().booleanColumn("chosen").isTrue()).print());

// Loss curves: ESD's loss per iteration, EAP's erase and preservation losses on its θ updates.
Table h1 = esd.history();
Table h2 = eap.history();
Table eapModel = h2.where(h2.stringColumn("phase").isEqualTo("model"));
XYChart losses = new XYChartBuilder().width(700).height(400).title("Erasing 'church' (tiny model)").
    xAxisTitle("θ step").yAxisTitle("loss").build();
losses.getStyler().setYAxisLogarithmic(true);
losses.addSeries("ESD", h1.intColumn("step").asDoubleArray(), h1.doubleColumn("loss").asDoubleArray());
losses.addSeries("EAP erase", eapModel.intColumn("step").asDoubleArray(), eapModel.doubleColumn("erase").asDoubleArray());
double[] pres = Arrays.stream(eapModel.doubleColumn("preserve").asDoubleArray()).map(v -> Math.max(v, 1e-12)).toArray();
losses.addSeries("EAP preserve", eapModel.intColumn("step").asDoubleArray(), pres);
BitmapEncoder.saveBitmap(losses, out.resolve("losses").toString(), BitmapEncoder.BitmapFormat.PNG);

// Adversarial concepts over time: which candidate each iteration sampled, and π's distribution.
List<String> words = cands.words();
CategoryChart picks = new CategoryChartBuilder().width(700).height(400).title("EAP: sampled adversarial concepts").
    xAxisTitle("concept").yAxisTitle("times sampled").build();
double[] counts = new double[words.size()];
for (String w : h2.stringColumn("adversarial")) counts[words.indexOf(w)]++;
picks.addSeries("samples", words, Arrays.stream(counts).boxed().collect(Collectors.toList()));
BitmapEncoder.saveBitmap(picks, out.resolve("adversarial-concepts").toString(), BitmapEncoder.BitmapFormat.PNG);

XYChart pi = new XYChartBuilder().width(700).height(400).title("EAP: π = softmax(logits) over time").
    xAxisTitle("iteration").yAxisTitle("probability").build();
double[] it = h2.intColumn("iteration").asDoubleArray();
for (int j = 0; j < words.size(); j++) {
    final int jj = j;
    double[] pj = h2.stringColumn("pi").asList().stream().mapToDouble(s -> Double.parseDouble(s.split(" ")[jj])).toArray();
    pi.addSeries(words.get(j), it, pj);
}
BitmapEncoder.saveBitmap(pi, out.resolve("pi").toString(), BitmapEncoder.BitmapFormat.PNG);

// The edited model generates like the original; the frozen tensors are shared, not copied.
StableDiffusion erased = eap.model();
System.out.println("trained tensors: " + eap.changedTensors().size() + ", UNet tensors: " + erased.unet().weights().keys().size());
eap.save(out.resolve("eap-church.safetensors"));
System.out.println("wrote " + Files.list(out).map(Path::toString).sorted().collect(Collectors.toList()));
esd.close();
eap.close();
sd.close();
