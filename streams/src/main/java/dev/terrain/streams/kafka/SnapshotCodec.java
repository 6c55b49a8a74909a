package dev.terrain.streams.kafka;

import dev.terrain.streams.ParameterSnapshot;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a {@link ParameterSnapshot} on the {@code terrain.snapshots} topic. JSON would
 * spell every parameter as decimal text, three to five times the bytes and slow to parse; a snapshot is
 * mostly one big array of numbers, so it travels as raw IEEE 754 values.
 *
 * <p>Format version 1, big-endian, in this order:
 * <pre>
 *   byte    format version (1)
 *   string  run id
 *   long    step
 *   string  dtype
 *   string  optimizer
 *   double  total loss
 *   int     loss term count, then per term: string name, double value
 *   int     tensor count, then per tensor: string name, int rank, rank × long dimension
 *   byte    value width: 4 (float32) or 8 (float64)
 *   values  one per parameter, their count the sum of the tensors' sizes
 * </pre>
 * A string is an int byte length then UTF-8 bytes. Values are written as float32 when every one of them
 * is exactly a float32 (always so for a float32 run, whose parameters were floats before they became
 * doubles), which halves the record; otherwise as float64. Either way decoding gives back equal values,
 * NaN and infinities included.
 *
 * <p>{@link #decode} trusts nothing: a record from another producer, a truncated one or plain garbage
 * gives an {@link IllegalArgumentException} saying what is wrong, never another exception and never an
 * allocation sized by an unchecked length.
 */
public final class SnapshotCodec {
    /** Bumped when the layout changes; a reader rejects versions it does not know. */
    public static final byte FORMAT_VERSION = 1;
    private static final byte FLOAT32 = 4;
    private static final byte FLOAT64 = 8;

    private SnapshotCodec() {
    }

    public static byte[] encode(ParameterSnapshot s) {
        byte[] runId = utf8(s.runId());
        byte[] dtype = utf8(s.dtype());
        byte[] optimizer = utf8(s.optimizer());
        List<byte[]> termNames = new ArrayList<>();
        List<Double> termValues = new ArrayList<>();
        long size = 1 + 4 + runId.length + 8 + 4 + dtype.length + 4 + optimizer.length + 8 + 4 + 4 + 1;
        for (Map.Entry<String, Double> e : s.lossTerms().entrySet()) {
            byte[] name = utf8(e.getKey());
            termNames.add(name);
            termValues.add(e.getValue());
            size += 4 + name.length + 8;
        }
        List<byte[]> tensorNames = new ArrayList<>();
        for (ParameterSnapshot.Tensor t : s.tensors()) {
            byte[] name = utf8(t.name());
            tensorNames.add(name);
            size += 4 + name.length + 4 + 8L * t.shape().length;
        }
        double[] values = s.values();
        byte width = allFloat32(values) ? FLOAT32 : FLOAT64;
        size += (long) width * values.length;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(s + " needs " + size + " bytes, more than one record can hold");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        b.put(FORMAT_VERSION);
        putString(b, runId);
        b.putLong(s.step());
        putString(b, dtype);
        putString(b, optimizer);
        b.putDouble(s.total());
        b.putInt(termNames.size());
        for (int i = 0; i < termNames.size(); i++) {
            putString(b, termNames.get(i));
            b.putDouble(termValues.get(i));
        }
        b.putInt(s.tensors().size());
        for (int i = 0; i < tensorNames.size(); i++) {
            putString(b, tensorNames.get(i));
            long[] shape = s.tensors().get(i).shape();
            b.putInt(shape.length);
            for (long d : shape) {
                b.putLong(d);
            }
        }
        b.put(width);
        if (width == FLOAT32) {
            for (double v : values) {
                b.putFloat((float) v);
            }
        } else {
            b.asDoubleBuffer().put(values);
        }
        return b.array();
    }

    /**
     * Reads a record written by {@link #encode}.
     *
     * @throws IllegalArgumentException when the record is empty, of an unknown format version, truncated,
     *                                  inconsistent or followed by stray bytes
     */
    public static ParameterSnapshot decode(byte[] record) {
        if (record == null || record.length == 0) {
            throw new IllegalArgumentException("snapshot record is empty");
        }
        if (record[0] != FORMAT_VERSION) {
            throw new IllegalArgumentException("snapshot record: unknown format version " + record[0]);
        }
        Reader r = new Reader(ByteBuffer.wrap(record, 1, record.length - 1));
        try {
            return r.snapshot();
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("snapshot record truncated at " + r.at + " (" + record.length
                    + " bytes)");
        }
    }

    /** The decoding state; {@code at} names the field being read, for error messages. */
    private static final class Reader {
        private final ByteBuffer b;
        private String at = "run id";

        Reader(ByteBuffer b) {
            this.b = b;
        }

        ParameterSnapshot snapshot() {
            String runId = string();
            at = "step";
            long step = b.getLong();
            at = "dtype";
            String dtype = string();
            at = "optimizer";
            String optimizer = string();
            at = "total loss";
            double total = b.getDouble();
            at = "loss term count";
            int terms = count(4 + 8);
            Map<String, Double> lossTerms = new LinkedHashMap<>();
            for (int i = 0; i < terms; i++) {
                at = "loss term " + i;
                String name = string();
                if (lossTerms.put(name, b.getDouble()) != null) {
                    throw invalid("loss term " + name + " appears twice");
                }
            }
            at = "tensor count";
            int tensorCount = count(4 + 4);
            List<ParameterSnapshot.Tensor> tensors = new ArrayList<>(tensorCount);
            long parameters = 0;
            for (int i = 0; i < tensorCount; i++) {
                at = "tensor " + i;
                ParameterSnapshot.Tensor t = tensor(i);
                tensors.add(t);
                parameters += t.size();
                if (parameters > b.remaining()) {
                    throw truncated();
                }
            }
            at = "values";
            double[] values = values((int) parameters);
            if (b.hasRemaining()) {
                throw invalid(b.remaining() + " stray bytes after the values");
            }
            return new ParameterSnapshot(runId, step, dtype, tensors, values, lossTerms, total, optimizer);
        }

        private ParameterSnapshot.Tensor tensor(int i) {
            String name = string();
            int rank = count(8);
            long[] shape = new long[rank];
            boolean empty = false;
            for (int d = 0; d < rank; d++) {
                shape[d] = b.getLong();
                if (shape[d] < 0) {
                    throw invalid("tensor " + i + " (" + name + ") has dimension " + shape[d]);
                }
                empty |= shape[d] == 0;
            }
            // Each value takes ≥ 4 bytes, so a size beyond the bytes left is truncation (or garbage); checking
            // before each product also keeps the size from overflowing.
            long size = 1;
            for (int d = 0; d < rank && !empty; d++) {
                if (shape[d] > b.remaining() / size) {
                    throw truncated();
                }
                size *= shape[d];
            }
            return new ParameterSnapshot.Tensor(name, shape);
        }

        private double[] values(int n) {
            byte width = b.get();
            if (width != FLOAT32 && width != FLOAT64) {
                throw invalid("value width " + width + " (expected 4 or 8)");
            }
            if ((long) n * width > b.remaining()) {
                throw truncated();
            }
            double[] values = new double[n];
            if (width == FLOAT32) {
                for (int i = 0; i < n; i++) {
                    values[i] = b.getFloat();
                }
            } else {
                b.asDoubleBuffer().get(values);
                b.position(b.position() + 8 * n);
            }
            return values;
        }

        /** A count of items each at least {@code minBytes} long: negative or beyond the bytes left is bad. */
        private int count(int minBytes) {
            int n = b.getInt();
            if (n < 0) {
                throw invalid("negative " + at + " " + n);
            }
            if ((long) n * minBytes > b.remaining()) {
                throw truncated();
            }
            return n;
        }

        private String string() {
            int n = b.getInt();
            if (n < 0) {
                throw invalid(at + " has negative length " + n);
            }
            if (n > b.remaining()) {
                throw truncated();
            }
            ByteBuffer bytes = b.slice(b.position(), n);
            b.position(b.position() + n);
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(bytes);
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw invalid(at + " is not valid UTF-8");
            }
        }

        private IllegalArgumentException truncated() {
            return new IllegalArgumentException("snapshot record truncated at " + at);
        }

        private IllegalArgumentException invalid(String what) {
            return new IllegalArgumentException("snapshot record: " + what);
        }
    }

    private static boolean allFloat32(double[] values) {
        for (double v : values) {
            if ((double) (float) v != v && !Double.isNaN(v)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer b, byte[] utf8) {
        b.putInt(utf8.length);
        b.put(utf8);
    }
}
