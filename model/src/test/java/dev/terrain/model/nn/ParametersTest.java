package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Flat parameter vectors: toFlat / load round trips, layout, and the wrong-length message. */
class ParametersTest {
    enum Dt { FLOAT32, FLOAT64 }

    static NetworkSpec spec() {
        return new NetworkSpec("resnet", 5, 2, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                List.of(), false, null);
    }

    @ParameterizedTest
    @EnumSource(Dt.class)
    void loadThenToFlatRoundTripsExactly(Dt which) {
        DataType dt = which == Dt.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        try (NDManager m = NDManager.newBaseManager()) {
            Parameters params = new Parameters(m, dt);
            spec().build(params, 2, 1, 3);
            double[] v = new double[(int) params.count()];
            SplittableRandom rng = new SplittableRandom(1);
            for (int i = 0; i < v.length; i++) {
                double x = rng.nextDouble(-3, 3);
                v[i] = dt == DataType.FLOAT32 ? (float) x : x; // representable in the run's type
            }
            params.load(v);
            assertThat(params.toFlat()).containsExactly(v);
            // Layout: parameter tensors in list order, each row-major.
            int at = 0;
            for (Param p : params.list()) {
                double[] t = Tensors.toDoubles(p.array());
                for (int i = 0; i < t.length; i++) {
                    assertThat(t[i]).as("%s[%d]", p.name(), i).isEqualTo(v[at + i]);
                }
                at += t.length;
                assertThat(p.array().getDataType()).isEqualTo(dt);
                assertThat(p.array().hasGradient()).as("%s still requires a gradient", p.name()).isTrue();
            }
            assertThat(at).isEqualTo(v.length);
            // float32 keeps float precision: a value that is not a float is rounded on load.
            if (dt == DataType.FLOAT32) {
                double[] w = v.clone();
                w[0] = 0.1;
                params.load(w);
                assertThat(params.toFlat()[0]).isEqualTo((double) 0.1f);
            }
        }
    }

    @Test
    void loadChangesWhatTheNetworkComputes() {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters a = new Parameters(m, DataType.FLOAT64);
            Parameters b = new Parameters(m, DataType.FLOAT64);
            Network na = spec().build(a, 2, 1, 3);
            Network nb = spec().build(b, 2, 1, 4);
            Jet x = Jet.input(m.create(new double[] {0.2, 0.3, -0.5, 0.9}, new Shape(2, 2)), 0);
            double[] ua = Tensors.toDoubles(na.forward(x, c).value());
            assertThat(Tensors.toDoubles(nb.forward(x, c).value())).doesNotContain(ua[0]);
            b.load(a.toFlat());
            assertThat(Tensors.toDoubles(nb.forward(x, c).value())).containsExactly(ua);
        }
    }

    @Test
    void loadOfTheWrongLengthNamesBothCounts() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameters params = new Parameters(m, DataType.FLOAT64);
            spec().build(params, 2, 1, 3);
            long n = params.count();
            assertThat(n).isEqualTo(2 * 2 * 25 + (2 + 4 + 2) * 5 + 1);
            double[] before = params.toFlat();
            assertThatThrownBy(() -> params.load(new double[(int) n - 1]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.valueOf(n - 1))
                    .hasMessageContaining(String.valueOf(n));
            assertThatThrownBy(() -> params.load(new double[(int) n + 7]))
                    .hasMessageContaining((n + 7) + " values")
                    .hasMessageContaining("has " + n);
            assertThat(params.toFlat()).as("a failed load changes nothing").containsExactly(before);
        }
    }

    @Test
    void addRejectsValuesThatDoNotFitTheShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameters params = new Parameters(m, DataType.FLOAT64);
            assertThatThrownBy(() -> params.add("w", "g", Param.Kind.WEIGHT, new Shape(2, 3), new double[5]))
                    .hasMessageContaining("w").hasMessageContaining("5 values").hasMessageContaining("(2, 3)");
        }
    }
}
