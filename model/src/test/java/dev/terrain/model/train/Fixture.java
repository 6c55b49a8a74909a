package dev.terrain.model.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Scalars;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small objectives and trainers for the training-method tests, float64 unless told. */
final class Fixture {
    private Fixture() {}

    static NetworkSpec spec(String type, int width, int depth, List<Integer> layers, Activation act, Initializer init) {
        return new NetworkSpec(type, width, depth, layers, act, 0.1, init, List.of(), false, null);
    }

    static Objective objective(NDManager m, String problem, Map<String, Object> params, NetworkSpec spec, long seed) {
        return objective(m, problem, params, spec, seed, LossKind.RESIDUAL, DataType.FLOAT64);
    }

    static Objective objective(NDManager m, String problem, Map<String, Object> params, NetworkSpec spec, long seed,
            LossKind kind, DataType dtype) {
        Scalars c = new Scalars(m, dtype);
        var p = Catalogue.byId(problem).create(params);
        Parameters theta = new Parameters(m, dtype);
        Network net = spec.build(theta, p.inputDim(), p.outputDim(), seed);
        return new Objective(p, kind, net, Map.of(), c);
    }

    /** A trainer on a fixed batch with {@code points} points per set drawn by {@code rule}. */
    static Trainer trainer(NDManager m, Objective obj, TrainingMethod method, Rule rule, int points) {
        Map<String, SetSampling> sampling = new HashMap<>();
        for (String set : obj.pointSets().keySet()) {
            sampling.put(set, new SetSampling(rule, points));
        }
        return new Trainer(obj, method, sampling, false, 7, 201, m);
    }

    static double loss(Trainer t) {
        return t.evaluate().total();
    }
}
