package dev.terrain.model.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.terrain.model.nn.GradientTrap;
import dev.terrain.model.nn.Param;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gradient statistics on 2D Poisson with a penalised boundary (terms pde and boundary, weights 1 and
 * 10), MLP [4, 4] tanh (37 parameters), float64. The reference gradients come from a separate
 * forward + backward pass per term written here (with the full {@link GradientTrap} between forward
 * and backward); the probe runs the lighter GC trap at each of its passes.
 */
class GradientStatisticsTest {
    static final Map<String, Double> WEIGHTS = Map.of("pde", 1.0, "boundary", 10.0);

    /** Independent reference: dL_term/dtheta per parameter tensor (term null: the weighted total). */
    static List<double[]> reference(GradientProbeFixture f, String term) {
        List<NDArray> junk = new ArrayList<>();
        List<double[]> out = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            try (Autograd.Recording rec = Autograd.record()) {
                var lv = f.objective.evaluate(f.batch);
                NDArray l = term == null ? lv.total() : lv.terms().get(term);
                GradientTrap.spring(f.m, junk);
                rec.backward(l);
            }
            for (Param p : f.params.list()) {
                out.add(Tensors.toDoubles(p.array().getGradient()));
                JniUtils.zeroGrad((PtNDArray) p.array());
            }
        }
        junk.forEach(NDArray::close);
        return out;
    }

    @Test
    void perLayerStatisticsMatchTheGradientArraysAndTermsSumToTheTotal() {
        try (GradientProbeFixture f = GradientProbeFixture.poisson2dMlp(WEIGHTS)) {
            double[] before = f.params.toFlat();
            GradientStatisticsSettings settings = GradientStatisticsSettings.defaults();
            GradientStatistics probe = new GradientStatistics(f.objective, f.batch, settings).beforeBackward(f.trap());
            GradientStatisticsResult r = probe.compute(12, "s12");
            assertThat(r.ok()).isTrue();
            assertThat(r.step()).isEqualTo(12);
            assertThat(r.terms()).extracting(GradientStatisticsResult.Term::name).containsExactly("pde", "boundary");
            assertThat(r.log10Edges()).hasSize(settings.bins() + 1);
            for (GradientStatisticsResult.Term t : r.terms()) {
                assertThat(t.weight()).isEqualTo(WEIGHTS.get(t.name()));
                List<double[]> ref = reference(f, t.name());
                assertThat(t.layers()).extracting(GradientStatisticsResult.Layer::group)
                        .containsExactly("layer0", "layer1", "layer2");
                int total = 0;
                for (GradientStatisticsResult.Layer layer : t.layers()) {
                    double max = 0;
                    double sum = 0;
                    int count = 0;
                    for (int i = 0; i < f.params.list().size(); i++) {
                        if (!f.params.list().get(i).group().equals(layer.group())) {
                            continue;
                        }
                        for (double g : ref.get(i)) {
                            max = Math.max(max, Math.abs(g));
                            sum += Math.abs(g);
                            count++;
                        }
                    }
                    // Same arithmetic on the same (deterministic CPU) gradients: equal to rounding.
                    assertThat(layer.count()).isEqualTo(count);
                    assertThat(layer.max()).as("%s %s max", t.name(), layer.group()).isCloseTo(max, offset(1e-14 * max));
                    assertThat(layer.mean()).as("%s %s mean", t.name(), layer.group())
                            .isCloseTo(sum / count, offset(1e-14 * max));
                    assertThat(layer.histogram().total()).isEqualTo(count);
                    total += count;
                }
                assertThat(total).isEqualTo(f.n());
                assertThat(t.overall().count()).isEqualTo(f.n());
                assertThat(t.overall().histogram().total()).isEqualTo(f.n());
                System.out.printf("term %-8s loss %.4e  max|g| %.3e  mean|g| %.3e  per layer max %s%n", t.name(), t.loss(),
                        t.overall().max(), t.overall().mean(), t.layers().stream().map(l -> String.format("%.2e", l.max())).toList());
            }
            // sum_t lambda_t dL_t/dtheta = dJ/dtheta.
            Map<String, GradientStatistics.TermGradient> terms = probe.termGradients();
            double[] total = probe.totalGradient().gradient();
            double worst = 0;
            for (int i = 0; i < total.length; i++) {
                double s = 0;
                for (GradientStatistics.TermGradient tg : terms.values()) {
                    s += WEIGHTS.get(tg.name()) * tg.gradient()[i];
                }
                worst = Math.max(worst, Math.abs(s - total[i]));
            }
            System.out.printf("max |sum_t lambda_t g_t - g_total| = %.2e; wall time %s%n", worst, r.wallTime());
            assertThat(worst).isLessThan(1e-10);
            assertThat(f.trapsSprung).isGreaterThanOrEqualTo(5);
            assertThat(f.params.toFlat()).as("theta bit-identical").isEqualTo(before);
        }
    }

    @Test
    void histogramBinsAreLog10SpacedAndCountZerosApart() {
        try (GradientProbeFixture f = GradientProbeFixture.poisson2dMlp(Map.of())) {
            GradientStatistics probe = new GradientStatistics(f.objective, f.batch, new GradientStatisticsSettings(4, -2, 2));
            double[] g = {0.0, -0.0, 1e-3, 0.01, -0.5, 0.99, 1.0, 50, 100, 1e6, Double.NaN};
            GradientStatisticsResult.Layer l = probe.layer("x", g, List.of(new int[] {0, g.length}));
            GradientStatisticsResult.Histogram h = l.histogram();
            // Edges 1e-2, 1e-1, 1, 10, 100.
            assertThat(h.zeros()).isEqualTo(2);
            assertThat(h.below()).isEqualTo(1);
            assertThat(h.counts()).containsExactly(1, 2, 1, 1);
            assertThat(h.above()).isEqualTo(2);
            assertThat(h.nonFinite()).isEqualTo(1);
            assertThat(h.total()).isEqualTo(g.length);
            assertThat(l.max()).isNaN();
        }
    }

    @Test
    void nonFiniteLossIsFlaggedAndBadSettingsRejected() {
        assertThatThrownBy(() -> new GradientStatisticsSettings(0, -1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bins");
        assertThatThrownBy(() -> new GradientStatisticsSettings(3, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        try (GradientProbeFixture f = GradientProbeFixture.poisson2dMlp(Map.of())) {
            double[] broken = f.params.toFlat();
            broken[0] = Double.POSITIVE_INFINITY;
            f.params.load(broken);
            GradientStatisticsResult r = new GradientStatistics(f.objective, f.batch, GradientStatisticsSettings.defaults())
                    .beforeBackward(f.trap()).compute();
            assertThat(r.ok()).isFalse();
            assertThat(r.problem()).contains("term 'pde'").contains("non-finite");
            assertThat(r.term("pde").overall().mean()).isNaN();
            assertThat(f.params.toFlat()).isEqualTo(broken);
        }
    }
}
