package dev.erasure.toy;

/** An attribute value with its caption word. */
public interface Worded {
    String word();
}
