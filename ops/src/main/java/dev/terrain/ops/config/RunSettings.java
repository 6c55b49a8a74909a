package dev.terrain.ops.config;

import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.optim.Lbfgs;
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
        Annealing annealing,
        Sampling sampling,
        OptimizerSettings optimizer,
        Train train,
        CheckpointSettings checkpoint,
        Pipeline pipeline,
        Kafka kafka,
        Prometheus prometheus,
        String runDir,
        String runId,
        String device,
        int threads,
        String renderedConfig) {

    /** Point placement: per-set rules, the fallback, resampling, seed, test-set size. */
    public record Sampling(boolean resample, long seed, int testPoints, SetSampling fallback,
            Map<String, SetSampling> sets) {}

    /** Optimizer and learning-rate schedule, with the settings of L-BFGS, ISGD and LSGD. */
    public record OptimizerSettings(String type, double lr, double beta1, double beta2, double eps,
            String schedule, double minLr, double gamma, long every, Lbfgs.Settings lbfgs, Isgd isgd,
            String lsgdGradient) {}

    /**
     * ISGD (paper 002 Algorithm 1) in the paper's symbols: alpha, K0, K1, gamma (inner Adam rate), eta
     * (outer Adam rate); inner and outer are adam or lbfgs.
     */
    public record Isgd(double alpha, long k0, int k1, double gamma, double eta, String inner, String outer) {}

    /** Loss-weight annealing (paper 001): every K steps with moving-average factor alpha. */
    public record Annealing(boolean enabled, long every, double alpha, String reference, boolean weightedGradient) {}

    /** Checkpoint cadence (0 = only at the end) and how many to keep. */
    public record CheckpointSettings(long every, int keep) {}

    /**
     * The actor pipeline (block {@code pipeline}) and the enabled landscape probes (block {@code probes}).
     */
    public record Pipeline(long snapshotEvery, int sampleAhead, int snapshotBuffer, java.time.Duration timeout,
            dev.terrain.actors.PipelineSettings.Backoff trainerRestart, dev.terrain.actors.PipelineSettings.Backoff restart,
            java.util.List<dev.terrain.actors.PipelineSettings.ProbeSpec> probes) {}

    /** Kafka output (block {@code kafka}); an empty bootstrap means the embedded broker. */
    public record Kafka(boolean enabled, String bootstrap, int port, String dataDir, int partitions, int buffer) {
        public boolean embedded() {
            return bootstrap.isBlank();
        }
    }

    /** The Prometheus endpoint (block {@code prometheus}). */
    public record Prometheus(boolean enabled, String host, int port) {}

    /** Step count, precision and reporting cadence. */
    public record Train(long steps, String dtype, long logEvery, long printEvery, long saveEvery, int shards,
            boolean tapedReverse) {}
}
