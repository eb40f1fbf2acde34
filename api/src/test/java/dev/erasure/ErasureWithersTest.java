package dev.erasure;

import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.ErasureModel;
import dev.erasure.erase.EsdFamily;
import dev.erasure.erase.Uce;
import dev.erasure.progress.ProgressListener;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Every wither of {@link Erasure} sets its component and keeps the others (they copy through
 * {@code io.Records} by component name: a misspelled name would fail only when called). A new
 * wither belongs here; {@link #everyWitherIsTested} fails until it is.
 */
class ErasureWithersTest {
    /** No model compute happens in a wither: a model whose every method fails is enough. */
    static final ErasureModel MODEL = (ErasureModel) Proxy.newProxyInstance(ErasureModel.class.getClassLoader(),
            new Class<?>[]{ErasureModel.class}, (proxy, m, args) -> {
                if (m.getName().equals("toString")) return "stub model";
                if (m.getName().equals("hashCode")) return 0;
                if (m.getName().equals("equals")) return proxy == args[0];
                throw new UnsupportedOperationException(m.getName());
            });

    static final Set<String> TESTED = Set.of("target", "targets", "separator", "preserve", "train", "iterations", "steps",
            "learningRate", "seed", "vocabulary", "ddimGrid", "ddimSteps", "latentSize", "imageSize", "startGuidance",
            "negativeGuidance", "compat", "onProgress", "method", "checkpointEvery", "resume");

    final Erasure base = Erasure.of(MODEL);

    @Test
    void everyWitherIsTested() {
        Set<String> withers = Arrays.stream(Erasure.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getReturnType() == Erasure.class && m.getParameterCount() > 0)
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(TESTED), withers);
    }

    @Test
    void eachWitherSetsItsComponentOnly() {
        assertEquals(List.of("nudity"), base.target("nudity").targets());
        assertEquals(List.of(), base.target("x").target(null).targets());
        assertEquals(List.of("a", "b"), base.targets("a", "b").targets());
        assertEquals(",", base.separator(",").separator());
        Preserve p = Preserve.adversarial(8);
        assertEquals(new EsdFamily(p, null), base.preserve(p).method(), "preserve(..) chooses the ESD family with it");
        Params params = Params.full();
        assertSame(params, base.train(params).params());
        assertEquals(12, base.iterations(12).iterations());
        assertEquals(13, base.steps(13).iterations());
        assertEquals(2e-4, base.learningRate(2e-4).learningRate());
        assertEquals(1L << 40, base.seed(1L << 40).seed());
        Vocabulary v = Vocabulary.of(List.of("cat", "dog"));
        Erasure named = base.vocabulary("EN3K");
        assertEquals("EN3K", ((EsdFamily) named.method()).vocabulary().name());
        Erasure given = named.vocabulary(v);
        assertSame(v, ((EsdFamily) given.method()).vocabulary(), "a vocabulary replaces the named one");
        assertSame(v, ((EsdFamily) given.preserve(p).method()).vocabulary(), "preserve(..) keeps the vocabulary");
        assertEquals(p, ((EsdFamily) given.preserve(p).method()).preserve());
        assertEquals(20, base.ddimGrid(20).ddimGrid());
        assertEquals(21, base.ddimSteps(21).ddimGrid());
        assertEquals(32, base.latentSize(32).latentSize());
        assertEquals(48, base.imageSize(384).latentSize());
        assertEquals(2.5f, base.startGuidance(2.5).startGuidance());
        assertEquals(1.5f, base.negativeGuidance(1.5).negativeGuidance());
        assertEquals(Compat.CORRECTED, base.compat(Compat.CORRECTED).compat());
        ProgressListener l = progress -> { };
        assertSame(l, base.onProgress(l).listener());
        Uce uce = Uce.defaults();
        assertSame(uce, base.method(uce).method());
        Path dir = Path.of("checkpoints");
        Erasure cp = base.checkpointEvery(5, dir);
        assertEquals(5, cp.checkpointEvery());
        assertEquals(dir, cp.checkpointDir());
        assertEquals(dir, base.resume(dir).resumeDir());
    }

    @Test
    void theOtherComponentsAreKept() {
        Erasure full = base.target("t").separator(";").preserve(Preserve.adversarial(4)).train(Params.full()).iterations(3)
                .learningRate(1e-3).seed(9).vocabulary("EN3K").ddimGrid(10).latentSize(16).startGuidance(2).negativeGuidance(0.5)
                .compat(Compat.CORRECTED).checkpointEvery(2, Path.of("c")).resume(Path.of("r"));
        Erasure again = full.seed(10).seed(9);
        assertEquals(full, again);
        Erasure changed = full.iterations(4);
        assertEquals(full, changed.iterations(3));
        assertEquals(4, changed.iterations());
        assertEquals(full.targets(), changed.targets());
        assertEquals(full.checkpointDir(), changed.checkpointDir());
        assertEquals(full.resumeDir(), changed.resumeDir());
        assertSame(full.model(), changed.model());
    }
}
