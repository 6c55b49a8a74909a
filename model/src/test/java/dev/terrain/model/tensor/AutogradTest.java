package dev.terrain.model.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * {@link Autograd} against closed-form gradients in float64: f(x, w) = sum(x^3 w) has df/dx = 3 x^2 w and
 * df/dw = x^3; g(x, w) = sum(sin(x) exp(w)) has dg/dx = cos(x) exp(w) and dg/dw = sin(x) exp(w). Both
 * reach 1e-12 relative in float64 (libtorch's sin/cos/exp are within a few ulp).
 */
class AutogradTest {
    private static final double TOL = 1e-12;
    private static final int N = 7;

    /** sum(x^3 w), written without Java numbers on the differentiated path. */
    private static NDArray cubeTimes(NDArray x, NDArray w) {
        return x.mul(x).mul(x).mul(w).sum();
    }

    private static NDArray sinTimesExp(NDArray x, NDArray w) {
        return x.sin().mul(w.exp()).sum();
    }

    /** {dx, dw} of {@code f} at (x, w) by one recording, with a GC between the forward and the reverse pass. */
    private static double[][] gradient(NDManager m, double[] x0, double[] w0, BiFunction<NDArray, NDArray, NDArray> f,
            Runnable beforeBackward) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = m.create(x0, new Shape(x0.length));
            NDArray w = m.create(w0, new Shape(w0.length));
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            try (Autograd.Recording rec = Autograd.record()) {
                NDArray y = f.apply(x, w);
                beforeBackward.run();
                rec.backward(y);
            }
            return new double[][] {Tensors.toDoubles(x.getGradient()), Tensors.toDoubles(w.getGradient())};
        }
    }

    private static double[] draw(SplittableRandom rng) {
        double[] v = new double[N];
        for (int i = 0; i < N; i++) {
            v[i] = -1.5 + 3 * rng.nextDouble();
        }
        return v;
    }

    private static void assertCubeTimes(double[] x, double[] w, double[][] g) {
        for (int i = 0; i < N; i++) {
            assertThat(g[0][i]).as("d/dx_%d sum(x^3 w)", i).isCloseTo(3 * x[i] * x[i] * w[i], Offset.offset(TOL * 10));
            assertThat(g[1][i]).as("d/dw_%d sum(x^3 w)", i).isCloseTo(x[i] * x[i] * x[i], Offset.offset(TOL * 10));
        }
    }

    private static void assertSinTimesExp(double[] x, double[] w, double[][] g) {
        for (int i = 0; i < N; i++) {
            double e = Math.exp(w[i]);
            assertThat(g[0][i]).as("d/dx_%d sum(sin x exp w)", i).isCloseTo(Math.cos(x[i]) * e, Offset.offset(TOL * e));
            assertThat(g[1][i]).as("d/dw_%d sum(sin x exp w)", i).isCloseTo(Math.sin(x[i]) * e, Offset.offset(TOL * e));
        }
    }

    @Test
    void gradientOfAClosedFormFunctionSurvivesAGarbageCollection() {
        try (NDManager m = NDManager.newBaseManager()) {
            SplittableRandom rng = new SplittableRandom(3);
            double[] x = draw(rng);
            double[] w = draw(rng);
            double[][] g = gradient(m, x, w, AutogradTest::cubeTimes, System::gc);
            assertCubeTimes(x, w, g);
            assertThat(g[0][0]).as("the gradient is not trivially zero").isNotZero();
        }
    }

    @Test
    void twoThreadsRecordAtTheSameTimeAndBothGetTheirOwnGradients() throws Exception {
        int rounds = 200;
        // Both threads meet with a recording open, and again before closing it: their recordings overlap.
        CyclicBarrier bothRecording = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> cubes = pool.submit(() -> rounds(11, rounds, bothRecording, AutogradTest::cubeTimes, true));
            Future<Integer> sines = pool.submit(() -> rounds(12, rounds, bothRecording, AutogradTest::sinTimesExp, false));
            assertThat(cubes.get(5, TimeUnit.MINUTES)).isEqualTo(rounds);
            assertThat(sines.get(5, TimeUnit.MINUTES)).isEqualTo(rounds);
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code rounds} checked gradients of {@code f} on this thread's own manager; the count of those that matched. */
    private static int rounds(long seed, int rounds, CyclicBarrier barrier, BiFunction<NDArray, NDArray, NDArray> f,
            boolean cubes) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        int checked = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int r = 0; r < rounds; r++) {
                double[] x = draw(rng);
                double[] w = draw(rng);
                double[][] g = gradient(m, x, w, f, () -> await(barrier));
                if (cubes) {
                    assertCubeTimes(x, w, g);
                } else {
                    assertSinTimesExp(x, w, g);
                }
                checked++;
            }
        } catch (Throwable t) {
            barrier.reset(); // lets the other thread fail fast instead of waiting out its timeout
            throw t;
        }
        return checked;
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("the other recording thread did not arrive", e);
        }
    }

    @Test
    void closingRestoresTheGradModeTheThreadHadBefore() {
        boolean original = JniUtils.isGradMode();
        try {
            for (boolean before : List.of(false, true)) {
                JniUtils.setGradMode(before);
                try (Autograd.Recording rec = Autograd.record()) {
                    assertThat(JniUtils.isGradMode()).as("recording on").isTrue();
                }
                assertThat(JniUtils.isGradMode()).as("restored after %s", before).isEqualTo(before);
            }
            JniUtils.setGradMode(false);
            try (Autograd.Recording outer = Autograd.record()) {
                try (Autograd.Recording inner = Autograd.record()) {
                    assertThat(JniUtils.isGradMode()).isTrue();
                }
                assertThat(JniUtils.isGradMode()).as("an inner recording leaves the outer one on").isTrue();
            }
            assertThat(JniUtils.isGradMode()).isFalse();
        } finally {
            JniUtils.setGradMode(original);
        }
    }

    @Test
    void aRecordingIsClosedOnTheThreadThatOpenedIt() throws Exception {
        boolean original = JniUtils.isGradMode();
        try {
            JniUtils.setGradMode(false);
            Autograd.Recording rec = Autograd.record();
            assertThatThrownBy(() -> CompletableFuture.runAsync(rec::close).join())
                    .hasRootCauseInstanceOf(IllegalStateException.class).hasMessageContaining("must be closed there");
            rec.close();
            assertThat(JniUtils.isGradMode()).isFalse();
        } finally {
            JniUtils.setGradMode(original);
        }
    }

    @Test
    void theSeedIsMadeLikeTheTargetInFloat32() {
        try (NDManager m = NDManager.newBaseManager(); Autograd.Recording rec = Autograd.record()) {
            NDArray x = m.create(new float[] {0.5f, -2f}, new Shape(2));
            x.setRequiresGradient(true);
            rec.backward(x.mul(x).sum());
            assertThat(x.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(x.getGradient().toFloatArray()).containsExactly(1f, -4f);
        }
    }
}
