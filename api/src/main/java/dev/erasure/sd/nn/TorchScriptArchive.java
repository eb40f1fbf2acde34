package dev.erasure.sd.nn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive (the zip {@code torch.jit.save} produces) for a module without
 * parameters, from TorchScript source held in Java: no Python needed to build or run the project.
 * The layout is the one libtorch's {@code torch::jit::load} reads: {@code data.pkl} (a pickle of the
 * module object: its class and its {@code training} flag), {@code constants.pkl} (an empty tuple),
 * {@code version} and the class source under {@code code/__torch__.py}. Entries are stored, not
 * deflated, like torch's own writer.
 */
final class TorchScriptArchive {
    /** File-format version libtorch 2.x reads without upgraders for the ops used here. */
    private static final String VERSION = "6\n";

    private TorchScriptArchive() {
    }

    /**
     * @param className the module class, defined in {@code source} as {@code class <name>(Module):}
     * @param source    TorchScript source of {@code code/__torch__.py}
     */
    static byte[] write(String className, String source) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            String root = "archive/";
            put(zip, root + "data.pkl", modulePickle(className));
            put(zip, root + "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
            put(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            put(zip, root + "version", VERSION.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** pickle protocol 2: {@code __torch__.<className>()} with state {'training': True}. */
    private static byte[] modulePickle(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2); // PROTO 2
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.write(')'); // EMPTY_TUPLE
        p.write(0x81); // NEWOBJ
        p.write('}'); // EMPTY_DICT
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE, 4-byte little-endian length
        p.write(key.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(key);
        p.write(0x88); // NEWTRUE
        p.write('s'); // SETITEM
        p.write('b'); // BUILD
        p.write('.'); // STOP
        return p.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
