package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.erasure.io.Sha256;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The judges' weight and config files: JSON objects read with errors naming the file, and
 * safetensors only. PyTorch pickles (.pth/.pt/.bin/.ckpt) are refused with the judge's own
 * one-line conversion, since unpickling runs arbitrary code.
 */
final class JudgeFiles {
    private static final List<String> PICKLE_SUFFIXES = List.of(".pth", ".pt", ".bin", ".ckpt", ".pkl");

    private JudgeFiles() {
    }

    /** Hex SHA-256 of a file's bytes (to pin a weight file in a cache or a protocol record). */
    static String sha256(Path file) {
        return Sha256.of(file);
    }

    static String sha256(InputStream in) throws IOException {
        return Sha256.of(in);
    }

    static JsonObject json(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("config file not found: " + file);
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    /**
     * Every tensor of a safetensors file except {@code *.num_batches_tracked} (a BatchNorm training
     * counter that inference never reads and converted files may or may not carry).
     *
     * @param conversion the one-line command that turns the reference pickle into safetensors
     */
    static Map<String, NDArray> safetensors(Path file, NDManager manager, String conversion) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (PICKLE_SUFFIXES.stream().anyMatch(name::endsWith)) {
            throw new WeightException(file + " is a PyTorch pickle, which Erasure does not load (unpickling runs "
                    + "arbitrary code). Convert it to safetensors first:\n  " + conversion);
        }
        try {
            Map<String, NDArray> all = Safetensors.load(file, manager, k -> !k.endsWith(".num_batches_tracked"), DataType.FLOAT32);
            return new LinkedHashMap<>(all);
        } catch (WeightException e) {
            if (e.getMessage() != null && e.getMessage().contains("pickle")) {
                throw new WeightException(e.getMessage() + "\n  " + conversion);
            }
            throw e;
        }
    }
}
