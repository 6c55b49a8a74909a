package dev.terrain.ops.cli;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.probe.BatchedLoss;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.probe.HessianProbe;
import dev.terrain.model.probe.HessianResult;
import dev.terrain.model.probe.HessianSettings;
import dev.terrain.model.probe.RoughnessIndex;
import dev.terrain.model.tensor.Threads;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.run.RunFactory;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code terrain bench probe}: wall time of the Roughness Index with M = 100, m = 100, l = 0.01 on the 1D
 * Poisson DGM model (200 Simpson points), batched, against the same M(m+1) losses evaluated one
 * parameter set per call (the naive loop), in one process.
 */
final class ProbeBench {
    private ProbeBench() {}

    /** Wall time of Lanczos top-5 (with power iteration) on the Helmholtz example after 200 training steps. */
    static Map<String, Object> lanczos(File example, Integer threads) {
        RunSettings s = BenchCommand.load(example, threads, Map.of());
        try (NDManager manager = NDManager.newBaseManager()) {
            Trainer trainer = RunFactory.build(s, manager);
            for (int i = 0; i < 200; i++) {
                trainer.train(false);
            }
            HessianResult r = new HessianProbe(trainer.objective(), trainer.probeBatch(), HessianSettings.defaults(5))
                    .run(trainer.step(), "bench");
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("probe", "hessian-lanczos");
            c.put("example", example.getName());
            c.put("dtype", s.train().dtype());
            c.put("parameters", r.parameters());
            c.put("k", 5);
            c.put("eigenvalues", r.lanczos() == null ? null : r.lanczos().eigenvalues());
            c.put("hessian_vector_products", r.hessianVectorProducts());
            c.put("wall_s", r.wallTime().toNanos() / 1e9);
            System.out.printf("Lanczos k=5 on %s (%d parameters): %d HVPs, %.3f s%n", example.getName(), r.parameters(),
                    r.hessianVectorProducts(), r.wallTime().toNanos() / 1e9);
            return c;
        }
    }

    static Map<String, Object> roughness(File example, Integer threads) {
        RunSettings s = BenchCommand.load(example, threads, Map.of());
        try (NDManager manager = NDManager.newBaseManager()) {
            Trainer trainer = RunFactory.build(s, manager);
            for (int i = 0; i < 200; i++) {
                trainer.train(false);
            }
            RoughnessIndex.Settings ri = new RoughnessIndex.Settings(100, 100, 0.01, 1, BiasMode.ZERO, Set.of());
            Map<String, Object> sweep = new LinkedHashMap<>();
            for (int e = 16; e <= 24; e += 2) {
                BatchedLoss l2 = new BatchedLoss(trainer.objective(), trainer.probeBatch(), 1L << e);
                double sec = RoughnessIndex.compute(l2, trainer.objective().network().parameters(), ri).wallSeconds();
                sweep.put("2^" + e + " (chunk " + l2.chunk() + ")", sec);
                System.out.printf("  max elements per jet tensor 2^%d, chunk %d: %.3f s%n", e, l2.chunk(), sec);
            }
            BatchedLoss loss = new BatchedLoss(trainer.objective(), trainer.probeBatch(), BatchedLoss.DEFAULT_MAX_ELEMENTS);
            RoughnessIndex.compute(loss, trainer.objective().network().parameters(), ri); // warm-up
            RoughnessIndex.Result batched = RoughnessIndex.compute(loss, trainer.objective().network().parameters(), ri);
            long t0 = System.nanoTime();
            int count = 100 * 101;
            double[] theta = trainer.objective().network().parameters().toFlat();
            loss.evaluate(count, (k, row) -> System.arraycopy(theta, 0, row, 0, row.length), 1);
            double naive = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("probe", "roughness-index");
            c.put("example", example.getName());
            c.put("M", 100);
            c.put("m", 100);
            c.put("l", 0.01);
            c.put("chunk", loss.chunk());
            c.put("threads", Threads.get());
            c.put("batched_s", batched.wallSeconds());
            c.put("naive_loop_s", naive);
            c.put("speedup", naive / batched.wallSeconds());
            c.put("ri", batched.ri());
            c.put("chunk_sweep_s", sweep);
            System.out.printf("RI M=100 m=100: batched %.3f s, one call per parameter set %.3f s (%.1fx)%n",
                    batched.wallSeconds(), naive, naive / batched.wallSeconds());
            return c;
        }
    }
}
