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
import dev.terrain.model.train.FirstOrder;
import dev.terrain.model.train.Isgd;
import dev.terrain.model.train.LbfgsMethod;
import dev.terrain.model.train.Lsgd;
import dev.terrain.model.train.Trainer;
import dev.terrain.model.train.TrainingMethod;
import dev.terrain.model.train.WeightAnnealing;
import dev.terrain.model.optim.Lbfgs;
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
            Trainer trainer = new Trainer(objective, method(s.optimizer(), s.train().steps(), objective, c), sampling,
                    s.sampling().resample(), s.sampling().seed(), s.sampling().testPoints(), manager)
                    .withShards(s.train().shards())
                    .withTapedReverse(s.train().tapedReverse());
            RunSettings.Annealing a = s.annealing();
            if (a.enabled()) {
                trainer.withAnnealing(SettingsLoader.named("loss.annealing",
                        () -> new WeightAnnealing(a.every(), a.alpha(), a.reference(), a.weightedGradient()).checkedAgainst(objective)));
            }
            return trainer;
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /** The training method of {@code optimizer.type}; a setting that does not fit the run fails naming it. */
    static TrainingMethod method(RunSettings.OptimizerSettings o, long steps, Objective objective, Scalars c) {
        Parameters params = objective.network().parameters();
        return switch (o.type()) {
            case "lbfgs" -> new LbfgsMethod(o.lbfgs(), params);
            case "isgd" -> isgd(o, steps, objective, c);
            case "lsgd" -> new Lsgd(objective, firstOrder(o.lsgdGradient(), schedule(o, steps), o));
            default -> new FirstOrder(firstOrder(o.type(), schedule(o, steps), o), params);
        };
    }

    private static TrainingMethod isgd(RunSettings.OptimizerSettings o, long steps, Objective objective, Scalars c) {
        RunSettings.Isgd i = o.isgd();
        Parameters params = objective.network().parameters();
        boolean lbfgsInner = i.inner().equals("lbfgs");
        Optimizer innerAdam = lbfgsInner ? null : new Adam(new Schedule.Constant(i.gamma()), o.beta1(), o.beta2(), o.eps());
        LbfgsMethod innerLbfgs = null;
        if (lbfgsInner) {
            Lbfgs.Settings l = o.lbfgs();
            innerLbfgs = new LbfgsMethod(new Lbfgs.Settings(l.lr(), i.k1(), Math.max(l.maxEval(), i.k1() * 5 / 4),
                    l.toleranceGrad(), l.toleranceChange(), l.historySize(), l.strongWolfe()), params);
        }
        TrainingMethod outer = i.outer().equals("lbfgs") ? new LbfgsMethod(o.lbfgs(), params)
                : new FirstOrder(new Adam(new Schedule.Constant(i.eta()), o.beta1(), o.beta2(), o.eps()), params);
        return new Isgd(i.alpha(), i.k0(), i.k1(), innerAdam, innerLbfgs, outer, params, c);
    }

    private static Schedule schedule(RunSettings.OptimizerSettings o, long steps) {
        return switch (o.schedule()) {
            case "cosine" -> new Schedule.Cosine(o.lr(), o.minLr(), steps);
            case "step" -> new Schedule.StepDecay(o.lr(), o.gamma(), o.every());
            default -> new Schedule.Constant(o.lr());
        };
    }

    private static Optimizer firstOrder(String type, Schedule schedule, RunSettings.OptimizerSettings o) {
        return type.equals("gd") ? new GradientDescent(schedule) : new Adam(schedule, o.beta1(), o.beta2(), o.eps());
    }
}
