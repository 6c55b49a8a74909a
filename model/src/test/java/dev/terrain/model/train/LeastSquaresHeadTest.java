package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Param;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The least-squares solve of LSGD: after it the output layer is the minimiser of the loss for the
 * fixed hidden layers, so the loss's gradient with respect to the output weights and bias vanishes
 * (the normal equations), and no perturbation of them lowers the loss.
 */
class LeastSquaresHeadTest {
    static Stream<Arguments> problems() {
        NetworkSpec tanh = Fixture.spec("mlp", 0, 0, List.of(12, 12), Activation.TANH, Initializer.GLOROT_NORMAL);
        NetworkSpec relu = Fixture.spec("mlp", 0, 0, List.of(16), Activation.RELU, Initializer.HE_UNIFORM);
        // The tolerance is on max |dJ/dxi_L| after the solve relative to before it. Smooth tanh features
        // of a 1D input are nearly collinear (cond(A) ~ 1e12), so the float64 min-norm solution is only
        // accurate to eps cond(A): the gradient drops by 1e4-1e5 there; well-conditioned bases reach 1e-10.
        return Stream.of(
                // value-only term
                Arguments.of("regression", Map.of("target", "sine"), tanh, 1e-3),
                // several outputs (paper 004 eq. (18))
                Arguments.of("regression", Map.of("target", "legendre", "k", 3), tanh, 1e-3),
                // first derivatives, three terms, a scale eps on one of them
                Arguments.of("transport", Map.of("eps", 0.5), relu, 1e-10),
                // second derivatives and a hard ansatz u = B NN
                Arguments.of("poisson", Map.of("dim", 1, "hardBoundary", true), tanh, 1e-3),
                // second derivatives, a field, and a boundary term
                Arguments.of("helmholtz2d", Map.of(), tanh, 1e-10));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("problems")
    void solvedOutputLayerZeroesItsGradientAndIsAMinimum(String problem, Map<String, Object> params, NetworkSpec spec,
            double tolerance) {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = Fixture.objective(m, problem, params, spec, 3);
            Trainer t = Fixture.trainer(m, obj, new FirstOrder(new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8),
                    obj.network().parameters()), Rule.MONTE_CARLO, 150);
            Map<String, PointSet> batch = t.probeBatch();
            obj.setWeight(obj.termNames().get(0), 3.0);
            LeastSquaresHead head = new LeastSquaresHead(obj);
            double before = loss(obj, batch);
            double gBefore = maxAbs(outputGradient(obj, batch, head));
            head.fit(batch);
            double after = loss(obj, batch);
            assertThat(after).isLessThan(before);
            double gmax = maxAbs(outputGradient(obj, batch, head));
            // Normal equations: the gradient vanishes up to the round-off of the basis's conditioning.
            assertThat(gmax).as("max |dJ/dxi_L|").isLessThan(tolerance * gBefore);
            // Any perturbation of the output layer raises the loss (it is a strict minimum unless singular).
            double[][] solved = {Tensors.toDoubles(head.outputParams().get(0).array()),
                    Tensors.toDoubles(head.outputParams().get(1).array())};
            for (int trial = 0; trial < 3; trial++) {
                double[][] perturbed = {solved[0].clone(), solved[1].clone()};
                perturbed[0][trial % perturbed[0].length] += 1e-3;
                perturbed[1][0] -= 1e-3;
                head.write(perturbed);
                assertThat(loss(obj, batch)).isGreaterThanOrEqualTo(after);
            }
        }
    }

    private static double maxAbs(double[] g) {
        double max = 0;
        for (double v : g) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static double loss(Objective obj, Map<String, PointSet> batch) {
        try (var off = new dev.terrain.model.tensor.NoGrad()) {
            return obj.evaluate(batch).total().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    private static double[] outputGradient(Objective obj, Map<String, PointSet> batch, LeastSquaresHead head) {
        List<Param> out = head.outputParams();
        try (Autograd.Recording rec = Autograd.record()) {
            NDArray total = obj.evaluate(batch).total();
            System.gc();
            rec.backward(total);
        }
        double[] w = Tensors.toDoubles(out.get(0).array().getGradient());
        double[] b = Tensors.toDoubles(out.get(1).array().getGradient());
        for (Param p : obj.network().parameters().list()) {
            p.array().getGradient().subi(p.array().getGradient());
        }
        double[] all = new double[w.length + b.length];
        System.arraycopy(w, 0, all, 0, w.length);
        System.arraycopy(b, 0, all, w.length, b.length);
        return all;
    }

    @Test
    void rejectsEnergyLossesNonlinearTermsAndNonlinearOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            NetworkSpec tanh = Fixture.spec("mlp", 0, 0, List.of(8), Activation.TANH, Initializer.GLOROT_NORMAL);
            Objective ritz = Fixture.objective(m, "poisson", Map.of("dim", 1), tanh, 1, LossKind.ENERGY, DataType.FLOAT64);
            assertThatThrownBy(() -> new LeastSquaresHead(ritz)).hasMessageContaining("problem.loss = energy")
                    .hasMessageContaining("optimizer.type = lsgd");
            Objective wells = Fixture.objective(m, "energy-doublewell", Map.of(), tanh, 1, LossKind.ENERGY, DataType.FLOAT64);
            assertThatThrownBy(() -> new LeastSquaresHead(wells)).hasMessageContaining("lsgd");
            NetworkSpec squashed = new NetworkSpec("mlp", 0, 0, List.of(8), Activation.TANH, 0.1,
                    Initializer.GLOROT_NORMAL, List.of(), false, Activation.TANH);
            Objective activated = Fixture.objective(m, "regression", Map.of(), squashed, 1);
            assertThatThrownBy(() -> new LeastSquaresHead(activated)).hasMessageContaining("network.outputActivation");
        }
    }
}
