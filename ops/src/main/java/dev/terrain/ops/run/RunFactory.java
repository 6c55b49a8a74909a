package dev.terrain.ops.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.GradientDescent;
import dev.terrain.model.optim.Optimizer;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.train.Objective;
import dev.terrain.model.train.SetSampling;
import dev.terrain.model.train.Trainer;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the model objects of a run from its settings; every mistake surfaces as a {@link UserError}. */
public final class RunFactory {
    private RunFactory() {}

    public static Trainer build(RunSettings s, NDManager manager) {
        try {
            DataType dtype = s.train().dtype().equals("float32") ? DataType.FLOAT32 : DataType.FLOAT64;
            Scalars c = new Scalars(manager, dtype);
            Problem problem = SettingsLoader.named("problem.id", () -> Catalogue.byId(s.problemId()))
                    .create(s.problemParams());
            LossKind kind = s.loss().equals("default") ? problem.lossKinds().get(0)
                    : SettingsLoader.named("problem.loss", () -> LossKind.byId(s.loss()));
            Parameters params = new Parameters(manager, dtype);
            Network net = s.network().build(params, problem.inputDim(), problem.outputDim(), s.networkSeed());
            Objective objective = new Objective(problem, kind, net, s.lossWeights(), c);
            Map<String, SetSampling> sampling = new LinkedHashMap<>();
            for (String set : objective.pointSets().keySet()) {
                sampling.put(set, s.sampling().sets().getOrDefault(set, s.sampling().fallback()));
            }
            for (String set : s.sampling().sets().keySet()) {
                if (!objective.pointSets().containsKey(set)) {
                    throw new UserError("sampling.sets." + set + ": problem '" + problem.id() + "' with the "
                            + kind.id() + " loss has no point set '" + set + "'; its sets: " + objective.pointSets().keySet());
                }
            }
            return new Trainer(objective, optimizer(s.optimizer(), s.train().steps()), sampling,
                    s.sampling().resample(), s.sampling().seed(), s.sampling().testPoints(), manager);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    static Optimizer optimizer(RunSettings.OptimizerSettings o, long steps) {
        Schedule schedule = switch (o.schedule()) {
            case "cosine" -> new Schedule.Cosine(o.lr(), o.minLr(), steps);
            case "step" -> new Schedule.StepDecay(o.lr(), o.gamma(), o.every());
            default -> new Schedule.Constant(o.lr());
        };
        return switch (o.type()) {
            case "gd" -> new GradientDescent(schedule);
            default -> new Adam(schedule, o.beta1(), o.beta2(), o.eps());
        };
    }
}
