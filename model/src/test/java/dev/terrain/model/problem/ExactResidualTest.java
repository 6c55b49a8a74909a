package dev.terrain.model.problem;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import dev.terrain.model.train.Objective;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every residual term (and every Dirichlet/initial term) vanishes on the exact solution, in float64:
 * the exact solution's hand-derived jet is fed through the objective (soft boundary terms on) and
 * each term's per-point residual |r_i| = sqrt(g_i) must stay below the stated tolerance. The
 * hand-derived derivatives are checked against finite differences, and {@code exact()} against the
 * hand formula.
 */
class ExactResidualTest {
    record Case(String id, Map<String, Object> overrides, AnalyticField field, double tolerance,
            Predicate<double[]> smooth) {
        @Override
        public String toString() {
            return id + " " + overrides;
        }
    }

    static Case of(String id, Map<String, Object> o, AnalyticField f, double tol) {
        return new Case(id, o, f, tol, x -> true);
    }

    static Stream<Arguments> cases() {
        Predicate<double[]> awayFromOrigin = x -> ExactFields.norm(x) > 0.05;
        Predicate<double[]> awayFromKinksConst = x -> awayFromKinks(ExactFields.foot(x, false));
        Predicate<double[]> awayFromKinksLin = x -> awayFromKinks(ExactFields.foot(x, true));
        List<Case> cases = List.of(
                of("poisson", Map.of("dim", 2, "hardBoundary", false), ExactFields.multiscale(1, 1, 0), 1e-11),
                new Case("poisson-ball", Map.of("hardBoundary", false), ExactFields.ball(), 1e-9, awayFromOrigin),
                new Case("poisson-ball", Map.of("hardBoundary", false, "dim", 2), ExactFields.ball(), 1e-9,
                        awayFromOrigin),
                of("wave1d", Map.of("hardBoundary", false), ExactFields.wave(), 1e-11),
                of("wave1d", Map.of("hardBoundary", false, "T", 2.0), ExactFields.wave(), 1e-11),
                of("poisson1d-multiscale", Map.of(), ExactFields.multiscale(2, 50, 0.1), 1e-9),
                of("poisson1d-multiscale", Map.of("amplitude", 0.0), ExactFields.multiscale(2, 50, 0.0), 1e-11),
                of("poisson2d-multiscale", Map.of(), ExactFields.multiscale(1, 10, 0.1), 1e-10),
                of("perturbed-ode", Map.of(), ExactFields.perturbed(2.0), 1e-12),
                of("perturbed-ode", Map.of("eps", 0.01), ExactFields.perturbed(0.01), 1e-10),
                of("helmholtz2d", Map.of(), ExactFields.helmholtz(1, 4), 1e-10),
                of("helmholtz2d", Map.of("k", 4.0), ExactFields.helmholtz(1, 4), 1e-10),
                of("helmholtz2d", Map.of("a1", 1.5, "a2", 2.5), ExactFields.helmholtz(1.5, 2.5), 1e-10),
                new Case("transport", Map.of(), ExactFields.transport(false, 0.5, 0.25), 1e-13, awayFromKinksConst),
                new Case("transport", Map.of("speed", "linear", "eps", 0.2), ExactFields.transport(true, 0.5, 0.25),
                        1e-13, awayFromKinksLin),
                of("regression", Map.of(), AnalyticField.values(1, x -> new double[] {Math.sin(2 * Math.PI * x[0])}),
                        1e-14),
                of("regression", Map.of("target", "step"),
                        AnalyticField.values(1, x -> new double[] {x[0] < 0.5 ? x[0] : 1 - 0.75 * x[0] * x[0]}), 1e-14),
                of("regression", Map.of("target", "legendre"), ExactFields.legendre(4), 1e-12),
                of("regression", Map.of("target", "legendre", "k", 6), ExactFields.legendre(6), 1e-12),
                of("regression", Map.of("target", "multiscale"), AnalyticField.values(1, x -> {
                    double t = x[0];
                    return new double[] {(t * t * t - t) * Math.sin(4 * t) / 4 + Math.sin(12 * t) / (t * t + 1)};
                }), 1e-13),
                of("regression", Map.of("target", "jump"), AnalyticField.values(1, x -> new double[] {
                    x[0] <= 0 ? Math.sin(4 * x[0]) : 2 + x[0] * Math.sin(x[0])}), 1e-14));
        return cases.stream().map(Arguments::of);
    }

    static boolean awayFromKinks(double foot) {
        for (double kink : new double[] {0.25, 0.5, 0.75}) {
            if (Math.abs(foot - kink) < 1e-3) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void residualsVanishOnTheExactSolution(Case k) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem p = Catalogue.byId(k.id()).create(k.overrides());
            assertThat(p.ansatz()).as("soft boundary terms for this check").isEmpty();
            assertThat(p.outputDim()).isEqualTo(k.field().outputs());
            AnalyticNetwork net = new AnalyticNetwork(k.field(), p.inputDim(), m, c);
            SplittableRandom rng = new SplittableRandom(11);
            for (LossKind kind : p.lossKinds()) {
                Objective obj = new Objective(p, kind, net, Map.of(), c);
                Map<String, HostPoints> host = new HashMap<>();
                for (Map.Entry<String, Region> e : obj.pointSets().entrySet()) {
                    host.put(e.getKey(), Sampler.sample(p.domain(), e.getValue(), Rule.MONTE_CARLO, 300, rng));
                }
                Map<String, PointSet> batch = obj.toDevice(host, m);
                for (LossTerm t : p.terms(kind)) {
                    if (kind == LossKind.ENERGY && !t.name().equals("boundary")) {
                        continue;
                    }
                    PointSet set = batch.get(t.pointSet());
                    NDArray g = t.integrand().apply(obj.solution(set, t.order()), set, c);
                    assertThat(g.getShape().get(0)).isEqualTo(set.size());
                    double worst = Math.sqrt(g.abs().max().getDouble());
                    assertThat(worst).as(k + " " + kind.id() + " term " + t.name()).isLessThanOrEqualTo(k.tolerance());
                }
            }
            checkExactAndDerivatives(k, p, m, c, rng);
        }
    }

    private static void checkExactAndDerivatives(Case k, Problem p, NDManager m, Scalars c, SplittableRandom rng) {
        HostPoints pts = Sampler.sample(p.domain(), Region.INTERIOR, Rule.MONTE_CARLO, 100, rng);
        NDArray x = Tensors.create(m, pts.x(), new ai.djl.ndarray.types.Shape(pts.n(), pts.dim()), DataType.FLOAT64);
        double[] exact = p.exact().orElseThrow().at(x, c).toDoubleArray();
        int n = k.field().outputs();
        boolean derivatives = k.id().equals("regression") ? false : true;
        for (int i = 0; i < pts.n(); i++) {
            double[] xi = java.util.Arrays.copyOfRange(pts.x(), i * pts.dim(), (i + 1) * pts.dim());
            double[] u = k.field().value(xi);
            for (int j = 0; j < n; j++) {
                assertThat(exact[i * n + j]).as("exact() at " + java.util.Arrays.toString(xi))
                        .isCloseTo(u[j], org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(u[j]))));
            }
            if (derivatives && k.smooth().test(xi)) {
                checkDerivatives(k.field(), xi);
            }
        }
    }

    /** Central differences of the hand formulas (guards the test's own derivatives). */
    private static void checkDerivatives(AnalyticField f, double[] x) {
        for (int dir = 0; dir < x.length; dir++) {
            double h1 = 1e-6;
            double h2 = 1e-4;
            double d1 = (at(f, x, dir, h1) - at(f, x, dir, -h1)) / (2 * h1);
            double d2 = (at(f, x, dir, h2) - 2 * at(f, x, dir, 0) + at(f, x, dir, -h2)) / (h2 * h2);
            double g = f.d1(x, dir)[0];
            double h = f.d2(x, dir)[0];
            assertThat(g).as("d1 " + dir + " at " + java.util.Arrays.toString(x))
                    .isCloseTo(d1, org.assertj.core.data.Offset.offset(1e-6 * (1 + Math.abs(g))));
            assertThat(h).as("d2 " + dir + " at " + java.util.Arrays.toString(x))
                    .isCloseTo(d2, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(h))));
        }
    }

    private static double at(AnalyticField f, double[] x, int dir, double step) {
        double[] y = x.clone();
        y[dir] += step;
        return f.value(y)[0];
    }
}
