package dev.erasure.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates golden fixture folders. The SD fixture comes from the system property
 * {@code erasure.fixtures} (default {@code ../shared/fixtures/tiny-sd}, as CI lays it out);
 * when that default is absent (a user's fresh clone) the copy vendored in the repository's
 * {@code fixtures/} folder is used. An explicitly given folder that does not exist is an error.
 */
public final class Fixtures {
    private static final String DEFAULT_SD = "../shared/fixtures/tiny-sd";

    private Fixtures() {
    }

    /** The tiny SD-v1 fixture folder (model + golden.json + golden.safetensors). */
    public static Path tinySd() {
        return resolve("erasure.fixtures", DEFAULT_SD, "tiny-sd");
    }

    /**
     * The tiny SD-2.x fixture folder: {@code erasure.fixtures.sd2} (default
     * {@code ../shared/fixtures/tiny-sd2}, else the vendored copy). The SD-2 parity subclasses run
     * the SD parity tests on it; {@code -Derasure.fixtures} points the SD tests at any SD-1/2 folder.
     */
    public static Path tinySd2() {
        return resolve("erasure.fixtures.sd2", "../shared/fixtures/tiny-sd2", "tiny-sd2");
    }

    /** The tiny SDXL fixture folder: {@code erasure.fixtures.sdxl} (default {@code ../shared/fixtures/tiny-sdxl}). */
    public static Path tinySdxl() {
        return resolve("erasure.fixtures.sdxl", "../shared/fixtures/tiny-sdxl", "tiny-sdxl");
    }

    /** The tiny CLIP fixture folder. */
    public static Path tinyClip() {
        return resolve("erasure.clipFixtures", "../shared/fixtures/tiny-clip", "tiny-clip");
    }

    /** A judge/sampler fixture: -Derasure.fixtures.&lt;key&gt;, else ../shared/fixtures/&lt;name&gt;, else fixtures/&lt;name&gt;. */
    public static Path judge(String key, String name) {
        return resolve("erasure.fixtures." + key, "../shared/fixtures/" + name, name);
    }

    public static Path lms() {
        return judge("lms", "lms");
    }

    public static Path torchRng() {
        return judge("rng", "torch-rng");
    }

    public static Path nudenet() {
        return judge("nudenet", "tiny-nudenet");
    }

    public static Path resnet() {
        return judge("resnet", "tiny-resnet");
    }

    public static Path lpips() {
        return judge("lpips", "tiny-lpips");
    }

    public static Path fid() {
        return judge("fid", "tiny-fid");
    }

    static Path resolve(String property, String defaultValue, String vendoredName) {
        String given = System.getProperty(property);
        boolean explicit = given != null && !given.isBlank() && !isDefault(given, defaultValue);
        if (explicit) {
            Path p = Paths.get(given);
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("-D" + property + "=" + given + " is not a folder");
            }
            return p.toAbsolutePath().normalize();
        }
        Path root = repositoryRoot();
        Path shared = root.resolve(defaultValue).normalize();
        if (Files.isDirectory(shared)) return shared;
        Path vendored = root.resolve("fixtures").resolve(vendoredName);
        if (Files.isDirectory(vendored)) return vendored;
        throw new IllegalStateException("no " + vendoredName + " fixture: neither " + shared + " nor " + vendored);
    }

    private static boolean isDefault(String given, String defaultValue) {
        return given.replace('\\', '/').endsWith(defaultValue.substring(2));
    }

    /** The checkout's root: the nearest ancestor of the working directory with a fixtures/ folder. */
    public static Path repositoryRoot() {
        Path p = Paths.get("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isDirectory(q.resolve("fixtures")) && Files.exists(q.resolve("pom.xml"))) return q;
        }
        throw new IllegalStateException("cannot find the repository root above " + p);
    }
}
