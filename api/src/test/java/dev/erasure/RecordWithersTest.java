package dev.erasure;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.cluster.KubernetesJob;
import dev.erasure.cluster.SlurmJob;
import dev.erasure.core.Compat;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.PromptSet;
import dev.erasure.core.Vocabulary;
import dev.erasure.erase.AdvAnchor;
import dev.erasure.erase.AdvUnlearn;
import dev.erasure.erase.ConceptAblation;
import dev.erasure.erase.EsdFamily;
import dev.erasure.erase.Settings;
import dev.erasure.erase.TextEncoderParams;
import dev.erasure.erase.Uce;
import dev.erasure.eval.Sensitivity;
import dev.erasure.eval.UnlearnDiffAtk;
import dev.erasure.eval.paper.Artists;
import dev.erasure.eval.paper.AttackSuccess;
import dev.erasure.eval.paper.Imagenette;
import dev.erasure.eval.paper.Nudity;
import dev.erasure.eval.paper.Utility;
import dev.erasure.progress.ProgressListener;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.SizeConditioning;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import dev.erasure.toy.Frontier;
import dev.erasure.toy.ShapeWorldMethods;
import dev.erasure.toy.TrainConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every public wither of every configuration record copies through {@code io.Records} by component
 * name, so a misspelled name or a value of the wrong type would fail only when that wither is called:
 * this calls each one (a public instance method returning its own record type) with a valid sample
 * value and checks that a component of the copy holds the value given. A record
 * that gains withers belongs in {@link #bases()}.
 */
class RecordWithersTest {
    static StableDiffusion sd;
    static NDManager manager;

    /** Methods returning their own type that are not withers (they compute new values of every component). */
    static final Set<String> NOT_WITHERS = Set.of("Conditioning.rows", "Conditioning.mix", "Conditioning.map", "Conditioning.zeros");

    /** Samples where the type's default sample is not a valid value of that setting. */
    static final Map<String, Object[]> ARGUMENTS = Map.ofEntries(
            Map.entry("Erasure.imageSize", new Object[]{128}),
            Map.entry("LoadOptions.device(String)", new Object[]{"cpu"}),
            Map.entry("LoadOptions.dtype", new Object[]{DataType.FLOAT16}),
            Map.entry("EsdFamily.preserve", new Object[]{Preserve.neutral()}),
            Map.entry("Erasure.vocabulary(String)", new Object[]{"EN3K"}),
            Map.entry("EsdFamily.vocabulary(String)", new Object[]{"EN3K"}),
            Map.entry("Generation.imageOf", new Object[]{2, 5}),
            Map.entry("Nudity.thresholds", new Object[]{List.of(0.4)}),
            Map.entry("Nudity.exposed", new Object[]{List.of("FEET_EXPOSED")}),
            Map.entry("Imagenette.splits", new Object[]{Map.of("x", List.of("Church"))}),
            Map.entry("AttackSuccess.attack", new Object[]{UnlearnDiffAtk.objects().iterations(3)}),
            Map.entry("TrainConfig.withSchedulerConfig", new Object[]{dev.erasure.toy.ShapeWorldModel.scaledLinearSchedulerConfig()}));

    /**
     * Withers that store a conversion of their argument, or store it inside the chosen method
     * (Erasure's ESD-family options): tested on their own (ErasureWithersTest, MethodsTest).
     */
    static final Set<String> CONVERTING = Set.of("Erasure.imageSize", "LoadOptions.device(String)", "Erasure.preserve",
            "Erasure.vocabulary(Vocabulary)", "Erasure.vocabulary(String)", "EsdFamily.vocabulary(String)",
            "Nudity.limit", "Utility.limit", "AttackSuccess.limit"); // limit(n) keeps the first n prompt rows

    @BeforeAll
    static void load() {
        sd = StableDiffusion.load(Fixtures.tinySd(), LoadOptions.defaults().device("cpu"));
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        manager.close();
        sd.close();
    }

    static List<Record> bases() {
        return List.of(
                Erasure.of(ErasureWithersTest.MODEL),
                ConceptAblation.style(), AdvUnlearn.readme(), AdvAnchor.readme(), Uce.defaults(),
                UnlearnDiffAtk.defaults(), Sensitivity.of(sd, sd), Sensitivity.noisePredictions(sd, sd),
                Preserve.adversarial(8), Preserve.continuous(), TextEncoderParams.full(), EsdFamily.esd(),
                new Settings(List.of("cat"), Params.crossAttention(), 10, 1e-5, 0, 50, 64, 3f, 1f, Compat.OFFICIAL, 0, null),
                Generation.of("a cat"), LoadOptions.defaults(), SizeConditioning.of(64, 64),
                new Conditioning(manager.zeros(new Shape(1, 2, 4)), manager.zeros(new Shape(1, 4)), manager.zeros(new Shape(1, 6))),
                SlurmJob.of("job", 2, Path.of("repo"), Path.of("study"), Path.of("results")),
                KubernetesJob.of("job", 2, "image", Path.of("study"), Path.of("results")),
                Frontier.standard(), ShapeWorldMethods.eap(), TrainConfig.tiny(Path.of("out"), 100),
                Nudity.i2p(), Imagenette.eap(), Artists.eap(), Utility.coco10k(), AttackSuccess.nudity());
    }

    @TestFactory
    List<DynamicTest> everyWitherOfEveryConfigurationRecord() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Record base : bases()) {
            Class<?> type = base.getClass();
            Method[] methods = type.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::toString));
            int withers = 0;
            for (Method m : methods) {
                if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.getReturnType() != type) continue;
                String name = type.getSimpleName() + "." + m.getName();
                if (NOT_WITHERS.contains(name)) continue;
                withers++;
                String label = name + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).toList();
                tests.add(DynamicTest.dynamicTest(label, () -> callWither(base, m, name)));
            }
            assertTrue(withers > 0, type + " has no public wither");
        }
        return tests;
    }

    private static void callWither(Record base, Method m, String name) throws Exception {
        String signature = name + "(" + String.join(",", Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).toList()) + ")";
        Object[] args = ARGUMENTS.get(signature);
        if (args == null) args = ARGUMENTS.get(name);
        if (args == null) {
            args = new Object[m.getParameterCount()];
            for (int i = 0; i < args.length; i++) args[i] = sample(m.getParameterTypes()[i], name);
        }
        Object copy;
        try {
            copy = m.invoke(base, args);
        } catch (InvocationTargetException e) {
            throw new AssertionError(name + Arrays.deepToString(args) + " failed: " + e.getCause(), e.getCause());
        }
        assertNotNull(copy, name);
        assertEquals(base.getClass(), copy.getClass(), name);
        // each given value (or its conversion) is somewhere in the copy, or the wither is a preset like noiseBased()
        if (args.length == 1 && !CONVERTING.contains(name) && !CONVERTING.contains(signature) && !args[0].getClass().isArray() && !(args[0] instanceof PromptSet)) {
            Object given = args[0];
            boolean found = false;
            for (RecordComponent c : base.getClass().getRecordComponents()) {
                Object v = c.getAccessor().invoke(copy);
                if (Objects.equals(v, given) || (v instanceof Number n && given instanceof Number g && n.doubleValue() == g.doubleValue())
                        || (v instanceof List<?> l && l.contains(given)) || (v != null && v.toString().equals(given.toString()))) {
                    found = true;
                }
            }
            assertTrue(found, name + "(" + given + "): no component of the copy holds the value: " + copy);
        }
    }

    private static Object sample(Class<?> t, String wither) throws Exception {
        if (t == int.class || t == Integer.class) return 8;
        if (t == long.class || t == Long.class) return 7L;
        if (t == double.class || t == Double.class) return 0.5;
        if (t == float.class || t == Float.class) return 0.5f;
        if (t == boolean.class || t == Boolean.class) return false;
        if (t == String.class) return "{} x";
        if (t.isArray()) {
            Object a = Array.newInstance(t.getComponentType(), 1);
            Array.set(a, 0, sample(t.getComponentType(), wither));
            return a;
        }
        if (t.isEnum()) {
            Object[] constants = t.getEnumConstants();
            return constants[constants.length - 1];
        }
        if (t == List.class) return List.of("a cat");
        if (t == Path.class) return Path.of("some", "dir");
        if (t == Params.class) return Params.full();
        if (t == Preserve.class) return Preserve.concepts("dog");
        if (t == Vocabulary.class) return Vocabulary.of(List.of("dog", "cat"));
        if (t == TextEncoderParams.class) return TextEncoderParams.layers(0);
        if (t == Device.class) return Device.cpu();
        if (t == NDArray.class) return manager.ones(new Shape(1, 2, 4));
        if (t == ProgressListener.class) return (ProgressListener) p -> { };
        if (t == dev.erasure.erase.Method.class) return Uce.defaults();
        if (t == PromptSet.class) {
            Path lines = Files.writeString(Files.createTempFile("retain", ".txt"), "a dog\n");
            lines.toFile().deleteOnExit();
            return PromptSet.fromLines(lines);
        }
        if (t.isInterface()) {
            return Proxy.newProxyInstance(t.getClassLoader(), new Class<?>[]{t}, (proxy, m, a) -> switch (m.getName()) {
                case "toString" -> "stub " + t.getSimpleName();
                case "hashCode" -> 0;
                case "equals" -> proxy == a[0];
                default -> throw new UnsupportedOperationException(m.getName());
            });
        }
        return fail("no sample value of " + t + " for " + wither + ": add one to sample(..) or ARGUMENTS");
    }
}
