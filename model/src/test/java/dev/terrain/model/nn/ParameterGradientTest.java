package dev.terrain.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.jet.JetFd;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import dev.terrain.model.train.Objective;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parameter gradient of a loss built from the jet (Laplacian and gradient) by one first-order
 * reverse pass, against central finite differences of the loss with respect to single parameters
 * (perturbed through {@link Parameters#toFlat()} / {@link Parameters#load}), in float64.
 *
 * <p>Between the forward pass and {@code backward} the DJL Number trap is sprung
 * ({@link GradientTrap}: garbage collection, then junk-filled direct buffers); with that procedure
 * a {@code x.mul(3.0)} gradient came out wrong 10 times in 10 during development, so a Java number
 * on the differentiated path could not hide here.
 *
 * <p>FD step 1e-5 (central, truncation about 1e-11 L'''); tolerance: |g - fd| at most 1e-6 times
 * the largest |g| of the network, for every parameter checked.
 */
class ParameterGradientTest {
    static final double STEP = 1e-5;
    static final double TOL = 1e-6;

    /** One reverse pass; the gradient of every parameter in flat order. */
    static double[] reverseGradient(NDManager m, Parameters params, Supplier<NDArray> loss) {
        List<NDArray> junk = new ArrayList<>();
        try (Autograd.Recording rec = Autograd.record()) {
            NDArray l = loss.get();
            GradientTrap.spring(m, junk);
            rec.backward(l);
        }
        double[] g = new double[Math.toIntExact(params.count())];
        int at = 0;
        for (Param p : params.list()) {
            double[] v = Tensors.toDoubles(p.array().getGradient());
            assertThat(v).as("gradient of %s", p.name()).hasSize((int) p.size());
            System.arraycopy(v, 0, g, at, v.length);
            at += v.length;
        }
        junk.forEach(NDArray::close);
        return g;
    }

    static double lossAt(Parameters params, double[] flat, Supplier<NDArray> loss) {
        params.load(flat);
        try (NoGrad off = new NoGrad()) {
            return loss.get().getDouble();
        }
    }

    /** Asserts g against central differences on the parameter indices {@code which}. */
    static void checkAgainstFiniteDifferences(Parameters params, double[] g, Supplier<NDArray> loss, int[] which) {
        double[] theta = params.toFlat();
        double gmax = 0;
        for (double v : g) {
            gmax = Math.max(gmax, Math.abs(v));
        }
        assertThat(gmax).as("the gradient is not zero").isGreaterThan(1e-3);
        for (int i : which) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[i] += STEP;
            minus[i] -= STEP;
            double fd = (lossAt(params, plus, loss) - lossAt(params, minus, loss)) / (2 * STEP);
            assertThat(g[i]).as("dL/dtheta[%d] (max |g| %.3e)", i, gmax)
                    .isCloseTo(fd, org.assertj.core.data.Offset.offset(TOL * gmax));
        }
        params.load(theta);
    }

    static int[] all(Parameters params) {
        int[] idx = new int[Math.toIntExact(params.count())];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        return idx;
    }

    @ParameterizedTest(name = "{0} {1} d={2} fourier={3}")
    @CsvSource({
        "resnet, swish, 2, false",
        "resnet, tanh, 3, true",
        "fcnet, sin, 2, false",
        "mlp, smooth-abs, 1, true",
        "modified-mlp, tanh, 2, true",
        "modified-mlp, swish, 3, false"})
    void laplacianLossGradientMatchesFiniteDifferences(String type, String act, int d, boolean fourier) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            NetworkSpec spec = new NetworkSpec(type, 4, 1, List.of(4, 3), Activation.byId(act), 0.2,
                    Initializer.GLOROT_UNIFORM, fourier ? List.of(0) : List.of(), fourier, null);
            Network net = NetworkJetTest.build(params, spec, d, 1, 3 + d, 0.2);
            int b = 6;
            SplittableRandom rng = new SplittableRandom(17);
            NDArray x = m.create(JetFd.points(rng, b, d, 0, 1), new Shape(b, d));
            NDArray f = m.create(JetFd.points(rng, b, 1, -2, 2), new Shape(b, 1));
            // L = mean((lap u - f)^2) + mean(|grad u|^2): both derivative orders reach the parameters.
            Supplier<NDArray> loss = () -> {
                Jet u = net.forward(Jet.input(x, 2), c);
                return u.laplacian().sub(f).square().mean().add(u.gradNormSquared().mean());
            };
            double[] g = reverseGradient(m, params, loss);
            checkAgainstFiniteDifferences(params, g, loss, all(params));
        }
    }

    /** The same through the training objective: poisson in 2D, hard boundary ansatz B NN, DGM and DRM. */
    @ParameterizedTest(name = "poisson d=2 {0}")
    @CsvSource({"residual", "energy"})
    void objectiveGradientMatchesFiniteDifferences(String kind) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Problem problem = Catalogue.byId("poisson").create(Map.of("dim", 2));
            Parameters params = new Parameters(m, DataType.FLOAT64);
            NetworkSpec spec = new NetworkSpec("resnet", 4, 1, List.of(), Activation.SWISH, 0.1,
                    Initializer.GLOROT_NORMAL, List.of(), false, null);
            Network net = NetworkJetTest.build(params, spec, 2, 1, 9, 0.3);
            Objective obj = new Objective(problem, LossKind.byId(kind), net, Map.of(), c);
            Map<String, HostPoints> host = new HashMap<>();
            SplittableRandom rng = new SplittableRandom(23);
            obj.pointSets().forEach((name, region) ->
                    host.put(name, Sampler.sample(problem.domain(), region, Rule.MONTE_CARLO, 12, rng)));
            Map<String, PointSet> batch = obj.toDevice(host, m);
            Supplier<NDArray> loss = () -> obj.evaluate(batch).total();
            double[] g = reverseGradient(m, params, loss);
            checkAgainstFiniteDifferences(params, g, loss, all(params));
        }
    }

    @Test
    void gradientsOfTwoPassesAccumulateAndTheFlatLayoutMatchesToFlat() {
        // The gradient buffer of each parameter is laid out as the parameter itself: perturbing the
        // entry toFlat() puts at index i changes the loss by g[i] * step.
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            NetworkSpec spec = new NetworkSpec("mlp", 0, 0, List.of(3), Activation.TANH, 0.1,
                    Initializer.HE_NORMAL, List.of(), false, null);
            Network net = NetworkJetTest.build(params, spec, 2, 1, 1, 0.1);
            NDArray x = m.create(new double[] {0.1, 0.2, 0.7, -0.4}, new Shape(2, 2));
            Supplier<NDArray> loss = () -> net.forward(Jet.input(x, 1), c).gradNormSquared().sum();
            double[] once = reverseGradient(m, params, loss);
            double[] twice = reverseGradient(m, params, loss);
            for (int i = 0; i < once.length; i++) {
                assertThat(twice[i]).isCloseTo(2 * once[i], org.assertj.core.data.Offset.offset(1e-12));
            }
        }
    }
}
