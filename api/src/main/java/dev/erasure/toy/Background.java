package dev.erasure.toy;

/** A flat grey background: near black or near white (never pure, so that no palette colour is an extreme). */
public enum Background implements Worded {
    DARK("dark", 0x18),
    LIGHT("light", 0xE8);

    private final String word;
    private final int grey;

    Background(String word, int grey) {
        this.word = word;
        this.grey = grey;
    }

    @Override
    public String word() {
        return word;
    }

    /** 0xRRGGBB: the grey level in all three channels. */
    public int rgb() {
        return grey * 0x010101;
    }
}
