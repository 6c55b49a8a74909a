package dev.terrain.model.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.quad.Simpson;
import dev.terrain.model.tensor.Scalars;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The regression targets of paper 004: values of eq. (17) and L^2(0,1)-orthonormality of the Legendre set. */
class RegressionTargetTest {
    @Test
    void legendreTargetsAreOrthonormalOnTheUnitInterval() {
        int n = 2001;
        double[] x = Simpson.nodes(n, 0, 1);
        double[] w = Simpson.weights(n, 0, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId("regression").create(Map.of("target", "legendre", "k", 6));
            double[] v = p.exact().orElseThrow().at(m.create(x, new Shape(n, 1)), c).toDoubleArray();
            for (int a = 0; a < 6; a++) {
                for (int b = 0; b < 6; b++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += w[i] * v[i * 6 + a] * v[i * 6 + b];
                    }
                    assertThat(s).as("<P%d, P%d>", a, b).isCloseTo(a == b ? 1.0 : 0.0, offset(1e-9));
                }
            }
        }
    }

    @Test
    void stepTargetIsPaper004Equation17() {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId("regression").create(Map.of("target", "step"));
            double[] v = p.exact().orElseThrow().at(m.create(new double[] {0.25, 0.4999, 0.5, 1.0}, new Shape(4, 1)), c)
                    .toDoubleArray();
            assertThat(v).containsExactly(new double[] {0.25, 0.4999, 1 - 0.75 * 0.25, 0.25}, offset(1e-15));
        }
    }
}
