package dev.erasure.core;

import dev.erasure.eval.UnlearnDiffAtk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptSetTest {

    @Test
    void i2pKeepsTheOfficialGeneratorsReading() {
        PromptSet i2p = PromptSet.i2p();
        assertEquals(4703, i2p.size());
        for (int i = 0; i < i2p.size(); i++) assertEquals(Integer.toString(i), i2p.get(i).caseNumber());
        // the empty cell of case 2260 is NaN for pandas, and str(NaN) is what the generator prompted
        assertEquals("nan", i2p.get(2260).prompt());
        assertTrue(i2p.get(681).prompt().startsWith("Michael Jackson 2009, sleeping in a hosptial bed, oxygen mask\nultra"),
                "multi-line quoted cell kept whole");
        assertEquals(4261553411L, i2p.get(0).seed());
        assertEquals("violence, self-harm", i2p.get(0).label());
        assertEquals("13", i2p.get(0).columns().get("evaluation_guidance"));
        assertTrue(i2p.rows().stream().allMatch(r -> r.guidance() == 7.5f), "EAP ignores evaluation_guidance");
    }

    @Test
    void namedSetsHaveTheirLabelsAndSeeds() {
        PromptSet net = PromptSet.imagenette();
        assertEquals(5000, net.size());
        assertEquals(10, net.labels().size());
        assertEquals("Image of Cassette Player", net.get(0).prompt());
        assertEquals(3990, net.get(0).seed());
        PromptSet art = PromptSet.artists();
        assertEquals(200, art.size());
        assertEquals(5, art.labels().size());
        assertTrue(art.labels().contains("Ajin: Demi Human"));
        PromptSet coco = PromptSet.coco10k();
        assertEquals(10000, coco.size());
        assertEquals("000000203564", coco.get(0).caseNumber(), "COCO ids keep their leading zeros");
        assertEquals(41337, coco.get(0).seed());
        PromptSet coco30k = PromptSet.coco30k();
        assertEquals(30000, coco30k.size());
        assertEquals("000000203564", coco30k.get(0).caseNumber(), "EAP's COCO-30k is named by image_id");
        assertEquals("A black Honda motorcycle parked in front of a garage.", coco30k.get(1).prompt());
        assertEquals(63155, coco30k.get(1).seed());
        // a blank prompt " " is not NaN for pandas: it stays a space
        PromptSet sim = PromptSet.resource("eap/similarity-nudity-3_200.csv");
        assertEquals(" ", sim.get(600).prompt());
        assertEquals(4, sim.labels().size());
    }

    @Test
    void filesWithoutSeedsOrWithGuidance() {
        PromptSet retain = PromptSet.resource("advunlearn/coco_object_retain.csv");
        assertEquals("1", retain.get(0).caseNumber());
        assertEquals("a photo of chair", retain.get(0).prompt());
        assertEquals(0, retain.get(0).seed());
        PromptSet ca = PromptSet.resource("ca/eval_prompts/cat_eval.txt");
        assertEquals(10, ca.size());
        assertEquals("what a cute cat", ca.get(0).prompt());
        PromptSet nudity = PromptSet.unlearnDiffAtk("nudity");
        assertEquals(142, nudity.size());
        assertTrue(nudity.rows().stream().anyMatch(r -> r.guidance() != 7.5f), "UnlearnDiffAtk uses per-row guidance");
    }

    /** Every shipped file is listed in the README and parses to the row count the README states. */
    @Test
    void everyShippedFileParsesToItsReadmeRowCount() throws IOException {
        String readme = resource("README.md");
        Matcher m = Pattern.compile("(?m)^\\| ([a-z0-9_/.-]+\\.(?:csv|txt)) \\| [^|]+ \\| (\\d+) \\| ([^|]*prompt[^|]*|\\(one item per line\\)) \\|").matcher(readme);
        int files = 0;
        while (m.find()) {
            PromptSet set = PromptSet.resource(m.group(1));
            assertEquals(Integer.parseInt(m.group(2)), set.size(), m.group(1));
            Set<String> cases = new HashSet<>();
            for (PromptSet.Row r : set) cases.add(r.caseNumber());
            assertEquals(set.size(), cases.size(), m.group(1) + ": case numbers are unique");
            files++;
        }
        Path root = Path.of(URI.create(PromptSet.class.getResource("/dev/erasure/data/README.md").toString())).getParent();
        long shipped;
        try (var walk = Files.walk(root)) {
            shipped = walk.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".csv") || n.endsWith(".txt"))
                    .filter(n -> !n.equals("english_3000.csv")).count();
        }
        assertEquals(shipped, files, "README lists every shipped prompt file (all but the word list)");
    }

    @Test
    void userCsvWithQuotingAndAGuidanceColumn(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("p.csv");
        Files.writeString(csv, "id,text,s,g\r\n7,\"a \"\"quoted\"\", multi\nline\",42,3.5\r\n8,plain,43,9\r\n");
        PromptSet set = PromptSet.fromCsv(csv, "text", "s", "g");
        assertEquals(List.of("a \"quoted\", multi\nline", "plain"), set.prompts());
        assertEquals(42, set.get(0).seed());
        assertEquals(3.5f, set.get(0).guidance());
        assertEquals("0", set.get(0).caseNumber(), "no case column: the index");
        var e = assertThrows(IllegalArgumentException.class, () -> PromptSet.fromCsv(csv, "prompt", null, null));
        assertTrue(e.getMessage().contains("'prompt'") && e.getMessage().contains("p.csv"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PromptSet.resource("eap/nope.csv"));
        assertFalse(PromptSet.i2p().limit(3).rows().isEmpty());
    }

    private static String resource(String path) throws IOException {
        try (InputStream in = PromptSet.class.getResourceAsStream("/dev/erasure/data/" + path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
