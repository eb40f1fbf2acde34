package dev.erasure.io;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The copy behind every wither of the configuration records: {@code Records.with(this, "seed", s)}
 * is {@code new Erasure(model, targets, …, s, …)} without restating the component list. The copy
 * goes through the record's canonical constructor, so its compact-constructor validation runs and
 * its exceptions surface unchanged (the same type, the same message).
 *
 * <p>A component name the record does not have, or a value its component cannot hold, is a
 * programming error and fails with an {@link IllegalArgumentException} naming the record and the
 * component. Primitive components take their boxed value ({@code Long} for {@code long}), and the
 * widening conversions Java applies to a constructor argument ({@code int} value for a
 * {@code long} component); {@code null} for a primitive component is refused. The other components
 * are read from the fields, not the accessors (an accessor may be overridden). Constructor and
 * fields are looked up once per record class.
 */
public final class Records {
    private Records() {
    }

    /** A copy of {@code record} with {@code component} set to {@code value}; every other component kept. */
    public static <R extends Record> R with(R record, String component, Object value) {
        return copy(record, component, value);
    }

    /** A copy with two components set at once (one constructor call: its validation sees only the result). */
    public static <R extends Record> R with(R record, String component1, Object value1, String component2, Object value2) {
        return copy(record, component1, value1, component2, value2);
    }

    /** A copy with three components set at once (one constructor call). */
    public static <R extends Record> R with(R record, String component1, Object value1, String component2, Object value2,
                                            String component3, Object value3) {
        return copy(record, component1, value1, component2, value2, component3, value3);
    }

    /** {@code namesAndValues}: component name, value, component name, value, … */
    private static <R extends Record> R copy(R record, Object... namesAndValues) {
        Shape shape = SHAPES.get(record.getClass());
        Object[] args = shape.values(record);
        for (int i = 0; i < namesAndValues.length; i += 2) shape.set(args, (String) namesAndValues[i], namesAndValues[i + 1]);
        return shape.create(args);
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return new Shape(type);
        }
    };

    /** A record class's components (in order), their fields and its canonical constructor. */
    /** A record's components by name, in declaration order, read through their accessors (what the record shows). */
    public static Map<String, Object> components(Record r) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                Method accessor = c.getAccessor();
                accessor.setAccessible(true);
                out.put(c.getName(), accessor.invoke(r));
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getName() + ": " + e, e);
            }
        }
        return out;
    }

    private static final class Shape {
        private final Class<?> type;
        private final Field[] fields;
        private final Class<?>[] types;
        private final Map<String, Integer> index = new LinkedHashMap<>();
        private final Constructor<?> constructor;

        Shape(Class<?> type) {
            if (!type.isRecord()) throw new IllegalArgumentException(type.getName() + " is not a record");
            this.type = type;
            RecordComponent[] components = type.getRecordComponents();
            fields = new Field[components.length];
            types = new Class<?>[components.length];
            try {
                for (int i = 0; i < components.length; i++) {
                    types[i] = components[i].getType();
                    index.put(components[i].getName(), i);
                    // the field, not the accessor: an accessor may be overridden to return something else
                    fields[i] = type.getDeclaredField(components[i].getName());
                    fields[i].setAccessible(true);
                }
                constructor = type.getDeclaredConstructor(types);
                constructor.setAccessible(true);
            } catch (NoSuchFieldException | NoSuchMethodException | RuntimeException e) {
                throw new IllegalStateException("cannot copy record " + type.getName() + ": " + e, e);
            }
        }

        Object[] values(Object record) {
            Object[] args = new Object[fields.length];
            try {
                for (int i = 0; i < fields.length; i++) args[i] = fields[i].get(record);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read record " + type.getName() + ": " + e, e);
            }
            return args;
        }

        void set(Object[] args, String component, Object value) {
            Integer i = index.get(component);
            if (i == null) {
                throw new IllegalArgumentException("record " + type.getName() + " has no component '" + component
                        + "'; its components: " + String.join(", ", index.keySet()));
            }
            args[i] = convert(component, types[i], value);
        }

        private Object convert(String component, Class<?> target, Object value) {
            if (!target.isPrimitive()) {
                if (value == null || target.isInstance(value)) return value;
                throw wrongType(component, target, value);
            }
            if (value == null) {
                throw new IllegalArgumentException("record " + type.getName() + " component '" + component
                        + "' is a " + target.getName() + ", got null");
            }
            Object widened = widen(target, value);
            if (widened == null) throw wrongType(component, target, value);
            return widened;
        }

        private IllegalArgumentException wrongType(String component, Class<?> target, Object value) {
            return new IllegalArgumentException("record " + type.getName() + " component '" + component + "' is a "
                    + target.getName() + ", got a " + value.getClass().getName() + " (" + value + ")");
        }

        @SuppressWarnings("unchecked")
        <R> R create(Object[] args) {
            try {
                return (R) constructor.newInstance(args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) throw r; // the compact constructor's validation, unchanged
                if (cause instanceof Error err) throw err;
                throw new IllegalStateException("constructor of " + type.getName() + " failed: " + cause, cause);
            } catch (InstantiationException | IllegalAccessException e) {
                throw new IllegalStateException("cannot construct record " + type.getName() + ": " + e, e);
            }
        }
    }

    /**
     * {@code value} (a box) as the box of primitive {@code target} by the identity or a widening
     * primitive conversion (JLS 5.1.2); null when there is none.
     */
    private static Object widen(Class<?> target, Object value) {
        if (target == boolean.class) return value instanceof Boolean ? value : null;
        if (value instanceof Character c) {
            if (target == char.class) return c;
            return rank(target) >= 3 ? widenNumber(target, (int) c) : null;
        }
        int from = value instanceof Byte ? 1 : value instanceof Short ? 2 : value instanceof Integer ? 3
                : value instanceof Long ? 4 : value instanceof Float ? 5 : value instanceof Double ? 6 : 0;
        int to = rank(target);
        return from > 0 && to >= from ? widenNumber(target, (Number) value) : null;
    }

    /** byte 1, short 2, int 3, long 4, float 5, double 6 (char 0: no number widens to it). */
    private static int rank(Class<?> t) {
        if (t == byte.class) return 1;
        if (t == short.class) return 2;
        if (t == int.class) return 3;
        if (t == long.class) return 4;
        if (t == float.class) return 5;
        if (t == double.class) return 6;
        return 0;
    }

    private static Object widenNumber(Class<?> target, Number n) {
        if (target == byte.class) return n.byteValue();
        if (target == short.class) return n.shortValue();
        if (target == int.class) return n.intValue();
        if (target == long.class) return n.longValue();
        if (target == float.class) return n.floatValue();
        return n.doubleValue();
    }
}
