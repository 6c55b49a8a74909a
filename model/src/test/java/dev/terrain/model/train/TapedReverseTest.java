package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Autograd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hand-written reverse pass of the tanh network's jet ({@code TanhMlpTape}) must give the gradient
 * autograd gives when it records the same jet pass: checked on every loss shape it meets (value only,
 * gradient only, Laplacian only, mixed; d = 1 and 2; with and without a hard-boundary ansatz; plain MLP,
 * FCNet's unactivated lift, Fourier features, no hidden layer; residual and energy losses; a non-identity
 * shaping of the total), in float64 to 1e-11 of the largest entry and float32 to 1e-4. Garbage is
 * collected between the forward and the reverse pass in both (the DJL trap).
 */
class TapedReverseTest {
    private static final Runnable GC = System::gc;

    private static NetworkSpec mlp(List<Integer> layers, Activation act, List<Integer> fourier) {
        return new NetworkSpec("mlp", 0, 0, layers, act, 0.1, Initializer.GLOROT_NORMAL, fourier, true, null);
    }

    static Stream<Arguments> cases() {
        NetworkSpec plain = mlp(List.of(12, 10, 8), Activation.TANH, List.of());
        return Stream.of(
                Arguments.of("poisson", Map.of("dim", 1, "hardBoundary", true), plain, LossKind.RESIDUAL),
                Arguments.of("poisson", Map.of("dim", 2, "hardBoundary", false), plain, LossKind.RESIDUAL),
                Arguments.of("poisson", Map.of("dim", 2, "hardBoundary", true), plain, LossKind.ENERGY),
                Arguments.of("helmholtz2d", Map.of(), plain, LossKind.RESIDUAL),
                Arguments.of("wave1d", Map.of(), plain, LossKind.RESIDUAL),
                Arguments.of("transport", Map.of(), plain, LossKind.RESIDUAL),
                Arguments.of("regression", Map.of(), plain, LossKind.RESIDUAL),
                Arguments.of("poisson", Map.of("dim", 2, "hardBoundary", false),
                        new NetworkSpec("fcnet", 10, 1, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                                List.of(), false, null), LossKind.RESIDUAL),
                Arguments.of("poisson", Map.of("dim", 1, "hardBoundary", false),
                        mlp(List.of(10, 10), Activation.TANH, List.of(0, 1)), LossKind.RESIDUAL),
                Arguments.of("poisson", Map.of("dim", 2, "hardBoundary", true),
                        mlp(List.of(), Activation.TANH, List.of()), LossKind.RESIDUAL));
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void tapedGradientIsTheRecordedOne(String problem, Map<String, Object> params, NetworkSpec spec, LossKind kind) {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective obj = Fixture.objective(m, problem, params, spec, 11, kind, DataType.FLOAT64);
            Map<String, PointSet> batch = batch(obj, m, 40);
            assertThat(tapes(obj, batch)).as("a tanh MLP has a tape").isTrue();
            compare(obj, batch, UnaryOperator.identity(), 1e-11);
            // On kept sets the linear terms' reverse passes are written out too, and no shape means the same.
            Map<String, PointSet> kept = batch(obj, m, 40);
            kept.values().forEach(PointSet::keep);
            compare(obj, kept, null, 1e-11);
            assertThat(written(obj, kept)).as("terms with a written-out reverse pass")
                    .isEqualTo(obj.problem().terms(kind).stream().filter(t -> t.isLinearLeastSquares()).count());
        }
    }

    @Test
    void writtenOutTermsWithWeightsMixedWithRecordedOnesAgree() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NetworkSpec spec = mlp(List.of(12, 12), Activation.TANH, List.of());
            // Energy (recorded) and boundary misfit (written) on different sets; weights other than 1.
            Objective energy = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false), spec, 3,
                    LossKind.ENERGY, DataType.FLOAT64);
            energy.setWeight("boundary", 7.5);
            Map<String, PointSet> batch = batch(energy, m, 30);
            batch.values().forEach(PointSet::keep);
            compare(energy, batch, null, 1e-11);
            assertThat(written(energy, batch)).isEqualTo(1);
            // Two written terms on one set (u and u_t at t = 0), a point-dependent coefficient and a scale.
            Objective transport = Fixture.objective(m, "transport", Map.of(), spec, 4, LossKind.RESIDUAL,
                    DataType.FLOAT64);
            transport.setWeight("pde", 0.3);
            Map<String, PointSet> tb = batch(transport, m, 30);
            tb.values().forEach(PointSet::keep);
            compare(transport, tb, null, 1e-11);
            Objective wave = Fixture.objective(m, "wave1d", Map.of("hardBoundary", false), spec, 5, LossKind.RESIDUAL, DataType.FLOAT64);
            wave.setWeight("initialVelocity", 3.0);
            Map<String, PointSet> wb = batch(wave, m, 30);
            wb.values().forEach(PointSet::keep);
            compare(wave, wb, null, 1e-11);
            assertThat(written(wave, wb)).isEqualTo(4);
            // A shaped total keeps the recorded pass for every term, on kept sets as well.
            compare(wave, wb, total -> total.mul(total), 1e-11);
            Objective f32 = Fixture.objective(m, "helmholtz2d", Map.of(), spec, 6, LossKind.RESIDUAL, DataType.FLOAT32);
            Map<String, PointSet> fb = batch(f32, m, 60);
            fb.values().forEach(PointSet::keep);
            compare(f32, fb, null, 1e-4);
        }
    }

    @Test
    void aShapedTotalAndFloat32AgreeToo() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                    mlp(List.of(20, 20, 20), Activation.TANH, List.of()), 5, LossKind.RESIDUAL, DataType.FLOAT64);
            Map<String, PointSet> batch = batch(obj, m, 50);
            // d (L^2) = 2 L dL: the tail's own reverse pass scales the bars the tape receives.
            compare(obj, batch, total -> total.mul(total), 1e-11);

            Objective f32 = Fixture.objective(m, "helmholtz2d", Map.of(),
                    mlp(List.of(20, 20), Activation.TANH, List.of()), 5, LossKind.RESIDUAL, DataType.FLOAT32);
            compare(f32, batch(f32, m, 60), UnaryOperator.identity(), 1e-4);
        }
    }

    @Test
    void networksWithoutATapeRecordWithAutograd() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective sin = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                    mlp(List.of(10, 10), Activation.SIN, List.of()), 5, LossKind.RESIDUAL, DataType.FLOAT64);
            Map<String, PointSet> batch = batch(sin, m, 30);
            assertThat(tapes(sin, batch)).as("sin has no written-out reverse pass").isFalse();
            compare(sin, batch, UnaryOperator.identity(), 1e-13);

            Objective resnet = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                    new NetworkSpec("resnet", 10, 1, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                            List.of(), false, null), 5, LossKind.RESIDUAL, DataType.FLOAT64);
            assertThat(tapes(resnet, batch(resnet, m, 30))).isFalse();
        }
    }

    @Test
    void theFirstTapedStepMakesTheGradientBuffersAndLaterStepsAddToThem() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                    mlp(List.of(8, 8), Activation.TANH, List.of()), 5, LossKind.RESIDUAL, DataType.FLOAT64);
            Map<String, PointSet> batch = batch(obj, m, 30);
            List<NDArray> params = obj.network().parameters().arrays();
            assertThat(JniUtils.getGradient((PtNDArray) params.get(0))).as("no buffer before any pass").isNull();
            obj.lossAndGradient(batch, params, false, true, UnaryOperator.identity(), GC);
            double[] once = gradient(obj, false);
            // A second pass without zeroing accumulates, as a recorded reverse pass does.
            obj.lossAndGradient(batch, params, false, true, UnaryOperator.identity(), GC);
            double[] twice = gradient(obj, true);
            for (int i = 0; i < once.length; i++) {
                assertThat(twice[i]).as("entry %d", i).isCloseTo(2 * once[i], within(1e-12 * (1 + Math.abs(once[i]))));
            }
        }
    }

    @Test
    void anAnsatzArrayThatIsAComponentOfUIsNotMadeALeaf() {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            // No hidden layer: the network's u'' is zero (null). With a factor B = 1 whose derivatives are zero
            // and a shift with u'' = x^2, u'' of B n + g is the shift's own array.
            Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", false),
                    mlp(List.of(), Activation.TANH, List.of()), 5, LossKind.RESIDUAL, DataType.FLOAT64);
            Map<String, PointSet> batch = batch(obj, m, 30);
            PointSet interior = batch.get("interior");
            NDArray x = interior.x();
            NDArray shiftHess = x.mul(x).expandDims(0);
            NDScope.unregister(shiftHess);
            interior.setAnsatz(Jet.constant(x.onesLike(), 2), new Jet(x.zerosLike(), null, shiftHess, 2));
            compare(obj, batch, UnaryOperator.identity(), 1e-11);
            assertThat(JniUtils.requiresGrad((PtNDArray) shiftHess)).as("the shift's u'' after a taped step").isFalse();
            shiftHess.close();
        }
    }

    /** How many of the loss's terms have an affine form on their (kept) sets: those written out. */
    private static long written(Objective obj, Map<String, PointSet> batch) {
        return obj.problem().terms(obj.kind()).stream().filter(t -> t.isLinearLeastSquares()
                && batch.get(t.pointSet()).linearResidual(t, 2, obj.scalars()).isPresent()).count();
    }

    private static boolean tapes(Objective obj, Map<String, PointSet> batch) {
        PointSet any = batch.values().iterator().next();
        return obj.network().tape(Jet.input(any.x(), 2, obj.scalars()), obj.network().parameters().arrays(),
                obj.scalars()).isPresent();
    }

    private static Map<String, PointSet> batch(Objective obj, NDManager m, int points) {
        Map<String, SetSampling> sampling = new HashMap<>();
        for (String set : obj.pointSets().keySet()) {
            sampling.put(set, new SetSampling(Rule.MONTE_CARLO, points));
        }
        return obj.toDevice(Batches.of(obj, sampling, 3).fixed(), m);
    }

    /** Loss and gradient by the recorded pass and by the taped one, the same within {@code rel} of the largest entry. */
    private static void compare(Objective obj, Map<String, PointSet> batch, UnaryOperator<NDArray> shape, double rel) {
        List<NDArray> params = obj.network().parameters().arrays();
        double recordedLoss;
        Map<String, Double> recordedTerms = new HashMap<>();
        try (Autograd.Recording rec = Autograd.record()) {
            LossValues loss = obj.evaluate(batch);
            GC.run();
            rec.backward(shape == null ? loss.total() : shape.apply(loss.total()));
            recordedLoss = loss.total().toType(DataType.FLOAT64, false).getDouble();
            loss.terms().forEach((k, v) -> recordedTerms.put(k, v.toType(DataType.FLOAT64, false).getDouble()));
        }
        double[] recorded = gradient(obj, true);
        LossValues loss = obj.lossAndGradient(batch, params, false, true, shape, GC);
        double[] taped = gradient(obj, true);
        assertThat(loss.total().toType(DataType.FLOAT64, false).getDouble()).as("loss")
                .isCloseTo(recordedLoss, within(rel * Math.abs(recordedLoss)));
        assertThat(loss.terms().keySet()).as("terms, in order").containsExactlyElementsOf(obj.termNames());
        for (Map.Entry<String, NDArray> e : loss.terms().entrySet()) {
            double expected = recordedTerms.get(e.getKey());
            assertThat(e.getValue().toType(DataType.FLOAT64, false).getDouble()).as("term %s", e.getKey())
                    .isCloseTo(expected, within(rel * Math.abs(expected) + 1e-300));
        }
        double scale = 0;
        for (double g : recorded) {
            scale = Math.max(scale, Math.abs(g));
        }
        assertThat(scale).as("a gradient to compare").isGreaterThan(1e-6);
        for (int i = 0; i < recorded.length; i++) {
            assertThat(taped[i]).as("gradient entry %d of %d", i, recorded.length)
                    .isCloseTo(recorded[i], within(rel * scale));
        }
    }

    /** The parameters' gradients as one flat vector, zeroed afterwards when {@code zero}. */
    private static double[] gradient(Objective obj, boolean zero) {
        List<Double> out = new ArrayList<>();
        for (NDArray p : obj.network().parameters().arrays()) {
            try (NDArray g = p.getGradient()) {
                for (double v : g.toType(DataType.FLOAT64, false).toDoubleArray()) {
                    out.add(v);
                }
            }
            if (zero) {
                JniUtils.zeroGrad((PtNDArray) p);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
