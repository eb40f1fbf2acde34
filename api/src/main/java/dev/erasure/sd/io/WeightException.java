package dev.erasure.sd.io;

/**
 * A weight file or key is missing or malformed. The message always names the file and, where
 * there is one, the key.
 */
public class WeightException extends RuntimeException {
    public WeightException(String message) {
        super(message);
    }

    public WeightException(String message, Throwable cause) {
        super(message, cause);
    }
}
