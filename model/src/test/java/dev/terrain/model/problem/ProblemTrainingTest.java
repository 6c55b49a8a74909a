package dev.terrain.model.problem;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import dev.terrain.model.train.Objective;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every catalogue problem trains: 200 Adam steps in float64 on a small tanh MLP lower the total loss;
 * and its parameter gradient (with a forced GC between forward and backward, shared/bench/NOTES.md)
 * matches central finite differences of the loss.
 */
class ProblemTrainingTest {
    static final int STEPS = 200;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("poisson-ball", Map.of(), "residual"),
                Arguments.of("poisson-ball", Map.of(), "energy"),
                Arguments.of("poisson-ball", Map.of("hardBoundary", false, "factor", "quadratic"), "residual"),
                Arguments.of("wave1d", Map.of(), "residual"),
                Arguments.of("wave1d", Map.of("hardBoundary", false), "residual"),
                Arguments.of("poisson1d-multiscale", Map.of(), "residual"),
                Arguments.of("poisson1d-multiscale", Map.of("hardBoundary", true), "energy"),
                Arguments.of("perturbed-ode", Map.of(), "residual"),
                Arguments.of("perturbed-ode", Map.of("eps", 0.01), "residual"),
                Arguments.of("poisson2d-multiscale", Map.of(), "residual"),
                Arguments.of("helmholtz2d", Map.of(), "residual"),
                Arguments.of("transport", Map.of(), "residual"),
                Arguments.of("transport", Map.of("speed", "linear", "eps", 0.5), "residual"),
                Arguments.of("regression", Map.of(), "residual"),
                Arguments.of("regression", Map.of("target", "step"), "residual"),
                Arguments.of("regression", Map.of("target", "legendre"), "residual"),
                Arguments.of("energy-doublewell", Map.of(), "energy"),
                Arguments.of("energy-doublewell-l2", Map.of(), "energy"),
                Arguments.of("energy-2d", Map.of(), "energy"),
                Arguments.of("energy-2d-curvature", Map.of(), "energy"));
    }

    /** A small problem-sized setup: network, objective and a fixed batch. */
    record Setup(Parameters params, Objective objective, Map<String, PointSet> batch) {
        static Setup of(NDManager m, Scalars c, String id, Map<String, Object> o, String loss) {
            Problem p = Catalogue.byId(id).create(o);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            Network net = new NetworkSpec("mlp", 0, 0, List.of(16, 16), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                    List.of(), false, null).build(params, p.inputDim(), p.outputDim(), 7);
            Objective obj = new Objective(p, LossKind.byId(loss), net, Map.of(), c);
            SplittableRandom rng = new SplittableRandom(17);
            Map<String, HostPoints> host = new HashMap<>();
            for (Map.Entry<String, Region> e : obj.pointSets().entrySet()) {
                int n = e.getValue() instanceof Region.Interior ? 128 : 32;
                host.put(e.getKey(), Sampler.sample(p.domain(), e.getValue(), Rule.MONTE_CARLO, n, rng));
            }
            return new Setup(params, obj, obj.toDevice(host, m));
        }

        double loss() {
            try (NDScope scope = new NDScope(); NoGrad off = new NoGrad()) {
                scope.suppressNotUsedWarning();
                return objective.evaluate(batch).total().getDouble();
            }
        }

        /** Forward, forced GC and some allocation, backward; returns the flat gradient. */
        double[] gradient(NDManager m) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                try (Autograd.Recording rec = Autograd.record()) {
                    NDArray total = objective.evaluate(batch).total();
                    collectGarbage(m);
                    rec.backward(total);
                }
                double[] out = new double[Math.toIntExact(params.count())];
                int at = 0;
                for (Param p : params.list()) {
                    double[] g = Tensors.toDoubles(p.array().getGradient());
                    System.arraycopy(g, 0, out, at, g.length);
                    at += g.length;
                }
                return out;
            }
        }
    }

    static void collectGarbage(NDManager m) {
        System.gc();
        try (NDManager junk = m.newSubManager()) {
            for (int i = 0; i < 8; i++) {
                junk.create(new double[] {12345.0, 12345.0, 12345.0, 12345.0}).mul(junk.create(2.0));
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void totalLossDecreasesUnderAdam(String id, Map<String, Object> o, String loss) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Setup s = Setup.of(m, c, id, o, loss);
            Adam adam = new Adam(new Schedule.Constant(5e-3), 0.9, 0.999, 1e-8);
            double first = s.loss();
            for (int step = 0; step < STEPS; step++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    try (Autograd.Recording rec = Autograd.record()) {
                        NDArray total = s.objective().evaluate(s.batch()).total();
                        if (step % 50 == 0) {
                            collectGarbage(m);
                        }
                        rec.backward(total);
                    }
                    adam.update(s.params(), step);
                }
            }
            double last = s.loss();
            assertThat(last).as("%s %s %s: %g -> %g", id, o, loss, first, last).isLessThan(first).isFinite();
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferences(String id, Map<String, Object> o, String loss) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Setup s = Setup.of(m, c, id, o, loss);
            double[] grad = s.gradient(m);
            double[] theta = s.params().toFlat();
            SplittableRandom rng = new SplittableRandom(23);
            double scale = 0;
            for (double g : grad) {
                scale = Math.max(scale, Math.abs(g));
            }
            for (int trial = 0; trial < 4; trial++) {
                int i = rng.nextInt(theta.length);
                double h = 1e-5;
                double[] plus = theta.clone();
                plus[i] += h;
                s.params().load(plus);
                double up = s.loss();
                double[] minus = theta.clone();
                minus[i] -= h;
                s.params().load(minus);
                double down = s.loss();
                s.params().load(theta);
                double fd = (up - down) / (2 * h);
                assertThat(grad[i]).as("%s %s %s d/dtheta_%d", id, o, loss, i)
                        .isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-6 * (scale + Math.abs(fd))));
            }
        }
    }
}
