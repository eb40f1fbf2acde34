package dev.erasure.kernel.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WireFormatTest {
    private static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void acceptsSignedAndRejectsForgedMessages() throws Exception {
        WireFormat wire = new WireFormat("hmac-sha256", "secret");
        byte[] header = b("{\"msg_id\":\"1\",\"username\":\"u\",\"session\":\"s\",\"date\":\"2024-01-01T00:00:00Z\",\"msg_type\":\"kernel_info_request\",\"version\":\"5.3\"}");
        byte[][] parts = {header, b("{}"), b("{}"), b("{}")};
        String sig = wire.sign(parts);
        WireFormat.Frames good = wire.split(List.of(b("id"), WireFormat.DELIMITER, b(sig), parts[0], parts[1], parts[2], parts[3]));
        wire.verify(good);
        assertEquals("kernel_info_request", wire.parse(good).getHeader().getType().getName());

        WireFormat.Frames forged = wire.split(List.of(WireFormat.DELIMITER, b("00" + sig.substring(2)), parts[0], parts[1], parts[2], parts[3]));
        assertThrows(WireFormat.Rejected.class, () -> wire.verify(forged));
        WireFormat.Frames unsigned = wire.split(List.of(WireFormat.DELIMITER, b(""), parts[0], parts[1], parts[2], parts[3]));
        assertThrows(WireFormat.Rejected.class, () -> wire.verify(unsigned));
        assertThrows(WireFormat.Rejected.class, () -> wire.split(List.of(b("no delimiter"))));
        assertThrows(WireFormat.Rejected.class, () -> wire.split(List.of(WireFormat.DELIMITER, b(sig))));
        byte[][] junk = {b("{"), b("{}"), b("{}"), b("{}")};
        WireFormat.Frames bad = wire.split(List.of(WireFormat.DELIMITER, b(wire.sign(junk)), junk[0], junk[1], junk[2], junk[3]));
        wire.verify(bad);
        assertThrows(WireFormat.Rejected.class, () -> wire.parse(bad));
    }
}
