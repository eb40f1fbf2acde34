package dev.erasure.toy;

/** A flat background: near black or near white (never pure, so that no palette colour is an extreme). */
public enum Background {
    DARK("dark", 0x181818),
    LIGHT("light", 0xE8E8E8);

    private final String word;
    private final int rgb;

    Background(String word, int rgb) {
        this.word = word;
        this.rgb = rgb;
    }

    public String word() {
        return word;
    }

    /** 0xRRGGBB. */
    public int rgb() {
        return rgb;
    }
}
