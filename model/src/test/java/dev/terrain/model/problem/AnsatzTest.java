package dev.terrain.model.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hard constraints u = B NN: B vanishes where the problem's Dirichlet (and initial) data are imposed, and
 * the jet of B (value, first and diagonal second derivatives) agrees with finite differences of its value.
 */
class AnsatzTest {
    static Stream<Arguments> hard() {
        Region faces = new Region.Faces(new Region.Face(0, 0.0), new Region.Face(0, 1.0), new Region.Face(1, 0.0));
        return Stream.of(
                Arguments.of("poisson-ball", Map.of(), Region.BOUNDARY),
                Arguments.of("poisson-ball", Map.of("factor", "quadratic"), Region.BOUNDARY),
                Arguments.of("poisson-ball", Map.of("dim", 2), Region.BOUNDARY),
                Arguments.of("wave1d", Map.of(), faces),
                Arguments.of("poisson1d-multiscale", Map.of("hardBoundary", true), Region.BOUNDARY),
                Arguments.of("poisson2d-multiscale", Map.of("hardBoundary", true), Region.BOUNDARY),
                Arguments.of("perturbed-ode", Map.of("hardBoundary", true, "eps", 0.01), Region.BOUNDARY),
                Arguments.of("helmholtz2d", Map.of("hardBoundary", true), Region.BOUNDARY),
                Arguments.of("energy-doublewell", Map.of("hardBoundary", true), Region.BOUNDARY),
                Arguments.of("energy-2d-curvature", Map.of("hardBoundary", true), Region.BOUNDARY));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("hard")
    void factorVanishesOnTheConstrainedBoundaryAndItsJetIsExact(String id, Map<String, Object> o, Region constrained) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId(id).create(o);
            Ansatz a = p.ansatz().orElseThrow();
            assertThat(p.pointSets(p.lossKinds().get(0))).containsOnlyKeys("interior");
            SplittableRandom rng = new SplittableRandom(3);
            HostPoints edge = Sampler.sample(p.domain(), constrained, Rule.MONTE_CARLO, 200, rng);
            Jet onEdge = a.factor(Jet.input(points(m, edge), 1), c);
            assertThat(onEdge.value().abs().max().getDouble()).isLessThan(1e-14);
            if (id.equals("wave1d")) {
                // u_t(x, 0) = 0 as well: B = t^2 x (x - 1) has B_t = 0 at t = 0.
                HostPoints start = Sampler.sample(p.domain(), new Region.Face(1, 0.0), Rule.MONTE_CARLO, 50, rng);
                Jet b = a.factor(Jet.input(points(m, start), 1), c);
                assertThat(b.d1(1).abs().max().getDouble()).isLessThan(1e-14);
            }
            HostPoints inside = Sampler.sample(p.domain(), Region.INTERIOR, Rule.MONTE_CARLO, 50, rng);
            Jet b = a.factor(Jet.input(points(m, inside), 2), c);
            int d = inside.dim();
            for (int k = 0; k < d; k++) {
                double h1 = 1e-6;
                double h2 = 1e-4;
                double[] plus1 = value(a, m, c, shift(inside, k, h1));
                double[] minus1 = value(a, m, c, shift(inside, k, -h1));
                double[] plus2 = value(a, m, c, shift(inside, k, h2));
                double[] minus2 = value(a, m, c, shift(inside, k, -h2));
                double[] mid = Tensors.toDoubles(b.value());
                double[] g = Tensors.toDoubles(b.d1(k).broadcast(inside.n(), 1));
                double[] h = Tensors.toDoubles(b.d2(k).broadcast(inside.n(), 1));
                for (int i = 0; i < inside.n(); i++) {
                    double r = 0;
                    for (int j = 0; j < d; j++) {
                        r += inside.coordinate(i, j) * inside.coordinate(i, j);
                    }
                    if (Math.sqrt(r) < 0.05) {
                        continue; // the radial factor has a kink at the origin
                    }
                    assertThat(g[i]).isCloseTo((plus1[i] - minus1[i]) / (2 * h1), offset(1e-7));
                    assertThat(h[i]).isCloseTo((plus2[i] - 2 * mid[i] + minus2[i]) / (h2 * h2), offset(1e-4));
                }
            }
        }
    }

    private static NDArray points(NDManager m, HostPoints h) {
        return Tensors.create(m, h.x(), new Shape(h.n(), h.dim()), DataType.FLOAT64);
    }

    private static HostPoints shift(HostPoints h, int k, double step) {
        double[] x = h.x().clone();
        for (int i = 0; i < h.n(); i++) {
            x[i * h.dim() + k] += step;
        }
        return new HostPoints(h.n(), h.dim(), x, h.w());
    }

    private static double[] value(Ansatz a, NDManager m, Scalars c, HostPoints h) {
        return Tensors.toDoubles(a.factor(Jet.input(points(m, h), 0), c).value());
    }

    @Test
    void softVariantsHaveNoAnsatzAndABoundarySet() {
        for (String id : List.of("poisson1d-multiscale", "perturbed-ode", "helmholtz2d", "energy-2d")) {
            Problem p = Catalogue.byId(id).create(Map.of());
            assertThat(p.ansatz()).as(id).isEmpty();
            assertThat(p.pointSets(p.lossKinds().get(0))).as(id).containsKeys("interior", "boundary");
        }
        Problem wave = Catalogue.byId("wave1d").create(Map.of("hardBoundary", false));
        assertThat(wave.pointSets(LossKind.RESIDUAL)).containsOnlyKeys("interior", "boundary", "initial");
        assertThat(wave.terms(LossKind.RESIDUAL)).extracting(LossTerm::name)
                .containsExactly("pde", "boundary", "initial", "initialVelocity");
    }

    @Test
    void helmholtzHardBoundaryNeedsIntegerModes() {
        assertThatThrownBy(() -> Catalogue.byId("helmholtz2d").create(Map.of("hardBoundary", true, "a2", 2.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("problem.a2");
    }
}
