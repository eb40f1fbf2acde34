package dev.erasure.eval.judge;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.erasure.sd.ConfigJson;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The architecture of a torchvision ResNet (shared/fixtures/tiny-resnet {@code config.json}): block
 * type, blocks per stage, stem width, the {@code planes} of each stage, groups and width per group
 * (the Bottleneck's inner width is planes·width_per_group/64·groups), classes, BatchNorm eps and the
 * preprocessing. Missing keys take torchvision's resnet50 values.
 */
public record ResNetConfig(Block block, int[] layers, int stemWidth, int[] widths, int groups, int widthPerGroup,
                           int numClasses, float batchNormEps, ImageNetPreprocess preprocess) {

    /** torchvision's two residual blocks. */
    public enum Block {
        BASIC_BLOCK("BasicBlock", 1), BOTTLENECK("Bottleneck", 4);

        private final String torchName;
        private final int expansion;

        Block(String torchName, int expansion) {
            this.torchName = torchName;
            this.expansion = expansion;
        }

        public int expansion() {
            return expansion;
        }

        static Block named(String name, Path source) {
            for (Block b : values()) if (b.torchName.equals(name)) return b;
            throw new IllegalArgumentException(source + ": 'block' = \"" + name + "\" is not BasicBlock or Bottleneck");
        }
    }

    /** torchvision {@code resnet50()} with the {@code IMAGENET1K_V2} transforms. */
    public static final ResNetConfig RESNET50 = new ResNetConfig(Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 64,
            new int[] {64, 128, 256, 512}, 1, 64, 1000, 1e-5f, ImageNetPreprocess.IMAGENET1K_V2);

    public ResNetConfig {
        if (layers.length != widths.length || layers.length == 0) {
            throw new IllegalArgumentException("a ResNet needs one width per stage, got layers " + Arrays.toString(layers)
                    + " and widths " + Arrays.toString(widths));
        }
        if (block == Block.BASIC_BLOCK && (groups != 1 || widthPerGroup != 64)) {
            throw new IllegalArgumentException("BasicBlock only supports groups=1 and width_per_group=64 (as torchvision)");
        }
    }

    public static ResNetConfig read(Path configJson) {
        JsonObject o = JudgeFiles.json(configJson);
        ConfigJson c = new ConfigJson(o, configJson.toString());
        ResNetConfig d = RESNET50;
        if (o.has("replace_stride_with_dilation")) {
            for (var e : o.getAsJsonArray("replace_stride_with_dilation")) {
                if (e.getAsBoolean()) throw c.unsupported("replace_stride_with_dilation", o.get("replace_stride_with_dilation"));
            }
        }
        ImageNetPreprocess p = d.preprocess;
        if (o.has("preprocess")) {
            JsonObject po = o.getAsJsonObject("preprocess");
            ConfigJson pc = new ConfigJson(po, configJson + " → preprocess");
            p = new ImageNetPreprocess(pc.integer("resize_short_side", p.resize()), pc.integer("center_crop", p.crop()),
                    floats(po, "mean", p.mean(), configJson), floats(po, "std", p.std(), configJson));
            String interpolation = pc.string("interpolation", "bilinear");
            if (!interpolation.startsWith("bilinear")) throw pc.unsupported("interpolation", interpolation);
        }
        return new ResNetConfig(c.isSet("block") ? Block.named(c.string("block", null), configJson) : d.block,
                c.ints("layers", d.layers), c.integer("stem_width", d.stemWidth), c.ints("widths", d.widths),
                c.integer("groups", d.groups), c.integer("width_per_group", d.widthPerGroup),
                c.integer("num_classes", d.numClasses), (float) c.number("batch_norm_eps", d.batchNormEps), p);
    }

    private static float[] floats(JsonObject o, String key, float[] dflt, Path source) {
        if (!o.has(key)) return dflt;
        JsonArray a = o.getAsJsonArray(key);
        if (a.size() != 3) throw new IllegalArgumentException(source + ": preprocess '" + key + "' must have 3 values");
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) out[i] = a.get(i).getAsFloat();
        return out;
    }

    /** Channels out of stage s (planes × expansion). */
    public int stageChannels(int s) {
        return widths[s] * block.expansion;
    }

    /** The Bottleneck's inner width of stage s: int(planes · (width_per_group / 64)) · groups. */
    public int innerWidth(int s) {
        return (int) (widths[s] * (widthPerGroup / 64.0)) * groups;
    }

    public ResNetConfig withPreprocess(ImageNetPreprocess p) {
        return new ResNetConfig(block, layers, stemWidth, widths, groups, widthPerGroup, numClasses, batchNormEps, p);
    }
}
