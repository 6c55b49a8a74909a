package dev.terrain.model.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The affine form of a linear term's residual read off the residual itself: checked against the closed
 * forms of Poisson (r = -u'' - f), Helmholtz (r = u''_x + u''_y + k^2 u - q) and linear transport
 * (r = u_t + x u_x, scale eps), to 1e-12 in float64; a residual that is not affine, or not one value per
 * point, gives none; and every linear term of the catalogue has one.
 */
class LinearResidualTest {
    private static final double[] W = {0.1, 0.3, 0.2, 0.25, 0.15};

    @Test
    void poissonReadsOnlyTheSecondDerivativeWithCoefficientMinusOne() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId("poisson").create(Map.of("dim", 1, "hardBoundary", true));
            PointSet set = set(m, p, c, new double[][] {{0.1}, {0.3}, {0.5}, {0.7}, {0.95}});
            LinearResidual lr = LinearResidual.of(term(p, LossKind.RESIDUAL, "pde"), set, 2, c).orElseThrow();
            assertThat(lr.valueBar()).as("u is not read").isNull();
            assertThat(lr.gradBar()).as("u' is not read").isNull();
            assertThat(lr.hessBar().getShape()).isEqualTo(new Shape(1, 5, 1));
            double[] h = Tensors.toDoubles(lr.hessBar());
            double[] sw = Tensors.toDoubles(lr.weight());
            for (int i = 0; i < W.length; i++) {
                assertThat(sw[i]).isCloseTo(W[i], within(1e-15));
                assertThat(h[i]).as("2 s w a'' at point %d", i).isCloseTo(-2 * W[i], within(1e-12));
            }
            assertThat(lr.deviation()).isLessThan(1e-14);
        }
    }

    @Test
    void helmholtzReadsUAndBothSecondDerivatives() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Scalars c = new Scalars(m, DataType.FLOAT64);
            double k = 4.0;
            Problem p = Catalogue.byId("helmholtz2d").create(Map.of("k", k));
            PointSet set = set(m, p, c, new double[][] {{-0.9, 0.2}, {0.1, 0.5}, {0.3, -0.4}, {0.8, 0.8}, {0, 0}});
            LinearResidual lr = LinearResidual.of(term(p, LossKind.RESIDUAL, "pde"), set, 2, c).orElseThrow();
            assertThat(lr.gradBar()).isNull();
            double[] v = Tensors.toDoubles(lr.valueBar());
            double[] h = Tensors.toDoubles(lr.hessBar());
            assertThat(lr.hessBar().getShape()).isEqualTo(new Shape(2, 5, 1));
            for (int i = 0; i < W.length; i++) {
                assertThat(v[i]).as("2 w k^2 at %d", i).isCloseTo(2 * W[i] * k * k, within(1e-12));
                assertThat(h[i]).as("2 w for u''_x at %d", i).isCloseTo(2 * W[i], within(1e-12));
                assertThat(h[W.length + i]).as("2 w for u''_y at %d", i).isCloseTo(2 * W[i], within(1e-12));
            }
            Scalars c32 = new Scalars(m, DataType.FLOAT32);
            PointSet set32 = set(m, p, c32, new double[][] {{-0.9, 0.2}, {0.1, 0.5}, {0.3, -0.4}, {0.8, 0.8}, {0, 0}});
            assertThat(LinearResidual.of(term(p, LossKind.RESIDUAL, "pde"), set32, 2, c32)).as("float32").isPresent();
        }
    }

    @Test
    void transportHasAPointDependentCoefficientAndItsScale() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Scalars c = new Scalars(m, DataType.FLOAT64);
            double eps = 0.25;
            Problem p = Catalogue.byId("transport").create(Map.of("speed", "linear", "eps", eps));
            double[][] x = {{0.1, 0.2}, {0.4, 0.5}, {0.6, 0.1}, {0.9, 0.9}, {0.33, 0.7}};
            PointSet set = set(m, p, c, x);
            LinearResidual lr = LinearResidual.of(term(p, LossKind.RESIDUAL, "pde"), set, 1, c).orElseThrow();
            assertThat(lr.valueBar()).isNull();
            assertThat(lr.hessBar()).as("order 1: no second derivatives").isNull();
            double[] g = Tensors.toDoubles(lr.gradBar());
            double[] sw = Tensors.toDoubles(lr.weight());
            for (int i = 0; i < W.length; i++) {
                assertThat(sw[i]).isCloseTo(eps * W[i], within(1e-15));
                assertThat(g[i]).as("2 eps w x for u_x at %d", i).isCloseTo(2 * eps * W[i] * x[i][0], within(1e-12));
                assertThat(g[W.length + i]).as("2 eps w for u_t at %d", i).isCloseTo(2 * eps * W[i], within(1e-12));
            }
        }
    }

    @Test
    void aResidualThatIsNotAffineOrNotOneValuePerPointHasNoAffineForm() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId("poisson").create(Map.of("dim", 1, "hardBoundary", true));
            PointSet set = set(m, p, c, new double[][] {{0.1}, {0.3}, {0.5}, {0.7}, {0.95}});
            // u u'' - f is linear in each component alone, so only the random-jet check can catch it.
            LossTerm bilinear = LossTerm.linear("bad", "interior", 2, 1.0,
                    (u, s, cc) -> u.value().mul(u.hess().squeeze(0)).sub(s.field("f")));
            assertThat(LinearResidual.of(bilinear, set, 2, c)).isEmpty();
            LossTerm wide = LossTerm.linear("wide", "interior", 0, 1.0,
                    (u, s, cc) -> u.value().concat(u.value(), 1));
            assertThat(LinearResidual.of(wide, set, 2, c)).isEmpty();
            LossTerm energy = new LossTerm("energy", "interior", 1, (u, s, cc) -> u.value());
            assertThatThrownBy(() -> LinearResidual.of(energy, set, 1, c))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'energy'");
        }
    }

    @Test
    void aPointSetMakesItOnceAndOnlyWhenKept() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId("poisson").create(Map.of("dim", 1, "hardBoundary", true));
            LossTerm pde = term(p, LossKind.RESIDUAL, "pde");
            PointSet set = set(m, p, c, new double[][] {{0.1}, {0.3}, {0.5}, {0.7}, {0.95}});
            assertThat(set.linearResidual(pde, 2, c)).as("a set of one step").isEmpty();
            set.keep();
            Optional<LinearResidual> first;
            try (NDScope step = new NDScope()) {
                step.suppressNotUsedWarning();
                first = set.linearResidual(pde, 2, c);
            }
            assertThat(first).isPresent();
            assertThat(set.linearResidual(pde, 2, c).orElseThrow()).isSameAs(first.get());
            // Made inside a step's scope, it outlives it with the set.
            assertThat(first.get().arrays()).allSatisfy(a -> assertThat(a.isReleased()).isFalse());
        }
    }

    @Test
    void everyLinearTermOfTheCatalogueHasAnAffineForm() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Scalars c = new Scalars(m, DataType.FLOAT64);
            int checked = 0;
            for (ProblemSpec spec : Catalogue.entries()) {
                Problem p = spec.create(Map.of());
                if (p.outputDim() != 1) {
                    continue;
                }
                double[][] x = new double[W.length][p.inputDim()];
                for (int i = 0; i < W.length; i++) {
                    for (int k = 0; k < p.inputDim(); k++) {
                        x[i][k] = 0.05 + 0.17 * i + 0.11 * k;
                    }
                }
                for (LossKind kind : p.lossKinds()) {
                    for (LossTerm t : p.terms(kind)) {
                        if (t.isLinearLeastSquares()) {
                            PointSet set = set(m, p, c, x, t.pointSet());
                            assertThat(LinearResidual.of(t, set, 2, c)).as("%s %s %s", spec.id(), kind, t.name())
                                    .isPresent();
                            checked++;
                        }
                    }
                }
            }
            assertThat(checked).as("linear terms in the catalogue").isGreaterThan(8);
        }
    }

    private static LossTerm term(Problem p, LossKind kind, String name) {
        return p.terms(kind).stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** A set of the given points with weights W, prepared by the problem (its fields). */
    private static PointSet set(NDManager m, Problem p, Scalars c, double[][] x) {
        return set(m, p, c, x, "interior");
    }

    private static PointSet set(NDManager m, Problem p, Scalars c, double[][] x, String name) {
        int d = x[0].length;
        double[] flat = new double[x.length * d];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, flat, i * d, d);
        }
        NDArray xs = Tensors.create(m, flat, new Shape(x.length, d), c.dataType());
        NDArray w = Tensors.create(m, W, new Shape(W.length, 1), c.dataType());
        PointSet set = new PointSet(name, xs, w);
        p.prepare(set, c);
        return set;
    }
}
