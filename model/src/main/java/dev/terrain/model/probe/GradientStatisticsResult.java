package dev.terrain.model.probe;

import java.time.Duration;
import java.util.List;

/**
 * Per loss term and per layer statistics of |dL_term / dtheta| at one snapshot (paper 001's
 * "gradient pathologies" histograms); plain host values.
 *
 * @param step training step of the snapshot (-1 when not given)
 * @param snapshotId id of the snapshot ("" when not given)
 * @param terms one entry per loss term, in the objective's term order
 * @param log10Edges the histogram's bin edges in log10 |g| (bins + 1 values, shared by every histogram)
 * @param wallTime the probe's own wall time
 * @param problem null when every term's loss and gradient were finite; otherwise the terms that were not
 */
public record GradientStatisticsResult(long step, String snapshotId, List<Term> terms, double[] log10Edges,
        Duration wallTime, String problem) {

    public boolean ok() {
        return problem == null;
    }

    /** The statistics of a term by name. */
    public Term term(String name) {
        return terms.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no term '" + name + "'; terms: "
                        + terms.stream().map(Term::name).toList()));
    }

    /**
     * One loss term. The statistics are of the unweighted term's gradient; multiply by {@code weight}
     * for its share of the total gradient.
     *
     * @param name term name
     * @param weight its loss weight lambda_t at the snapshot
     * @param loss the unweighted term value
     * @param layers one entry per layer (Param.group), in parameter order
     * @param overall the same statistics over all parameters
     * @param problem null, or why this term's numbers are not finite
     */
    public record Term(String name, double weight, double loss, List<Layer> layers, Layer overall, String problem) {
        public Layer layer(String group) {
            return layers.stream().filter(l -> l.group().equals(group)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no layer '" + group + "'; layers: "
                            + layers.stream().map(Layer::group).toList()));
        }
    }

    /**
     * |g| over the parameters of one layer.
     *
     * @param group the layer (Param.group), or "all"
     * @param count number of parameters
     * @param max max |g| (NaN if any entry is not finite)
     * @param mean mean |g| (NaN if any entry is not finite)
     * @param l2 sqrt(sum g^2)
     * @param histogram the log10 |g| histogram
     */
    public record Layer(String group, int count, double max, double mean, double l2, Histogram histogram) {}

    /**
     * Counts of log10 |g| in the bins of {@link GradientStatisticsResult#log10Edges()}; every entry is
     * counted exactly once: {@code zeros + below + sum(counts) + above + nonFinite == count}.
     *
     * @param counts entries with log10 |g| in [edge_i, edge_{i+1})
     * @param zeros entries exactly 0
     * @param below entries with 0 < |g| < 10^edge_0
     * @param above entries with |g| >= 10^edge_bins (finite)
     * @param nonFinite NaN or infinite entries
     */
    public record Histogram(long[] counts, long zeros, long below, long above, long nonFinite) {
        public long total() {
            long s = zeros + below + above + nonFinite;
            for (long c : counts) {
                s += c;
            }
            return s;
        }
    }
}
