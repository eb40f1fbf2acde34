package dev.erasure;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering of the library (README "Layout", each package-info): every package imports only the
 * layers below it, and no two top-level packages depend on each other. The same rules run on two
 * fixtures under src/test (archfixture/cycle: erase and eval import each other; archfixture/upward:
 * erase imports eval) to show that they fail on a cycle and on an upward import.
 */
class ArchitectureTest {
    /**
     * Bottom to top; the facade is the package itself (Erasure, ErasureResult, Methods). Each layer may
     * use every layer before it in this list. progress and viz are leaves (no project imports).
     */
    static final List<String> LAYERS = List.of("io", "progress", "viz", "sd", "train", "core", "erase", "eval", "facade",
            "sweep", "cluster", "toy", "cli");

    static ArchRule layers(String root) {
        LayeredArchitecture rule = layeredArchitecture().consideringOnlyDependenciesInLayers().withOptionalLayers(true);
        for (String layer : LAYERS) {
            rule = layer.equals("facade") ? rule.layer(layer).definedBy(root) : rule.layer(layer).definedBy(root + "." + layer + "..");
        }
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).toArray(String[]::new);
            rule = rule.whereLayer(LAYERS.get(i)).mayOnlyBeAccessedByLayers(above);
        }
        return rule.whereLayer(LAYERS.get(LAYERS.size() - 1)).mayNotBeAccessedByAnyLayer()
                .because("each package imports only the layers below it (README, Layout)");
    }

    static ArchRule noCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.erasure");

    @Test
    void everyPackageImportsOnlyDownward() {
        layers("dev.erasure").check(MAIN);
    }

    @Test
    void topLevelPackagesHaveNoCycles() {
        noCycles("dev.erasure").check(MAIN);
    }

    @Test
    void everyPackageIsALayer() {
        List<String> unplaced = MAIN.stream().map(c -> c.getPackageName())
                .filter(p -> !p.equals("dev.erasure"))
                .map(p -> p.substring("dev.erasure.".length()).split("\\.")[0])
                .filter(top -> !LAYERS.contains(top)).distinct().toList();
        assertTrue(unplaced.isEmpty(), "packages without a layer (add them to LAYERS and the README): " + unplaced);
    }

    @Test
    void aDeliberateCycleFails() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.erasure.archfixture.cycle");
        AssertionError cycle = assertThrows(AssertionError.class, () -> noCycles("dev.erasure.archfixture.cycle").check(fixture));
        assertTrue(cycle.getMessage().contains("Cycle detected"), cycle.getMessage());
        AssertionError upward = assertThrows(AssertionError.class, () -> layers("dev.erasure.archfixture.cycle").check(fixture));
        assertTrue(upward.getMessage().contains("erase.Method"), upward.getMessage());
    }

    @Test
    void aDeliberateUpwardImportFails() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.erasure.archfixture.upward");
        noCycles("dev.erasure.archfixture.upward").check(fixture);  // no cycle: only the layer rule catches it
        AssertionError e = assertThrows(AssertionError.class, () -> layers("dev.erasure.archfixture.upward").check(fixture));
        assertTrue(Arrays.stream(e.getMessage().split("\n")).anyMatch(l -> l.contains("upward.erase.Loop") && l.contains("upward.eval.Judge")),
                e.getMessage());
    }
}
