package dev.erasure.toy;

import java.util.ArrayList;
import java.util.List;

/**
 * One word of the world's vocabulary: the unit of erasure (erase "star", "red", "striped", "dark background")
 * and of the later sensitivity spectrum. {@link #prompt()} is the shortest caption of the grammar that names
 * only this concept.
 */
public record Concept(Attribute attribute, String word) {
    /** The four kinds of attribute a caption can name. */
    public enum Attribute { SHAPE, COLOUR, STYLE, BACKGROUND }

    public Concept {
        if (attribute == null || word == null || word.isBlank()) {
            throw new IllegalArgumentException("concept needs an attribute and a word, got " + attribute + ", " + word);
        }
    }

    /** "a star", "something red", "something striped", "a shape on a dark background". */
    public String prompt() {
        switch (attribute) {
            case SHAPE:
                return CaptionGrammar.article(word) + " " + word;
            case COLOUR:
            case STYLE:
                return "something " + word;
            case BACKGROUND:
                return "a shape on a " + word + " background";
            default:
                throw new AssertionError(attribute);
        }
    }

    /** The concept a word names in any ShapeWorld ("ring" → a shape, "outlined" → a style); a clear error otherwise. */
    public static Concept named(String word) {
        for (Concept c : vocabulary(List.of(Style.values()))) {
            if (c.word().equals(word)) return c;
        }
        throw new IllegalArgumentException("'" + word + "' is not a concept of ShapeWorld (shapes, colours, styles, backgrounds)");
    }

    /** All shapes, all colours, the given styles, both backgrounds, in enum order. */
    static List<Concept> vocabulary(List<Style> styles) {
        List<Concept> out = new ArrayList<>();
        for (ShapeKind s : ShapeKind.values()) out.add(new Concept(Attribute.SHAPE, s.word()));
        for (Colour c : Colour.values()) out.add(new Concept(Attribute.COLOUR, c.word()));
        for (Style s : styles) out.add(new Concept(Attribute.STYLE, s.word()));
        for (Background b : Background.values()) out.add(new Concept(Attribute.BACKGROUND, b.word()));
        return out;
    }
}
