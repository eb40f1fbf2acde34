package dev.erasure.toy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Captions of a scene, attributes dropped at random (probabilities are of <em>keeping</em> a word):
 * <pre>
 * caption    := ""                                   with probability empty (classifier-free guidance dropout)
 *             | phrase [" on a " BACKGROUND " background"]   background kept with p = background
 * phrase     := ARTICLE [COLOUR " "] [STYLE " "] noun     colour kept with p = colour, style with p = style
 *             | "something " adjectives                  if the shape was dropped, ≥ 1 adjective kept, and
 *                                                         with p = something
 * noun       := SHAPE (kept with p = shape) | "shape"
 * adjectives := COLOUR | STYLE | COLOUR " and " STYLE
 * ARTICLE    := "an" before a vowel (an orange…, an outlined…), else "a"
 * </pre>
 * e.g. "a red striped star on a dark background", "a star", "something striped", "a shape". Defaults follow
 * the ShapeWorld probe: empty .1, colour .6, style .5, shape .85, background .3, something .5.
 * Every draw consumes the same six doubles in this order: empty, colour, style, shape, background, something;
 * so a caption is a function of the scene and its generator's state.
 */
public record CaptionGrammar(double empty, double colour, double style, double shape, double background,
                             double something) {
    public CaptionGrammar {
        double[] p = {empty, colour, style, shape, background, something};
        String[] names = {"empty", "colour", "style", "shape", "background", "something"};
        for (int i = 0; i < p.length; i++) {
            if (!(p[i] >= 0 && p[i] <= 1)) throw new IllegalArgumentException(names[i] + " probability must be in [0,1], got " + p[i]);
        }
    }

    public static CaptionGrammar standard() {
        return new CaptionGrammar(0.1, 0.6, 0.5, 0.85, 0.3, 0.5);
    }

    /** Every attribute named, never empty: "a red striped star on a dark background". */
    public static CaptionGrammar full() {
        return new CaptionGrammar(0, 1, 1, 1, 1, 0);
    }

    public String caption(Scene scene, SplittableRandom rng) {
        boolean isEmpty = rng.nextDouble() < empty;
        boolean keepColour = rng.nextDouble() < colour;
        boolean keepStyle = rng.nextDouble() < style;
        boolean keepShape = rng.nextDouble() < shape;
        boolean keepBackground = rng.nextDouble() < background;
        boolean useSomething = rng.nextDouble() < something;
        if (isEmpty) return "";
        List<String> adjectives = new ArrayList<>();
        if (keepColour) adjectives.add(scene.colour().word());
        if (keepStyle) adjectives.add(scene.style().word());
        String phrase = !keepShape && useSomething && !adjectives.isEmpty() ? phrase(adjectives, null)
                : phrase(adjectives, keepShape ? scene.shape().word() : "shape");
        return keepBackground ? phrase + " on a " + scene.background().word() + " background" : phrase;
    }

    /**
     * Every non-empty caption this grammar can produce with every word it knows (all four styles: 1 047), in a fixed order:
     * the phrases with an article (colour, style and noun each present or not), then the "something" phrases,
     * each bare and then on each background. Those using only a world's words ({@link #parse} names them) are the
     * whole language a ShapeWorld model of that world was trained on: the miniature's analogue of a large English
     * vocabulary.
     */
    public static List<String> phrases() {
        List<String> nouns = new ArrayList<>(optional(ShapeKind.values()).subList(1, ShapeKind.values().length + 1));
        nouns.add("shape");
        List<String> bare = new ArrayList<>();
        List<String> something = new ArrayList<>();
        for (String colourWord : optional(Colour.values())) {
            for (String styleWord : optional(Style.values())) {
                List<String> adjectives = new ArrayList<>();
                if (colourWord != null) adjectives.add(colourWord);
                if (styleWord != null) adjectives.add(styleWord);
                for (String noun : nouns) bare.add(phrase(adjectives, noun));
                if (!adjectives.isEmpty()) something.add(phrase(adjectives, null));
            }
        }
        bare.addAll(something);
        List<String> out = new ArrayList<>();
        for (String phrase : bare) {
            out.add(phrase);
            for (Background b : Background.values()) out.add(phrase + " on a " + b.word() + " background");
        }
        return out;
    }

    private static List<String> optional(Worded[] values) {
        List<String> out = new ArrayList<>();
        out.add(null);
        for (Worded v : values) out.add(v.word());
        return out;
    }

    /** ARTICLE adjectives noun, or "something" and the adjectives when {@code noun} is null (the grammar's phrase). */
    private static String phrase(List<String> adjectives, String noun) {
        if (noun == null) return "something " + String.join(" and ", adjectives);
        List<String> words = new ArrayList<>(adjectives);
        words.add(noun);
        return article(words.get(0)) + " " + String.join(" ", words);
    }

    /** "an" before a vowel, else "a". */
    static String article(String nextWord) {
        return "aeiou".indexOf(nextWord.charAt(0)) >= 0 ? "an" : "a";
    }

    private static final Pattern GRAMMAR = Pattern.compile(
            "(?:(an?) (?:(" + words(Colour.values()) + ") )?(?:(" + words(Style.values()) + ") )?("
                    + words(ShapeKind.values()) + "|shape)"
                    + "|something (?:(" + words(Colour.values()) + ")(?: and (" + words(Style.values()) + "))?|("
                    + words(Style.values()) + ")))"
                    + "(?: on a (" + words(Background.values()) + ") background)?");

    /** The attributes a caption of this grammar names; throws if the caption is not in the grammar. */
    public static Mentions parse(String caption) {
        if (caption.isEmpty()) return new Mentions(null, null, null, null);
        Matcher m = GRAMMAR.matcher(caption);
        if (!m.matches()) throw new IllegalArgumentException("not a ShapeWorld caption: '" + caption + "'");
        if (m.group(1) != null) {
            String first = m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
            if (!m.group(1).equals(article(first))) {
                throw new IllegalArgumentException("wrong article in ShapeWorld caption: '" + caption + "'");
            }
        }
        String colourWord = m.group(2) != null ? m.group(2) : m.group(5);
        String styleWord = m.group(3) != null ? m.group(3) : m.group(6) != null ? m.group(6) : m.group(7);
        String shapeWord = "shape".equals(m.group(4)) ? null : m.group(4);
        return new Mentions(byWord(ShapeKind.values(), shapeWord), byWord(Colour.values(), colourWord),
                byWord(Style.values(), styleWord), byWord(Background.values(), m.group(8)));
    }

    private static String words(Worded[] values) {
        List<String> out = new ArrayList<>();
        for (Worded v : values) out.add(v.word());
        return String.join("|", out);
    }

    private static <E extends Worded> E byWord(E[] values, String word) {
        if (word == null) return null;
        for (E v : values) {
            if (v.word().equals(word)) return v;
        }
        throw new AssertionError(word);
    }
}
