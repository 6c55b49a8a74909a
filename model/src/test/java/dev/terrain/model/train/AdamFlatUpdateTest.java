package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Param;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.OptimizerState;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Adam} updates all its parameters in one fused call on their gradients laid end to end. It must be
 * the per-tensor update to the last bit: here against DJL's kernel called on each parameter with its own
 * moments (the implementation before), on a 1D Poisson MLP (8 tensors), in float32 and float64, also
 * when the list of parameters changes between updates (LSGD moves the hidden layers only) and through a
 * saved and restored state.
 */
class AdamFlatUpdateTest {
    private static final double LR = 1e-2;
    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;

    /** The per-tensor reference: DJL's kernel on each parameter, moments by name. */
    private static final class PerTensor {
        final Map<String, NDArray[]> moments = new HashMap<>();
        long updates;

        void update(List<Param> params) {
            updates++;
            double b1 = (float) B1;
            double b2 = (float) B2;
            double c1 = 1 - Math.pow(b1, updates);
            double c2 = Math.sqrt(1 - Math.pow(b2, updates));
            for (Param p : params) {
                NDArray[] mv = moments.computeIfAbsent(p.name(), k -> {
                    NDArray m = p.array().zerosLike();
                    NDArray v = p.array().zerosLike();
                    NDScope.unregister(m, v);
                    return new NDArray[] {m, v};
                });
                PtNDArray w = (PtNDArray) p.array();
                try (PtNDArray g = w.getGradient()) {
                    JniUtils.adamUpdate(w, g, (PtNDArray) mv[0], (PtNDArray) mv[1], (float) LR, (float) (LR * c2 / c1),
                            0f, 1f, -1f, (float) B1, (float) B2, (float) (EPS * c2), false);
                }
                JniUtils.zeroGrad(w);
            }
        }
    }

    private static Objective objective(NDManager m, DataType dtype) {
        return Fixture.objective(m, "poisson", Map.of("dim", 1, "hardBoundary", true),
                Fixture.spec("mlp", 0, 0, List.of(12, 12), Activation.TANH, Initializer.GLOROT_NORMAL), 4,
                LossKind.RESIDUAL, dtype);
    }

    private static void backward(Objective obj, Map<String, PointSet> batch) {
        try (NDScope scope = new NDScope(); Autograd.Recording rec = Autograd.record()) {
            scope.suppressNotUsedWarning();
            LossValues loss = obj.evaluate(batch);
            System.gc();
            rec.backward(loss.total());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"float32", "float64"})
    void oneFusedCallIsThePerTensorUpdateToTheBit(String type) {
        DataType dtype = type.equals("float32") ? DataType.FLOAT32 : DataType.FLOAT64;
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Objective a = objective(m, dtype);
            Objective b = objective(m, dtype);
            Map<String, PointSet> batchA = a.toDevice(Batches.of(a, Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 64)), 1).fixed(), m);
            Map<String, PointSet> batchB = b.toDevice(Batches.of(b, Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 64)), 1).fixed(), m);
            List<Param> allA = a.network().parameters().list();
            List<Param> allB = b.network().parameters().list();
            List<Param> hiddenA = allA.subList(0, allA.size() - 2);
            List<Param> hiddenB = allB.subList(0, allB.size() - 2);
            Adam flat = new Adam(new Schedule.Constant(LR), B1, B2, EPS);
            PerTensor reference = new PerTensor();
            double[] start = a.network().parameters().toFlat();
            // All tensors, then the hidden ones only (LSGD's pattern), then all again.
            for (int step = 0; step < 9; step++) {
                boolean hiddenOnly = step >= 3 && step < 6;
                backward(a, batchA);
                backward(b, batchB);
                flat.update(hiddenOnly ? hiddenA : allA, step);
                reference.update(hiddenOnly ? hiddenB : allB);
                if (hiddenOnly) {
                    // Gradients of the output layer stay; drop them on both sides as LSGD's solve would.
                    for (List<Param> out : List.of(allA.subList(allA.size() - 2, allA.size()), allB.subList(allB.size() - 2, allB.size()))) {
                        out.forEach(p -> JniUtils.zeroGrad((PtNDArray) p.array()));
                    }
                }
                assertThat(a.network().parameters().toFlat()).as("step %d", step)
                        .containsExactly(b.network().parameters().toFlat());
            }
            assertThat(a.network().parameters().toFlat()).as("the parameters moved").isNotEqualTo(start);

            // The saved state is the reference's moments, and a fresh Adam restored from it continues identically.
            OptimizerState state = flat.state(a.network().parameters());
            for (Param p : allB) {
                NDArray[] mv = reference.moments.get(p.name());
                assertThat(state.buffers().get(p.name()).get("m")).as(p.name()).containsExactly(Tensors.toDoubles(mv[0]));
                assertThat(state.buffers().get(p.name()).get("v")).as(p.name()).containsExactly(Tensors.toDoubles(mv[1]));
            }
            Adam restored = new Adam(new Schedule.Constant(LR), B1, B2, EPS);
            restored.restore(a.network().parameters(), state);
            backward(a, batchA);
            backward(b, batchB);
            restored.update(allA, 9);
            reference.update(allB);
            assertThat(a.network().parameters().toFlat()).containsExactly(b.network().parameters().toFlat());
        }
    }
}
