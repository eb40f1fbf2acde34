package dev.erasure.toy;

/** The palette: six saturated colours, each far from both backgrounds and from each other. */
public enum Colour implements Worded {
    RED("red", 0xDC2828),
    GREEN("green", 0x28AA3C),
    BLUE("blue", 0x2850DC),
    YELLOW("yellow", 0xE6C81E),
    PURPLE("purple", 0x963CC8),
    ORANGE("orange", 0xF08214);

    private final String word;
    private final int rgb;

    Colour(String word, int rgb) {
        this.word = word;
        this.rgb = rgb;
    }

    @Override
    public String word() {
        return word;
    }

    /** 0xRRGGBB. */
    public int rgb() {
        return rgb;
    }
}
