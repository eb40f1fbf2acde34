package dev.erasure.viz;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A Tablesaw table from Java records, one row per record and the columns derived from the record's
 * components (so a history table never restates a record's fields): int/long/double/float and
 * String components as such, anything else by its {@code toString}; a {@code Map} of numbers
 * (e.g. named losses) as one double column per key (NaN where a row lacks it); a {@code double[]}
 * (e.g. a distribution) as {@code NAME_max} and {@code NAME} (its values, space-separated).
 */
public final class RecordTable {
    private RecordTable() {
    }

    /** The table of {@code rows}, all of class {@code type} (which fixes the columns when there are none). */
    public static Table of(String name, Class<? extends Record> type, List<? extends Record> rows) {
        Table t = Table.create(name);
        for (RecordComponent c : type.getRecordComponents()) {
            List<Object> values = new ArrayList<>(rows.size());
            for (Record r : rows) values.add(read(c, r));
            Class<?> k = c.getType();
            if (Map.class.isAssignableFrom(k)) {
                mapColumns(values).forEach(t::addColumns);
            } else if (k == double[].class) {
                t.addColumns(DoubleColumn.create(c.getName() + "_max", values.stream().mapToDouble(v -> max((double[]) v)).toArray()),
                        StringColumn.create(c.getName(), values.stream().map(v -> join((double[]) v)).toArray(String[]::new)));
            } else {
                t.addColumns(column(c.getName(), k, values));
            }
        }
        return t;
    }

    private static Column<?> column(String name, Class<?> k, List<Object> values) {
        if (k == int.class || k == Integer.class) {
            return IntColumn.create(name, values.stream().mapToInt(v -> (Integer) v).toArray());
        }
        if (k == long.class || k == Long.class) {
            return LongColumn.create(name, values.stream().mapToLong(v -> (Long) v).toArray());
        }
        if (k == double.class || k == float.class || k == Double.class || k == Float.class) {
            return DoubleColumn.create(name, values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray());
        }
        return StringColumn.create(name, values.stream().map(String::valueOf).toArray(String[]::new));
    }

    /** One double column per key of the maps, in first-seen order. */
    private static List<DoubleColumn> mapColumns(List<Object> maps) {
        Set<Object> keys = new LinkedHashSet<>();
        for (Object m : maps) keys.addAll(((Map<?, ?>) m).keySet());
        List<DoubleColumn> out = new ArrayList<>();
        for (Object key : keys) {
            out.add(DoubleColumn.create(String.valueOf(key), maps.stream().mapToDouble(m -> {
                Object v = ((Map<?, ?>) m).get(key);
                return v instanceof Number n ? n.doubleValue() : Double.NaN;
            }).toArray()));
        }
        return out;
    }

    private static Object read(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getName(), e);
        }
    }

    private static double max(double[] p) {
        double m = Double.NaN;
        for (double v : p) m = Double.isNaN(m) ? v : Math.max(m, v);
        return m;
    }

    private static String join(double[] p) {
        StringBuilder b = new StringBuilder();
        for (double v : p) b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.5f", v));
        return b.toString();
    }
}
