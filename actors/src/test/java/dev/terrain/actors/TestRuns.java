package dev.terrain.actors;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.GradientDescent;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.train.FirstOrder;
import dev.terrain.model.train.Lsgd;
import dev.terrain.model.train.Objective;
import dev.terrain.model.train.SetSampling;
import dev.terrain.model.train.Trainer;
import dev.terrain.model.train.TrainingMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Small runs for the pipeline tests: 1D Poisson (DGM, tanh MLP 8-8, float64) and the LSGD transport PINN. */
final class TestRuns {
    private TestRuns() {}

    /** 1D Poisson with Adam (lr 1e-2) on 64 Monte Carlo points per set, fixed or resampled. */
    static RunModel poisson(boolean resample) {
        return poisson(resample, o -> new FirstOrder(new Adam(new Schedule.Constant(1e-2), 0.9, 0.999, 1e-8),
                o.network().parameters()));
    }

    /** 1D Poisson with plain gradient descent at a rate that makes the loss blow up within a few steps. */
    static RunModel diverging() {
        return poisson(false, o -> new FirstOrder(new GradientDescent(new Schedule.Constant(1e3)), o.network().parameters()));
    }

    static RunModel poisson(boolean resample, Function<Objective, TrainingMethod> method) {
        return manager -> build(manager, "poisson", Map.of("dim", 1, "hardBoundary", false),
                new NetworkSpec("mlp", 0, 0, List.of(8, 8), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL, List.of(),
                        false, null), Rule.MONTE_CARLO, 64, resample, method);
    }

    /** Paper 004's constant-speed transport PINN with LSGD (the example's residual ReLU net, width 32, box init). */
    static RunModel transportLsgd() {
        return manager -> build(manager, "transport", Map.of("speed", "constant"),
                new NetworkSpec("residual", 32, 1, List.of(), Activation.RELU, 0.1, Initializer.BOX, List.of(), false, null),
                Rule.GRID, 1024, false, o -> new Lsgd(o, new Adam(new Schedule.Constant(5e-3), 0.9, 0.999, 1e-8)));
    }

    private static Trainer build(NDManager m, String problemId, Map<String, Object> params, NetworkSpec spec, Rule rule,
            int points, boolean resample, Function<Objective, TrainingMethod> method) {
        Scalars c = new Scalars(m, DataType.FLOAT64);
        Problem p = Catalogue.byId(problemId).create(params);
        Parameters theta = new Parameters(m, DataType.FLOAT64);
        Network net = spec.build(theta, p.inputDim(), p.outputDim(), 11);
        Objective o = new Objective(p, LossKind.RESIDUAL, net, Map.of(), c);
        Map<String, SetSampling> sampling = new HashMap<>();
        for (String set : o.pointSets().keySet()) {
            sampling.put(set, new SetSampling(rule, points));
        }
        return new Trainer(o, method.apply(o), sampling, resample, 7, 201, m);
    }

    /** The parameters after {@code steps} plain training steps of {@code model}, without any actor. */
    static double[] direct(RunModel model, long steps) {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer t = model.build(m);
            while (t.step() < steps) {
                t.train(false);
            }
            return t.objective().network().parameters().toFlat();
        }
    }

    static PipelineSettings pipeline(long steps, List<PipelineSettings.ProbeSpec> probes) {
        PipelineSettings.Backoff fast = new PipelineSettings.Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 0, 20);
        return new PipelineSettings(steps, 10, 0, 20, 10, 4, 8, Duration.ofSeconds(60), fast, fast, false, probes);
    }

    static RunSpec spec(String id, RunModel model, PipelineSettings pipeline, Path dir, Collect listener,
            RunSpec.StepHook hook) {
        return new RunSpec(id, "hash-" + id, model, Device.cpu(), pipeline, new Checkpoints(dir, 3), listener, hook);
    }

    /** Keeps everything a run reports (calls come from the supervisor, one at a time). */
    static final class Collect implements RunListener {
        final List<MetricsRecord> metrics = Collections.synchronizedList(new ArrayList<>());
        final List<LandscapeRecord> landscape = Collections.synchronizedList(new ArrayList<>());
        final List<RunEvent> events = Collections.synchronizedList(new ArrayList<>());
        final List<Long> snapshots = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void snapshot(dev.terrain.streams.ParameterSnapshot s) {
            snapshots.add(s.step());
        }

        @Override
        public void metrics(MetricsRecord record) {
            metrics.add(record);
        }

        @Override
        public void landscape(LandscapeRecord record) {
            landscape.add(record);
        }

        @Override
        public void event(RunEvent event) {
            events.add(event);
        }

        List<String> eventTypes() {
            synchronized (events) {
                return events.stream().map(RunEvent::type).toList();
            }
        }
    }
}
