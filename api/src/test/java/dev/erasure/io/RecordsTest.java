package dev.erasure.io;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Records#with}: the copy behind every wither. */
class RecordsTest {
    /** Non-public, nested, every primitive kind, validation in the compact constructor. */
    private record Sample(int n, long seed, float guidance, double rate, boolean flag, byte b, short s, char c,
                          String name, List<String> items, Integer boxed) {
        Sample {
            Objects.requireNonNull(name, "name");
            if (n < 0) throw new IllegalArgumentException("n must be ≥ 0, got " + n);
            if (rate > 1) throw new IllegalStateException("rate too high: " + rate);
            items = items == null ? List.of() : List.copyOf(items);
        }
    }

    /** An accessor that does not return the field: the copy keeps the field. */
    record Overridden(String value, int n) {
        @Override
        public String value() {
            return "shown:" + value;
        }
    }

    static final class Outer {
        private record Hidden(String a, int b) {
        }
    }

    private static final Sample BASE = new Sample(1, 2L, 3f, 0.5, false, (byte) 4, (short) 5, 'x', "base", List.of("i"), 6);

    /** components(r): name → value in declaration order, through the accessors (an overridden one shows its value). */
    @Test
    void componentsInDeclarationOrderThroughTheAccessors() {
        var c = Records.components(BASE);
        assertEquals(List.of("n", "seed", "guidance", "rate", "flag", "b", "s", "c", "name", "items", "boxed"), List.copyOf(c.keySet()));
        assertEquals("base", c.get("name"));
        assertEquals(List.of("i"), c.get("items"));
        assertEquals("shown:v", Records.components(new Overridden("v", 3)).get("value"));
        assertEquals(7, Records.components(new Outer.Hidden("a", 7)).get("b"), "a private nested record is read too");
    }

    @Test
    void copyChangesOnlyTheNamedComponent() {
        Sample s = Records.with(BASE, "name", "other");
        assertNotSame(BASE, s);
        assertEquals(new Sample(1, 2L, 3f, 0.5, false, (byte) 4, (short) 5, 'x', "other", List.of("i"), 6), s);
        assertEquals("base", BASE.name(), "the original is unchanged");
        assertEquals(BASE, Records.with(s, "name", "base"));
    }

    @Test
    void primitiveComponentsTakeTheirBoxes() {
        assertEquals(7, Records.with(BASE, "n", 7).n());
        assertEquals(1L << 40, Records.with(BASE, "seed", 1L << 40).seed());
        assertEquals(2.5f, Records.with(BASE, "guidance", 2.5f).guidance());
        assertEquals(0.25, Records.with(BASE, "rate", 0.25).rate());
        assertTrue(Records.with(BASE, "flag", true).flag());
        assertEquals((byte) 9, Records.with(BASE, "b", (byte) 9).b());
        assertEquals((short) 9, Records.with(BASE, "s", (short) 9).s());
        assertEquals('y', Records.with(BASE, "c", 'y').c());
        assertEquals(11, Records.with(BASE, "boxed", 11).boxed());
        assertEquals(null, Records.with(BASE, "boxed", null).boxed());
    }

    @Test
    void widensAsAConstructorArgumentWould() {
        assertEquals(7L, Records.with(BASE, "seed", 7).seed(), "int → long");
        assertEquals(0.0, Records.with(BASE, "rate", 0).rate(), "int → double");
        assertEquals(2f, Records.with(BASE, "guidance", 2L).guidance(), "long → float");
        assertEquals(0.5, Records.with(BASE, "rate", 0.5f).rate(), "float → double");
        assertEquals((short) 3, Records.with(BASE, "s", (byte) 3).s(), "byte → short");
        assertEquals(120, Records.with(BASE, "n", 'x').n(), "char → int");
    }

    @Test
    void unknownComponentNamesTheRecordAndTheComponent() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "nmae", "x"));
        assertTrue(e.getMessage().contains("Sample") && e.getMessage().contains("'nmae'"), e.getMessage());
        assertTrue(e.getMessage().contains("name"), "lists the components: " + e.getMessage());
    }

    @Test
    void wrongTypeNamesTheRecordAndTheComponent() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "name", 3));
        assertTrue(e.getMessage().contains("Sample") && e.getMessage().contains("'name'")
                && e.getMessage().contains("java.lang.String") && e.getMessage().contains("java.lang.Integer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "n", 3L), "long → int narrows");
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "guidance", 3.0), "double → float narrows");
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "flag", 1));
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "c", 65), "int → char narrows");
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "s", 'a'), "char → short narrows");
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "boxed", 3L), "a box is not widened");
        IllegalArgumentException nullPrimitive = assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "seed", null));
        assertTrue(nullPrimitive.getMessage().contains("'seed'") && nullPrimitive.getMessage().contains("null"), nullPrimitive.getMessage());
    }

    @Test
    void validationOfTheCompactConstructorSurfacesUnchanged() {
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "n", -1));
        assertEquals("n must be ≥ 0, got -1", iae.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class, () -> Records.with(BASE, "name", null));
        assertEquals("name", npe.getMessage());
        IllegalStateException ise = assertThrows(IllegalStateException.class, () -> Records.with(BASE, "rate", 2.0));
        assertEquals("rate too high: 2.0", ise.getMessage());
    }

    @Test
    void theCompactConstructorNormalises() {
        List<String> mutable = new ArrayList<>(List.of("a"));
        Sample s = Records.with(BASE, "items", mutable);
        mutable.add("b");
        assertEquals(List.of("a"), s.items());
        assertEquals(List.of(), Records.with(BASE, "items", null).items());
    }

    @Test
    void severalComponentsInOneCopy() {
        Sample two = Records.with(BASE, "n", 3, "name", "two");
        assertEquals(3, two.n());
        assertEquals("two", two.name());
        assertEquals(BASE.seed(), two.seed());
        Sample three = Records.with(BASE, "n", 4, "name", "three", "flag", true);
        assertEquals(new Sample(4, 2L, 3f, 0.5, true, (byte) 4, (short) 5, 'x', "three", List.of("i"), 6), three);
        assertThrows(IllegalArgumentException.class, () -> Records.with(BASE, "n", 3, "nope", 1));
    }

    @Test
    void nestedNonPublicRecords() {
        Outer.Hidden h = new Outer.Hidden("a", 1);
        assertEquals(new Outer.Hidden("a", 2), Records.with(h, "b", 2));
    }

    @Test
    void copiesTheFieldNotTheAccessor() {
        Overridden o = new Overridden("v", 1);
        Overridden copy = Records.with(o, "n", 2);
        assertEquals("shown:v", copy.value(), "not shown:shown:v");
        assertEquals(2, copy.n());
    }
}
