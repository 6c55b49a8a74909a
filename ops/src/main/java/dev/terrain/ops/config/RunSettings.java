package dev.terrain.ops.config;

import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.train.SetSampling;
import java.util.Map;

/** Everything a training run needs, validated and immutable (read from HOCON by {@link SettingsLoader}). */
public record RunSettings(
        String problemId,
        String loss,
        Map<String, Object> problemParams,
        NetworkSpec network,
        long networkSeed,
        Map<String, Double> lossWeights,
        Sampling sampling,
        OptimizerSettings optimizer,
        Train train,
        String runDir,
        String runId,
        String device,
        int threads,
        String renderedConfig) {

    /** Point placement: per-set rules, the fallback, resampling, seed, test-set size. */
    public record Sampling(boolean resample, long seed, int testPoints, SetSampling fallback,
            Map<String, SetSampling> sets) {}

    /** Optimizer and learning-rate schedule. */
    public record OptimizerSettings(String type, double lr, double beta1, double beta2, double eps,
            String schedule, double minLr, double gamma, long every) {}

    /** Step count, precision and reporting cadence. */
    public record Train(long steps, String dtype, long logEvery, long printEvery, long saveEvery) {}
}
