package dev.erasure.kernel.protocol;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import io.github.spencerpark.jupyter.kernel.ExpressionValue;
import io.github.spencerpark.jupyter.kernel.history.HistoryEntry;
import io.github.spencerpark.jupyter.messages.Header;
import io.github.spencerpark.jupyter.messages.KernelTimestamp;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.ReplyType;
import io.github.spencerpark.jupyter.messages.adapters.ExpressionValueAdapter;
import io.github.spencerpark.jupyter.messages.adapters.HeaderAdapter;
import io.github.spencerpark.jupyter.messages.adapters.HistoryEntryAdapter;
import io.github.spencerpark.jupyter.messages.adapters.HistoryRequestAdapter;
import io.github.spencerpark.jupyter.messages.adapters.KernelTimestampAdapter;
import io.github.spencerpark.jupyter.messages.adapters.MessageTypeAdapter;
import io.github.spencerpark.jupyter.messages.adapters.PublishStatusAdapter;
import io.github.spencerpark.jupyter.messages.adapters.ReplyTypeAdapter;
import io.github.spencerpark.jupyter.messages.publish.PublishStatus;
import io.github.spencerpark.jupyter.messages.request.HistoryRequest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Jupyter wire format, strictly: one multipart ZMQ message is read whole, split at the
 * {@code <IDS|MSG>} delimiter, its HMAC checked in constant time, and only then parsed. The
 * base library reads frame by frame (a short message swallows the start of the next one),
 * throws on a bad signature and so kills its polling thread; this class only returns results.
 */
public final class WireFormat {
    static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);

    /** The same gson set-up as the base library's socket, so parsed messages are identical. */
    private static final Gson REPLY_GSON = new GsonBuilder()
            .registerTypeAdapter(HistoryEntry.class, HistoryEntryAdapter.INSTANCE)
            .registerTypeAdapter(ExpressionValue.class, ExpressionValueAdapter.INSTANCE)
            .create();
    static final Gson GSON = new GsonBuilder()
            .registerTypeAdapter(KernelTimestamp.class, KernelTimestampAdapter.INSTANCE)
            .registerTypeAdapter(Header.class, HeaderAdapter.INSTANCE)
            .registerTypeAdapter(MessageType.class, MessageTypeAdapter.INSTANCE)
            .registerTypeAdapter(PublishStatus.class, PublishStatusAdapter.INSTANCE)
            .registerTypeAdapter(HistoryRequest.class, HistoryRequestAdapter.INSTANCE)
            .registerTypeHierarchyAdapter(ReplyType.class, new ReplyTypeAdapter(REPLY_GSON))
            .create();
    private static final Type MAP = new TypeToken<Map<String, Object>>() { }.getType();

    /** A message that was rejected, with the reason to log. */
    public static final class Rejected extends Exception {
        Rejected(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The frames of one message after the delimiter, kept raw for signing and replies. */
    public record Frames(List<byte[]> identities, String signature, byte[] header, byte[] parentHeader,
                         byte[] metadata, byte[] content, List<byte[]> buffers) { }

    private final Mac mac;  // null: the connection has no key, so messages are not signed

    public WireFormat(String signatureScheme, String key) throws Exception {
        if (key == null || key.isEmpty()) {
            mac = null;
        } else {
            String algorithm = signatureScheme.replace("-", "");
            mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
        }
    }

    public Frames split(List<byte[]> frames) throws Rejected {
        int d = -1;
        for (int i = 0; i < frames.size(); i++) {
            if (Arrays.equals(frames.get(i), DELIMITER)) { d = i; break; }
        }
        if (d < 0) throw new Rejected("no <IDS|MSG> delimiter in " + frames.size() + " frames");
        if (frames.size() < d + 6) throw new Rejected("only " + (frames.size() - d - 1) + " frames after the delimiter, need 5");
        return new Frames(List.copyOf(frames.subList(0, d)), new String(frames.get(d + 1), StandardCharsets.US_ASCII),
                frames.get(d + 2), frames.get(d + 3), frames.get(d + 4), frames.get(d + 5),
                List.copyOf(frames.subList(d + 6, frames.size())));
    }

    public synchronized String sign(byte[]... parts) {
        if (mac == null) return "";
        for (byte[] p : parts) mac.update(p);
        return HexFormat.of().formatHex(mac.doFinal());
    }

    public void verify(Frames f) throws Rejected {
        if (mac == null) return;
        byte[] expected = sign(f.header(), f.parentHeader(), f.metadata(), f.content()).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, f.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw new Rejected(f.signature().isEmpty() ? "unsigned message" : "wrong HMAC signature");
        }
    }

    /** Parses verified frames into the base library's message type. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Message<?> parse(Frames f) throws Rejected {
        try {
            JsonElement headerJson = JsonParser.parseString(utf8(f.header()));
            if (!headerJson.isJsonObject() || !headerJson.getAsJsonObject().has("msg_type")) throw new Rejected("header without msg_type");
            Header<?> header = GSON.fromJson(headerJson, Header.class);
            Header<?> parent = null;
            JsonElement parentJson = JsonParser.parseString(utf8(f.parentHeader()));
            if (parentJson.isJsonObject() && parentJson.getAsJsonObject().size() > 0) parent = GSON.fromJson(parentJson, Header.class);
            Map<String, Object> metadata = GSON.fromJson(utf8(f.metadata()), MAP);
            JsonElement contentJson = JsonParser.parseString(utf8(f.content()));
            if (!contentJson.isJsonObject()) throw new Rejected("content is not a JSON object");
            Object content = GSON.fromJson(contentJson, header.getType().getContentType());
            return new Message(f.identities(), header, parent, metadata, content, f.buffers());
        } catch (Rejected r) {
            throw r;
        } catch (RuntimeException e) {
            throw new Rejected("unparseable message: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The msg_type string of a raw header, or "" when it has none. */
    public static String msgType(byte[] header) {
        return headerField(header, "msg_type");
    }

    /** The session id of a raw header, or "" when it has none. */
    public static String session(byte[] header) {
        return headerField(header, "session");
    }

    private static String headerField(byte[] header, String name) {
        try {
            JsonObject o = JsonParser.parseString(utf8(header)).getAsJsonObject();
            return o.has(name) ? o.get(name).getAsString() : "";
        } catch (RuntimeException e) {
            return "";
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
