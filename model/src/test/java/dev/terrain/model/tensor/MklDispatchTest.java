package dev.terrain.model.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MklDispatch} and {@code libterrain-mkl-dispatch.so}: what is reported, that the build and surefire
 * really preload it, and that MKL's products agree with and without it (two JVMs, same inputs).
 */
class MklDispatchTest {
    /** Where Maven's generate-resources (model/pom.xml) builds the library. */
    private static final Path LIBRARY = Path.of("target", "native", MklDispatch.LIBRARY).toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void readsTheLibraryOffTheProcessMaps() throws IOException {
        Path maps = dir.resolve("maps");
        Files.writeString(maps, """
                7f00-7f10 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6
                7f20-7f30 r-xp 00001000 08:01 43 /work/main/model/target/native/libterrain-mkl-dispatch.so
                """);
        assertThat(MklDispatch.mapped(maps)).isTrue();
        Files.writeString(maps, """
                7f00-7f10 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6
                7f20-7f30 r-xp 00001000 08:01 43 /tmp/old/libterrain-mkl-dispatch.so.bak
                """);
        assertThat(MklDispatch.mapped(maps)).as("another file whose name starts alike").isFalse();
        assertThat(MklDispatch.mapped(dir.resolve("absent"))).isFalse();
    }

    @Test
    void readsTheVendorAndSaysWhatItMeans() throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\n");
        assertThat(MklDispatch.vendor(cpuinfo)).isEqualTo("AuthenticAMD");
        Files.writeString(cpuinfo, "processor\t: 0\nmodel name\t: Neoverse-V2\n");
        assertThat(MklDispatch.vendor(cpuinfo)).isEqualTo("unknown");

        assertThat(MklDispatch.describe(true, "AuthenticAMD", false)).startsWith("on (").contains(MklDispatch.LIBRARY);
        assertThat(MklDispatch.describe(false, "AuthenticAMD", false)).startsWith("off (")
                .contains("generic path", "C compiler").doesNotContain("TERRAIN_MKL_DISPATCH");
        assertThat(MklDispatch.describe(false, "AuthenticAMD", true)).startsWith("off (TERRAIN_MKL_DISPATCH=off;")
                .contains("generic path").doesNotContain("C compiler");
        assertThat(MklDispatch.describe(false, "GenuineIntel", false)).isEqualTo("off (CPU GenuineIntel: not needed)");
    }

    /** The root pom's surefire settings preload what model's build made: this JVM has it mapped. */
    @Test
    void testsRunWithTheLibraryMavenBuilt() {
        assumeBuilt();
        assertThat(MklDispatch.loaded()).as("%s is built but this test JVM has not preloaded it", LIBRARY).isTrue();
        assertThat(MklDispatch.describe()).startsWith("on (");
    }

    /**
     * MKL's products with the library (its Intel kernels on an AMD CPU) and without it agree: the same seeded
     * [1000, 50] x [50, 50] products (both operand orders, as a layer's forward and reverse products) in two
     * JVMs, to 1e-12 (float64) and 2e-6 (float32) of the largest entry: only the summation order differs.
     */
    @Test
    void productsAgreeWithAndWithoutTheLibrary() throws Exception {
        assumeBuilt();
        Path with = dir.resolve("with.bin");
        Path without = dir.resolve("without.bin");
        child(with, LIBRARY.toString());
        child(without, null);
        Products a = read(with);
        Products b = read(without);
        assertThat(a.loaded).as("the child with LD_PRELOAD reports it mapped").isTrue();
        assertThat(b.loaded).as("the child without LD_PRELOAD reports it absent").isFalse();
        assertThat(a.values).hasSameDimensionsAs(b.values);
        double[] tolerance = {1e-12, 1e-12, 2e-6, 2e-6};
        for (int k = 0; k < a.values.length; k++) {
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < a.values[k].length; i++) {
                scale = Math.max(scale, Math.abs(b.values[k][i]));
                diff = Math.max(diff, Math.abs(a.values[k][i] - b.values[k][i]));
            }
            assertThat(scale).as("product %d is not all zeros", k).isGreaterThan(1.0);
            assertThat(diff / scale).as("product %d, largest difference relative to its largest entry", k).isLessThan(tolerance[k]);
        }
    }

    private static void assumeBuilt() {
        Assumptions.assumeTrue(Files.isRegularFile(LIBRARY),
                LIBRARY + " was not built: no C compiler when Maven ran (apt-get install gcc)");
    }

    /** Runs {@link Child} in a JVM of its own, with {@code preload} as LD_PRELOAD or none, writing {@code out}. */
    private static void child(Path out, String preload) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", Child.class.getName(),
                out.toString()).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        if (preload != null) {
            pb.environment().put("LD_PRELOAD", preload);
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the child JVM finished").isTrue();
        assertThat(p.exitValue()).as("the child JVM's exit code; its output: %s", output).isZero();
    }

    /** What a child wrote: whether it had the library mapped, and its products. */
    private record Products(boolean loaded, double[][] values) {}

    private static Products read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            boolean loaded = in.readBoolean();
            double[][] out = new double[in.readInt()][];
            for (int k = 0; k < out.length; k++) {
                out[k] = new double[in.readInt()];
                for (int i = 0; i < out[k].length; i++) {
                    out[k][i] = in.readDouble();
                }
            }
            return new Products(loaded, out);
        }
    }

    /** The child JVM: whether it has the library mapped, then seeded products in float64 and float32 as doubles, to the file given. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            List<double[]> products = new ArrayList<>();
            try (NDManager m = NDManager.newBaseManager()) {
                for (DataType dt : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
                    Random random = new Random(7);
                    NDArray x = random(m, random, 1000, 50).toType(dt, false);
                    NDArray w = random(m, random, 50, 50).toType(dt, false);
                    NDArray y = random(m, random, 1000, 50).toType(dt, false);
                    products.add(x.matMul(w).toType(DataType.FLOAT64, false).toDoubleArray());
                    products.add(x.transpose().matMul(y).toType(DataType.FLOAT64, false).toDoubleArray());
                }
            }
            // Order: float64 forward, float64 reverse, float32 forward, float32 reverse (the tolerances' order).
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[0])))) {
                out.writeBoolean(MklDispatch.loaded());
                out.writeInt(products.size());
                for (double[] p : products) {
                    out.writeInt(p.length);
                    for (double v : p) {
                        out.writeDouble(v);
                    }
                }
            }
        }

        private static NDArray random(NDManager m, Random random, int rows, int cols) {
            double[] v = new double[rows * cols];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextGaussian();
            }
            return m.create(v, new Shape(rows, cols));
        }
    }
}
