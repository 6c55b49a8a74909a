package dev.terrain.model.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.problem.Problem;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.train.Objective;
import dev.terrain.model.train.SetSampling;
import dev.terrain.model.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small float64 objective with a fixed batch for the probe tests, and the GC trap that every
 * gradient evaluation of these tests runs between its forward and its backward pass.
 */
final class GradientProbeFixture implements AutoCloseable {
    final NDManager m;
    final Scalars c;
    final Parameters params;
    final Objective objective;
    final Map<String, HostPoints> host = new LinkedHashMap<>();
    final Map<String, PointSet> batch;
    private final List<NDArray> junk = new ArrayList<>();
    int trapsSprung;

    private GradientProbeFixture(Problem problem, LossKind kind, NetworkSpec spec, Map<String, Double> weights,
            Rule rule, int points, long seed, double noise) {
        m = NDManager.newBaseManager();
        c = new Scalars(m, DataType.FLOAT64);
        params = new Parameters(m, DataType.FLOAT64);
        Network net = spec.build(params, problem.domain().dim(), problem.outputDim(), seed);
        if (noise > 0) {
            // Non-zero biases, so no parameter's gradient is structurally special.
            double[] flat = params.toFlat();
            SplittableRandom rng = new SplittableRandom(seed ^ 0x5eedL);
            for (int i = 0; i < flat.length; i++) {
                flat[i] += noise * HessianProbe.gaussian(rng);
            }
            params.load(flat);
        }
        objective = new Objective(problem, kind, net, weights, c);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        objective.pointSets().forEach((name, region) ->
                host.put(name, Sampler.sample(problem.domain(), region, rule, points, rng)));
        batch = objective.toDevice(host, m);
    }

    /** Paper 000's 1D Poisson, DGM loss, hard boundary, ResNet width 3 (34 parameters), Simpson on 41 points. */
    static GradientProbeFixture poisson1dResnet3() {
        return new GradientProbeFixture(Catalogue.byId("poisson").create(Map.of()), LossKind.RESIDUAL,
                new NetworkSpec("resnet", 3, 1, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                        List.of(), false, null), Map.of(), Rule.SIMPSON, 41, 11, 0.1);
    }

    /** 2D Poisson with a penalised boundary (terms pde, boundary), MLP [4, 4] tanh (37 parameters). */
    static GradientProbeFixture poisson2dMlp(Map<String, Double> weights) {
        return new GradientProbeFixture(Catalogue.byId("poisson").create(Map.of("dim", 2, "hardBoundary", false)),
                LossKind.RESIDUAL, new NetworkSpec("mlp", 0, 0, List.of(4, 4), Activation.TANH, 0.1,
                        Initializer.GLOROT_NORMAL, List.of(), false, null), weights, Rule.MONTE_CARLO, 24, 5, 0.1);
    }

    /**
     * Regression on the first k Legendre polynomials with a network without hidden layers,
     * u = x W + b (2k parameters): the loss is quadratic in theta.
     */
    static GradientProbeFixture linearRegression(int k) {
        return new GradientProbeFixture(Catalogue.byId("regression").create(Map.of("target", "legendre", "k", k)),
                LossKind.RESIDUAL, new NetworkSpec("mlp", 0, 0, List.of(), Activation.TANH, 0.1,
                        Initializer.GLOROT_NORMAL, List.of(), false, null), Map.of(), Rule.MONTE_CARLO, 16, 3, 0.3);
    }

    /**
     * The DJL Number trap (shared/bench/NOTES.md), light enough to run at every gradient evaluation:
     * free the previous junk, System.gc(), then allocate arrays filled with 12345 that stay alive
     * through the backward pass, so memory a backward pass should not read gets overwritten.
     */
    Runnable trap() {
        return trap(1);
    }

    /** The trap with System.gc() at every {@code every}-th call only (junk at every call), for long reference loops. */
    Runnable trap(int every) {
        int[] calls = {0};
        return () -> {
            junk.forEach(NDArray::close);
            junk.clear();
            if (calls[0]++ % every == 0) {
                System.gc();
            }
            for (int i = 0; i < 48; i++) {
                double[] d = new double[1 + i % 8];
                Arrays.fill(d, 12345.0);
                junk.add(m.create(d));
            }
            trapsSprung++;
        };
    }

    /** Adam steps on the fixture's own (deterministic Simpson) points, towards a minimiser. */
    GradientProbeFixture train(int steps, double rate) {
        Trainer t = new Trainer(objective, new Adam(new Schedule.Constant(rate), 0.9, 0.999, 1e-8),
                Map.of("interior", new SetSampling(Rule.SIMPSON, host.get("interior").n())), false, 1, 11, m);
        for (int i = 0; i < steps; i++) {
            t.train(false);
        }
        return this;
    }

    int n() {
        return Math.toIntExact(params.count());
    }

    @Override
    public void close() {
        junk.forEach(NDArray::close);
        m.close();
    }
}
