package dev.terrain.model.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.train.Objective;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LossSurfaceTest {

    /** J at theta + a d1 + b d2, one plain (unbatched) evaluation with the parameters loaded. */
    static double direct(Objective o, Map<String, PointSet> batch, double[] theta, double[][] d, double a, double b) {
        Parameters p = o.network().parameters();
        double[] row = new double[theta.length];
        for (int q = 0; q < row.length; q++) {
            row[q] = theta[q] + a * d[0][q] + b * d[1][q];
        }
        p.load(row);
        try {
            return o.evaluate(batch).total().getDouble();
        } finally {
            p.load(theta);
        }
    }

    @Test
    void linearInParametersNetworkGivesTheExactQuadraticSurface() {
        for (BiasMode mode : BiasMode.values()) {
            try (NDManager m = NDManager.newBaseManager()) {
                Scalars c = new Scalars(m, DataType.FLOAT64);
                Parameters params = new Parameters(m, DataType.FLOAT64);
                // u = [sin 2 pi x, cos 2 pi x] W + b is linear in theta, so the misfit to sin 2 pi x is an
                // exact quadratic in (a, b) along any two directions.
                Network net = new NetworkSpec("mlp", 0, 0, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                        List.of(1), false, null).build(params, 1, 1, 1);
                Objective o = new Objective(Catalogue.byId("regression").create(Map.of("target", "sine")),
                        LossKind.RESIDUAL, net, Map.of(), c);
                double[] theta = {0.3, -0.5, 0.2};
                params.load(theta);
                Map<String, PointSet> batch = RoughnessIndexTest.pointsFor(o, m);
                LossSurface.Settings s = new LossSurface.Settings(11, 9, 0.8, 17, mode);
                LossSurface.Result r = LossSurface.compute(new BatchedLoss(o, batch, 1 << 10), params, s);
                double[][] d = LossSurface.directions(params, s);
                assertThat(params.toFlat()).containsExactly(theta);

                // The quadratic q(a, b) = c0 + c1 a + c2 b + c11 a^2 + c22 b^2 + c12 a b from six direct evaluations.
                double h = s.span();
                double f0 = direct(o, batch, theta, d, 0, 0);
                double fap = direct(o, batch, theta, d, h, 0);
                double fam = direct(o, batch, theta, d, -h, 0);
                double fbp = direct(o, batch, theta, d, 0, h);
                double fbm = direct(o, batch, theta, d, 0, -h);
                double fab = direct(o, batch, theta, d, h, h);
                double c1 = (fap - fam) / (2 * h);
                double c11 = (fap + fam - 2 * f0) / (2 * h * h);
                double c2 = (fbp - fbm) / (2 * h);
                double c22 = (fbp + fbm - 2 * f0) / (2 * h * h);
                double c12 = (fab - f0 - c1 * h - c2 * h - c11 * h * h - c22 * h * h) / (h * h);
                assertThat(c11).isPositive();
                assertThat(c22).isPositive();

                assertThat(r.a()).hasSize(11).startsWith(-0.8).endsWith(0.8);
                assertThat(r.a()[5]).isZero();
                assertThat(r.b()).hasSize(9);
                assertThat(r.b()[4]).isZero();
                assertThat(r.nonFiniteCount()).isZero();
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < 11; i++) {
                    for (int j = 0; j < 9; j++) {
                        double a = r.a()[i];
                        double b = r.b()[j];
                        double q = f0 + c1 * a + c2 * b + c11 * a * a + c22 * b * b + c12 * a * b;
                        assertThat(r.loss()[i][j]).as("%s cell (%d, %d)", mode, i, j).isCloseTo(q, within(1e-12 * q));
                        min = Math.min(min, r.loss()[i][j]);
                        max = Math.max(max, r.loss()[i][j]);
                    }
                }
                assertThat(r.min()).isEqualTo(min);
                assertThat(r.max()).isEqualTo(max);
                assertThat(r.lossAtTheta()).isCloseTo(f0, within(1e-12 * f0));
                assertThat(r.loss()[5][4]).isCloseTo(f0, within(1e-12 * f0));
                for (int[] ij : new int[][] {{0, 0}, {10, 8}, {3, 7}, {7, 1}}) {
                    double v = direct(o, batch, theta, d, r.a()[ij[0]], r.b()[ij[1]]);
                    assertThat(r.loss()[ij[0]][ij[1]]).isCloseTo(v, within(1e-12 * v));
                }
            }
        }
    }

    @Test
    void batchedGridEqualsDirectEvaluationForResNetDgm() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective o = RoughnessIndexTest.poisson(m, DataType.FLOAT64, "dgm", "resnet", 4);
            Map<String, PointSet> batch = RoughnessIndexTest.simpson(o, m, 51);
            Parameters p = o.network().parameters();
            double[] theta = p.toFlat();
            LossSurface.Settings s = new LossSurface.Settings(9, 7, 0.5, 3, BiasMode.ZERO);
            // A small element bound forces several batched passes.
            BatchedLoss loss = new BatchedLoss(o, batch, 1 << 12);
            assertThat(loss.chunk()).isLessThan(9 * 7);
            LossSurface.Result r = LossSurface.compute(loss, p, s);
            double[][] d = LossSurface.directions(p, s);
            assertThat(r.loss()).hasDimensions(9, 7);
            assertThat(r.nonFiniteCount()).isZero();
            assertThat(r.settings()).isEqualTo(s);
            assertThat(r.wallSeconds()).isPositive();
            for (int[] ij : new int[][] {{0, 0}, {8, 6}, {4, 3}, {1, 5}, {6, 2}, {8, 0}}) {
                double v = direct(o, batch, theta, d, r.a()[ij[0]], r.b()[ij[1]]);
                assertThat(r.loss()[ij[0]][ij[1]]).as("cell (%d, %d)", ij[0], ij[1]).isCloseTo(v, within(1e-12 * v));
            }
            double atTheta = o.evaluate(batch).total().getDouble();
            assertThat(r.lossAtTheta()).isCloseTo(atTheta, within(1e-12 * atTheta));
            assertThat(r.min()).isLessThanOrEqualTo(r.lossAtTheta());
            assertThat(r.max()).isGreaterThan(r.min());
            // Same seed, same surface.
            assertThat(LossSurface.compute(loss, p, s).loss()).isDeepEqualTo(r.loss());
        }
    }

    @Test
    void nonFiniteCellsStayInTheGridAndAreCounted() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective o = RoughnessIndexTest.poisson(m, DataType.FLOAT32, "dgm", "resnet", 4);
            BatchedLoss loss = new BatchedLoss(o, RoughnessIndexTest.simpson(o, m, 51), 1 << 20);
            // Steps of 1e30 times theta overflow float32 everywhere except at theta itself (the centre).
            LossSurface.Result r = LossSurface.compute(loss, o.network().parameters(),
                    new LossSurface.Settings(3, 3, 1e30, 1, BiasMode.ZERO));
            assertThat(r.nonFiniteCount()).isEqualTo(8);
            assertThat(Double.isFinite(r.loss()[1][1])).isTrue();
            assertThat(Double.isFinite(r.loss()[0][0])).isFalse();
            assertThat(r.min()).isEqualTo(r.loss()[1][1]);
            assertThat(r.max()).isEqualTo(r.loss()[1][1]);
        }
    }

    @Test
    void badSettingsNameTheValue() {
        assertThatThrownBy(() -> new LossSurface.Settings(1, 5, 1.0, 1, BiasMode.ZERO)).hasMessageContaining("n1 = 1");
        assertThatThrownBy(() -> new LossSurface.Settings(5, 0, 1.0, 1, BiasMode.ZERO)).hasMessageContaining("n2 = 0");
        assertThatThrownBy(() -> new LossSurface.Settings(5, 5, 0.0, 1, BiasMode.ZERO)).hasMessageContaining("span = 0.0");
        assertThatThrownBy(() -> new LossSurface.Settings(5, 5, -1.0, 1, BiasMode.ZERO)).hasMessageContaining("span = -1.0");
        assertThatThrownBy(() -> new LossSurface.Settings(5, 5, Double.NaN, 1, BiasMode.ZERO))
                .hasMessageContaining("span = NaN");
        assertThatThrownBy(() -> new LossSurface.Settings(5, 5, Double.POSITIVE_INFINITY, 1, BiasMode.ZERO))
                .hasMessageContaining("span = Infinity");
        assertThatThrownBy(() -> new LossSurface.Settings(5, 5, 1.0, 1, null)).hasMessageContaining("bias mode");
    }

    @Test
    void axisIsSymmetricWithZeroInTheMiddle() {
        double[] x = LossSurface.axis(5, 2.0);
        assertThat(x).containsExactly(-2.0, -1.0, 0.0, 1.0, 2.0);
        double[] y = LossSurface.axis(4, 0.3);
        assertThat(y[0]).isEqualTo(-0.3);
        assertThat(y[3]).isEqualTo(0.3);
        assertThat(y[1]).isEqualTo(-y[2]);
    }
}
