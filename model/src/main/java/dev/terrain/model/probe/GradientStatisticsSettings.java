package dev.terrain.model.probe;

/**
 * Histogram settings of {@link GradientStatistics}: {@code bins} bins of log10 |g| spaced evenly on
 * [log10Min, log10Max) (paper 001 plots the per-layer distribution of back-propagated gradients;
 * their magnitudes span many decades, so the bins are logarithmic). Exact zeros, 0 < |g| < 10^log10Min,
 * |g| >= 10^log10Max and non-finite entries are counted apart, so the counts of a layer always sum to
 * its parameter count.
 */
public record GradientStatisticsSettings(int bins, double log10Min, double log10Max) {
    public GradientStatisticsSettings {
        if (bins < 1) {
            throw new IllegalArgumentException("gradientStatistics.bins must be at least 1, was " + bins);
        }
        if (!Double.isFinite(log10Min) || !Double.isFinite(log10Max) || !(log10Min < log10Max)) {
            throw new IllegalArgumentException("gradientStatistics.log10Min < log10Max must be finite, were "
                    + log10Min + " and " + log10Max);
        }
    }

    /** Half-decade bins from 1e-12 to 1e3 (30 bins). */
    public static GradientStatisticsSettings defaults() {
        return new GradientStatisticsSettings(30, -12, 3);
    }

    /** The bins + 1 edges in log10 |g|. */
    public double[] log10Edges() {
        double[] e = new double[bins + 1];
        for (int i = 0; i <= bins; i++) {
            e[i] = log10Min + (log10Max - log10Min) * i / bins;
        }
        return e;
    }
}
