package dev.terrain.model.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.problem.PointSet;
import dev.terrain.model.quad.HostPoints;
import dev.terrain.model.quad.Region;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.quad.Sampler;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.train.Objective;
import dev.terrain.model.train.SetSampling;
import dev.terrain.model.train.Trainer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoughnessIndexTest {
    static final Set<String> ALL = Set.of();

    static Objective poisson(NDManager m, DataType dtype, String loss, String net, int width) {
        Scalars c = new Scalars(m, dtype);
        Parameters params = new Parameters(m, dtype);
        Network network = new NetworkSpec(net, width, 1, List.of(), Activation.SWISH, 0.1, Initializer.GLOROT_NORMAL,
                List.of(), false, null).build(params, 1, 1, 1);
        return new Objective(Catalogue.byId("poisson").create(Map.of()), LossKind.byId(loss), network, Map.of(), c);
    }

    static Map<String, PointSet> simpson(Objective o, NDManager m, int n) {
        HostPoints h = Sampler.sample(o.problem().domain(), Region.INTERIOR, Rule.SIMPSON, n, new SplittableRandom(0));
        Map<String, PointSet> batch = o.toDevice(Map.of("interior", h), m);
        batch.values().forEach(PointSet::keep);
        return batch;
    }

    @Test
    void quadraticLossAtItsMinimiserHasRoughnessZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT64);
            Parameters params = new Parameters(m, DataType.FLOAT64);
            // u = [sin 2 pi x, cos 2 pi x] W + b is linear in theta, so the data misfit to sin 2 pi x is
            // quadratic in theta with minimiser W = (1, 0), b = 0.
            Network net = new NetworkSpec("mlp", 0, 0, List.of(), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                    List.of(1), false, null).build(params, 1, 1, 1);
            Objective o = new Objective(Catalogue.byId("regression").create(Map.of("target", "sine")),
                    LossKind.RESIDUAL, net, Map.of(), c);
            params.load(new double[] {1, 0, 0});
            BatchedLoss loss = new BatchedLoss(o, pointsFor(o, m), 1 << 22);
            RoughnessIndex.Result r = RoughnessIndex.compute(loss, params,
                    new RoughnessIndex.Settings(20, 10, 0.5, 3, BiasMode.ZERO, ALL));
            assertThat(r.lossAtTheta()).isLessThan(1e-28);
            assertThat(r.meanT()).isCloseTo(1 / 0.5, within(1e-12));
            assertThat(r.ri()).isCloseTo(0.0, within(1e-12));
        }
    }

    static Map<String, PointSet> pointsFor(Objective o, NDManager m) {
        Map<String, HostPoints> host = new java.util.HashMap<>();
        for (var e : o.pointSets().entrySet()) {
            host.put(e.getKey(), Sampler.sample(o.problem().domain(), e.getValue(), Rule.GRID, 101, new SplittableRandom(1)));
        }
        Map<String, PointSet> batch = o.toDevice(host, m);
        batch.values().forEach(PointSet::keep);
        return batch;
    }

    @Test
    void atRandomInitialisationTIsOneOverTwoLAndRiIsSmall() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective o = poisson(m, DataType.FLOAT64, "dgm", "resnet", 4);
            BatchedLoss loss = new BatchedLoss(o, simpson(o, m, 200), 1 << 22);
            RoughnessIndex.Result r = RoughnessIndex.compute(loss, o.network().parameters(),
                    new RoughnessIndex.Settings(100, 100, 0.01, 11, BiasMode.ZERO, ALL));
            // Paper 000 Table X: l = 0.01 gives T close to 1/(2l) = 50 and RI near zero.
            assertThat(r.meanT()).isCloseTo(50.0, within(2.5));
            assertThat(r.ri()).isLessThan(0.05);
            assertThat(r.t()).hasSize(100);
            assertThat(r.nonFiniteDirections()).isEmpty();
        }
    }

    @Test
    void batchedEvaluationEqualsOneCallPerParameterSet() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective o = poisson(m, DataType.FLOAT64, "drm", "resnet", 3);
            BatchedLoss loss = new BatchedLoss(o, simpson(o, m, 51), 1 << 20);
            double[] theta = o.network().parameters().toFlat();
            SplittableRandom rng = new SplittableRandom(5);
            double[][] rows = new double[37][theta.length];
            for (double[] row : rows) {
                for (int k = 0; k < row.length; k++) {
                    row[k] = theta[k] + 0.1 * rng.nextGaussian();
                }
            }
            double[] batched = loss.evaluate(rows.length, (k, row) -> System.arraycopy(rows[k], 0, row, 0, row.length), 16);
            double[] single = loss.evaluate(rows.length, (k, row) -> System.arraycopy(rows[k], 0, row, 0, row.length), 1);
            for (int k = 0; k < rows.length; k++) {
                o.network().parameters().load(rows[k]);
                double direct = o.evaluate(simpson(o, m, 51)).total().getDouble();
                assertThat(batched[k]).isCloseTo(direct, within(1e-12 * Math.abs(direct)));
                assertThat(single[k]).isCloseTo(direct, within(1e-12 * Math.abs(direct)));
            }
        }
    }

    @Test
    void directionsAreFilterNormalisedAndBiasesFollowTheMode() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective o = poisson(m, DataType.FLOAT64, "dgm", "resnet", 4);
            Parameters p = o.network().parameters();
            double[] theta = p.toFlat();
            double[] zero = Directions.filterNormalised(p.list(), theta, BiasMode.ZERO, ALL, new SplittableRandom(1));
            double[] copy = Directions.filterNormalised(p.list(), theta, BiasMode.COPY, ALL, new SplittableRandom(1));
            double[] layer = Directions.filterNormalised(p.list(), theta, BiasMode.ZERO, Set.of("block0.1"),
                    new SplittableRandom(1));
            int at = 0;
            for (var param : p.list()) {
                long[] shape = param.array().getShape().getShape();
                int n = Math.toIntExact(param.size());
                if (shape.length == 1) {
                    for (int i = 0; i < n; i++) {
                        assertThat(zero[at + i]).isZero();
                        assertThat(copy[at + i]).isEqualTo(theta[at + i]);
                    }
                } else {
                    int cols = (int) shape[1];
                    for (int j = 0; j < cols; j++) {
                        double dn = 0;
                        double tn = 0;
                        for (int r = 0; r < n / cols; r++) {
                            dn += zero[at + r * cols + j] * zero[at + r * cols + j];
                            tn += theta[at + r * cols + j] * theta[at + r * cols + j];
                        }
                        assertThat(Math.sqrt(dn)).isCloseTo(Math.sqrt(tn), within(1e-12));
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (!param.group().equals("block0.1")) {
                        assertThat(layer[at + i]).isZero();
                    }
                }
                at += n;
            }
        }
    }

    @Test
    void badSettingsNameTheValue() {
        assertThatThrownBy(() -> new RoughnessIndex.Settings(1, 10, 0.01, 1, BiasMode.ZERO, ALL))
                .hasMessageContaining("M = 1");
        assertThatThrownBy(() -> new RoughnessIndex.Settings(10, 10, 0.0, 1, BiasMode.ZERO, ALL))
                .hasMessageContaining("l = 0.0");
        assertThatThrownBy(() -> new RoughnessIndex.Settings(10, 0, 0.01, 1, BiasMode.ZERO, ALL))
                .hasMessageContaining("m = 0");
        assertThatThrownBy(() -> BiasMode.byId("keep")).hasMessageContaining("'keep'").hasMessageContaining("zero, copy");
    }

    @Test
    void nonFiniteLossesAreReportedPerDirection() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective o = poisson(m, DataType.FLOAT32, "dgm", "resnet", 4);
            BatchedLoss loss = new BatchedLoss(o, simpson(o, m, 51), 1 << 20);
            // Steps of 1e30 times theta overflow float32: every direction has non-finite losses.
            RoughnessIndex.Result r = RoughnessIndex.compute(loss, o.network().parameters(),
                    new RoughnessIndex.Settings(4, 4, 1e30, 1, BiasMode.ZERO, ALL));
            assertThat(r.nonFiniteDirections()).containsExactly(0, 1, 2, 3);
            assertThat(r.t()).isEmpty();
            assertThat(Double.isFinite(r.lossAtTheta())).isTrue();
        }
    }

    /**
     * Paper 000 Table IX in shape: at a DGM minimiser theta_G of the 1D Poisson ResNet (w = 4) the DGM
     * loss is much smoother than the DRM loss at the same point (paper: RI 0.0127 vs 0.1525).
     */
    @Test
    void dgmIsSmootherThanDrmAtTheDgmMinimiser() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective dgm = poisson(m, DataType.FLOAT64, "dgm", "resnet", 4);
            Trainer t = new Trainer(dgm, new Adam(new Schedule.Cosine(1e-2, 1e-5, 3000), 0.9, 0.999, 1e-8),
                    Map.of("interior", new SetSampling(Rule.SIMPSON, 200)), false, 7, 1001, m);
            for (int i = 0; i < 3000; i++) {
                t.train(false);
            }
            Objective drm = new Objective(dgm.problem(), LossKind.ENERGY, dgm.network(), Map.of(), dgm.scalars());
            Map<String, PointSet> points = simpson(dgm, m, 200);
            RoughnessIndex.Settings s = new RoughnessIndex.Settings(100, 100, 0.01, 2024, BiasMode.ZERO, ALL);
            double riG = RoughnessIndex.compute(new BatchedLoss(dgm, points, 1 << 22), dgm.network().parameters(), s).ri();
            double riR = RoughnessIndex.compute(new BatchedLoss(drm, points, 1 << 22), dgm.network().parameters(), s).ri();
            System.out.printf("Table IX analogue: rel-L2 %.3e, RI(DGM) %.4f, RI(DRM) %.4f%n", t.relativeL2(), riG, riR);
            assertThat(riG).isLessThan(riR);
        }
    }
}
