package dev.terrain.model.problem;

import static java.lang.Math.PI;
import static java.lang.Math.cos;
import static java.lang.Math.sin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.train.LossValues;
import dev.terrain.model.train.Objective;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ritz functionals (paper 000 eq. (3)) and paper 003's energies at known functions, by quadrature. */
class EnergyFunctionalTest {

    /** The terms of the energy loss of {@code id} at the field, interior by {@code rule} with n points. */
    static Map<String, Double> energy(String id, Map<String, Object> overrides, AnalyticField field, Rule rule, int n) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId(id).create(overrides);
            Objective obj = new Objective(p, LossKind.ENERGY, new AnalyticNetwork(field, p.inputDim(), m, c), Map.of(), c);
            SplittableRandom rng = new SplittableRandom(5);
            Map<String, HostPoints> host = new HashMap<>();
            for (Map.Entry<String, Region> e : obj.pointSets().entrySet()) {
                Rule r = e.getValue() instanceof Region.Interior || rule == Rule.MONTE_CARLO ? rule : Rule.GRID;
                host.put(e.getKey(), Sampler.sample(p.domain(), e.getValue(), r, n, rng));
            }
            LossValues v = obj.evaluate(obj.toDevice(host, m));
            Map<String, Double> out = new HashMap<>();
            v.terms().forEach((k, a) -> out.put(k, a.getDouble()));
            out.put("total", v.total().getDouble());
            return out;
        }
    }

    @Test
    void poisson1dRitzFunctionalOfTheExactSolutionIsMinusPiSquaredOverFour() {
        Map<String, Double> e = energy("poisson", Map.of("hardBoundary", false), ExactFields.multiscale(1, 1, 0),
                Rule.SIMPSON, 201);
        assertThat(e.get("energy")).isCloseTo(-PI * PI / 4, offset(1e-8));
        assertThat(e.get("boundary")).isCloseTo(0.0, offset(1e-20));
        assertThat(e.get("total")).isCloseTo(-PI * PI / 4, offset(1e-8));
    }

    @Test
    void multiscalePoisson1dRitzFunctionalIsMinusHalfTheDirichletEnergy() {
        // -1/2 int u'^2 = -1/2 (2 pi^2 + 0.01 * 2500 pi^2 / 2) = -7.25 pi^2 (the two modes are orthogonal).
        Map<String, Double> e = energy("poisson1d-multiscale", Map.of(), ExactFields.multiscale(2, 50, 0.1),
                Rule.SIMPSON, 201);
        assertThat(e.get("energy")).isCloseTo(-7.25 * PI * PI, offset(1e-8));
    }

    @Test
    void ballRitzFunctionalByMonteCarlo() {
        // -1/2 int_B |grad u|^2 = -(pi^3/12 + pi/2) in 3D; Monte Carlo on 20 000 points, 2 % tolerance.
        Map<String, Double> e = energy("poisson-ball", Map.of("hardBoundary", false), ExactFields.ball(),
                Rule.MONTE_CARLO, 20_000);
        double expected = -(PI * PI * PI / 12 + PI / 2);
        assertThat(e.get("energy")).isCloseTo(expected, offset(0.02 * Math.abs(expected)));
    }

    static final AnalyticField SINE_1D = AnalyticField.scalar(x -> sin(PI * x[0]) / PI,
            (x, k) -> cos(PI * x[0]), (x, k) -> -PI * sin(PI * x[0]));
    static final AnalyticField SINE_2D = AnalyticField.scalar(x -> sin(PI * x[0]) * sin(PI * x[1]) / PI,
            (x, k) -> cos(PI * x[k]) * sin(PI * x[1 - k]), (x, k) -> -PI * sin(PI * x[0]) * sin(PI * x[1]));

    @Test
    void doubleWellEnergiesOfASineBump() {
        // u = sin(pi x)/pi: int (u_x^2 - 1)^2 = int sin^4 = 3/8; int u^2 = 1/(2 pi^2).
        assertThat(energy("energy-doublewell", Map.of(), SINE_1D, Rule.SIMPSON, 201).get("energy"))
                .isCloseTo(3.0 / 8, offset(1e-12));
        Map<String, Double> e = energy("energy-doublewell-l2", Map.of(), SINE_1D, Rule.SIMPSON, 201);
        assertThat(e.get("energy")).isCloseTo(3.0 / 8 + 1 / (2 * PI * PI), offset(1e-12));
        assertThat(e.get("boundary")).isCloseTo(0.0, offset(1e-20));
    }

    @Test
    void twinEnergiesOfASineBump() {
        // u = sin(pi x) sin(pi y)/pi: int u_x^2 = 1/4, int (u_y^2 - 1)^2 = 9/64 - 1/2 + 1, int u_yy^2 = pi^2/4.
        double base = 0.25 + 9.0 / 64 - 0.5 + 1;
        assertThat(energy("energy-2d", Map.of(), SINE_2D, Rule.SIMPSON, 41 * 41).get("energy"))
                .isCloseTo(base, offset(1e-12));
        double eps = 0.1 / 16;
        assertThat(energy("energy-2d-curvature", Map.of(), SINE_2D, Rule.SIMPSON, 41 * 41).get("energy"))
                .isCloseTo(base + eps * eps * PI * PI / 4, offset(1e-12));
        assertThat(energy("energy-2d-curvature", Map.of("eps", 0.1 / 4), SINE_2D, Rule.SIMPSON, 41 * 41).get("energy"))
                .isCloseTo(base + PI * PI / 4 / 1600, offset(1e-12));
    }

    @Test
    void sawtoothHasZeroDoubleWellEnergy() {
        // Any u with u_x = +-1 a.e. and u(0) = u(1) = 0 minimises (15) with I = 0 (paper 003, section 4).
        AnalyticField saw = AnalyticField.scalar(x -> Math.min(x[0], 1 - x[0]),
                (x, k) -> x[0] < 0.5 ? 1.0 : -1.0, (x, k) -> 0.0);
        Map<String, Double> e = energy("energy-doublewell", Map.of(), saw, Rule.MONTE_CARLO, 500);
        assertThat(e.get("energy")).isEqualTo(0.0);
        assertThat(e.get("total")).isCloseTo(0.0, offset(1e-25));
    }

    @Test
    void penaltyIsLambdaTimesTheBoundaryIntegral() {
        // Eq. (4): lambda int_{dD} u^2 ds; for u = 1 that is 500 * 2 (two end points) and 500 * 4 (perimeter).
        AnalyticField one = AnalyticField.scalar(x -> 1.0, (x, k) -> 0.0, (x, k) -> 0.0);
        assertThat(energy("energy-doublewell", Map.of(), one, Rule.SIMPSON, 21).get("boundary"))
                .isCloseTo(1000.0, offset(1e-9));
        assertThat(energy("energy-2d", Map.of("penalty", 10.0), one, Rule.SIMPSON, 121).get("boundary"))
                .isCloseTo(40.0, offset(1e-9));
    }
}
