package dev.erasure.viz;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordTableTest {
    record Row(int i, long n, float f, String word, Map<String, Double> losses, double[] p, Thread.State state) {
    }

    private static Map<String, Double> losses(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int j = 0; j < kv.length; j += 2) m.put((String) kv[j], (Double) kv[j + 1]);
        return m;
    }

    @Test
    void columnsFollowTheRecordsComponents() {
        Table t = RecordTable.of("rows", Row.class, List.of(
                new Row(1, 10L, 0.5f, "a", losses("loss", 1.0, "erase", 2.0), new double[] {0.25, 0.75}, Thread.State.NEW),
                new Row(2, 20L, 1.5f, "b", losses("loss", 3.0, "adversary", 4.0), new double[0], Thread.State.RUNNABLE)));
        assertEquals("rows", t.name());
        assertEquals(List.of("i", "n", "f", "word", "loss", "erase", "adversary", "p_max", "p", "state"), t.columnNames());
        assertEquals(List.of(1, 2), t.intColumn("i").asList());
        assertEquals(List.of(10L, 20L), t.longColumn("n").asList());
        assertEquals(1.5, t.doubleColumn("f").get(1));
        assertEquals(List.of("a", "b"), t.stringColumn("word").asList());
        assertEquals(List.of(1.0, 3.0), t.doubleColumn("loss").asList());
        assertEquals(2.0, t.doubleColumn("erase").get(0));
        assertTrue(Double.isNaN(t.doubleColumn("erase").getDouble(1)), "a loss a row lacks is NaN");
        assertEquals(0.75, t.doubleColumn("p_max").get(0));
        assertTrue(Double.isNaN(t.doubleColumn("p_max").getDouble(1)), "an empty distribution has no max");
        assertEquals("0.25000 0.75000", t.stringColumn("p").get(0));
        assertEquals(List.of("NEW", "RUNNABLE"), t.stringColumn("state").asList());
    }

    @Test
    void noRowsStillHaveTheRecordsColumns() {
        Table t = RecordTable.of("empty", Row.class, List.of());
        assertEquals(0, t.rowCount());
        assertEquals(List.of("i", "n", "f", "word", "p_max", "p", "state"), t.columnNames(), "a map's keys come from its rows");
    }
}
