package dev.terrain.streams.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.terrain.streams.ParameterSnapshot;
import dev.terrain.streams.ParameterSnapshot.Tensor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SnapshotCodec}: exact round trips, and every malformed record rejected the same way. */
class KafkaSnapshotCodecTest {

    private static ParameterSnapshot small() {
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("pde", 0.25);
        terms.put("bc", 1e-9);
        return new ParameterSnapshot("run-é", 12, "float64",
                List.of(new Tensor("layer0.weight", new long[] {2, 2}), new Tensor("layer0.bias", new long[] {2})),
                new double[] {0.1, -0.2, 0.3, Math.E, -1e-310, 5}, terms, 0.5, "adam");
    }

    @Test
    void float64ValuesRoundTripBitForBitWithNaNAndInfiniteLosses() {
        ParameterSnapshot s = new ParameterSnapshot("r", Long.MAX_VALUE, "float64",
                List.of(new Tensor("w", new long[] {3}), new Tensor("scalar", new long[] {})),
                new double[] {Math.PI, -0.0, Double.MIN_VALUE, Double.MAX_VALUE},
                Map.of("pde", Double.NaN, "bc", Double.POSITIVE_INFINITY, "ic", Double.NEGATIVE_INFINITY),
                Double.NaN, "lbfgs");
        ParameterSnapshot back = SnapshotCodec.decode(SnapshotCodec.encode(s));
        assertThat(back).isEqualTo(s);
        assertThat(back.tensors().get(1).shape()).isEmpty();
        assertThat(Double.doubleToRawLongBits(back.values()[1])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(back.lossTerms().get("ic")).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void anEmptyLossMapAndAnEmptyTensorRoundTrip() {
        ParameterSnapshot s = new ParameterSnapshot("r", 0, "float64",
                List.of(new Tensor("empty", new long[] {0, 7}), new Tensor("w", new long[] {1})), new double[] {1.5},
                Map.of(), Double.NaN, "sgd");
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(s))).isEqualTo(s);
    }

    @Test
    void float32ValuesTakeFourBytesEachAndComeBackEqual() {
        int n = 1000;
        double[] f32 = new double[n];
        Random random = new Random(7);
        for (int i = 0; i < n; i++) {
            f32[i] = (float) random.nextGaussian();
        }
        f32[0] = Float.NaN;
        f32[1] = Float.NEGATIVE_INFINITY;
        List<Tensor> shape = List.of(new Tensor("w", new long[] {10, 100}));
        ParameterSnapshot asFloat = new ParameterSnapshot("r", 3, "float32", shape, f32, Map.of("pde", 1.0), 1, "adam");
        ParameterSnapshot asDouble = new ParameterSnapshot("r", 3, "float64", shape,
                Arrays.stream(f32).map(v -> v + 1e-12).toArray(), Map.of("pde", 1.0), 1, "adam");

        byte[] small = SnapshotCodec.encode(asFloat);
        byte[] large = SnapshotCodec.encode(asDouble);
        assertThat(large.length - small.length).isEqualTo(4 * n);
        assertThat(SnapshotCodec.decode(small)).isEqualTo(asFloat);
        assertThat(SnapshotCodec.decode(large)).isEqualTo(asDouble);
    }

    @Test
    void aFloat32RunWhoseValuesAreNotFloatsKeepsThemExact() {
        ParameterSnapshot s = new ParameterSnapshot("r", 1, "float32", List.of(new Tensor("w", new long[] {2})),
                new double[] {0.1, 1.0 / 3}, Map.of(), 0, "adam");
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(s))).isEqualTo(s);
    }

    @Test
    void anUnknownVersionIsRejectedByNumber() {
        byte[] record = SnapshotCodec.encode(small());
        record[0] = 7;
        assertThatThrownBy(() -> SnapshotCodec.decode(record)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshot record: unknown format version 7");
        assertThatThrownBy(() -> SnapshotCodec.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshot record is empty");
    }

    @Test
    void everyTruncationIsRejectedSayingWhereItStopped() {
        byte[] record = SnapshotCodec.encode(small());
        for (int len = 0; len < record.length; len++) {
            byte[] prefix = Arrays.copyOf(record, len);
            assertThatThrownBy(() -> SnapshotCodec.decode(prefix)).as("prefix of %d bytes", len)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(len == 0 ? "snapshot record is empty" : "snapshot record truncated at ");
        }
        // Cut inside the second tensor's shape: the message names it.
        int secondTensorShape = record.length - 6 * 8 - 1 - 8;
        assertThatThrownBy(() -> SnapshotCodec.decode(Arrays.copyOf(record, secondTensorShape)))
                .hasMessageStartingWith("snapshot record truncated at tensor 1");
    }

    @Test
    void strayBytesAfterTheValuesAreRejected() {
        byte[] record = Arrays.copyOf(SnapshotCodec.encode(small()), SnapshotCodec.encode(small()).length + 3);
        assertThatThrownBy(() -> SnapshotCodec.decode(record)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshot record: 3 stray bytes after the values");
    }

    @Test
    void hugeCountsAndDimensionsAreRejectedWithoutAllocatingThem() {
        byte[] record = SnapshotCodec.encode(small());
        // The tensor count sits right after the loss terms; claim two billion tensors.
        int tensorCountAt = indexOfTensorCount(record);
        ByteBuffer.wrap(record).putInt(tensorCountAt, Integer.MAX_VALUE);
        assertThatThrownBy(() -> SnapshotCodec.decode(record)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshot record truncated at tensor count");
        ByteBuffer.wrap(record).putInt(tensorCountAt, -1);
        assertThatThrownBy(() -> SnapshotCodec.decode(record)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshot record: negative tensor count -1");
    }

    @Test
    void randomBytesAndCorruptedRecordsOnlyEverGiveIllegalArgumentException() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] garbage = new byte[random.nextInt(200)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && random.nextBoolean()) {
                garbage[0] = SnapshotCodec.FORMAT_VERSION;
            }
            assertDecodesOrRejects(garbage);
        }
        byte[] record = SnapshotCodec.encode(small());
        for (int at = 0; at < record.length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] flipped = record.clone();
                flipped[at] ^= (byte) (1 << bit);
                assertDecodesOrRejects(flipped);
            }
        }
    }

    private static void assertDecodesOrRejects(byte[] bytes) {
        Throwable t = catchThrowable(() -> SnapshotCodec.decode(bytes));
        if (t != null) {
            assertThat(t).as("decoding %s", Arrays.toString(bytes)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("snapshot record");
        }
    }

    /** Offset of the tensor count in {@link #small()}'s record: after version, strings, step, total, terms. */
    private static int indexOfTensorCount(byte[] record) {
        ByteBuffer b = ByteBuffer.wrap(record);
        b.position(1);
        skipString(b);
        b.getLong();
        skipString(b);
        skipString(b);
        b.getDouble();
        int terms = b.getInt();
        for (int i = 0; i < terms; i++) {
            skipString(b);
            b.getDouble();
        }
        return b.position();
    }

    private static void skipString(ByteBuffer b) {
        int n = b.getInt();
        b.position(b.position() + n);
    }
}
