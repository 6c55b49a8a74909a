package dev.terrain.ops.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.model.tensor.MklDispatch;
import dev.terrain.model.tensor.Threads;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.run.Devices;
import dev.terrain.ops.run.Json;
import dev.terrain.ops.run.RunFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code terrain bench compare}: Terrain's training step against the few lines of PyTorch eager a user
 * would write instead ({@code bench/torch_pinn_baseline.py}: 1D Poisson DGM, hard ansatz, tanh MLP, Adam)
 * on exactly its workload ({@code bench/pytorch-baseline.conf} with the case's width, depth, batch and
 * dtype), at each of the given thread counts. The tools alternate within each round (Terrain, PyTorch
 * autograd, PyTorch jet, at every thread count) so that the machine's load changes hit all of them; the
 * median ratios over the rounds (same threads, and each tool at its fastest thread count) and every raw
 * figure go to the JSON. Without a Python with torch only Terrain is measured.
 */
final class CompareBench {
    private static final Logger LOG = LoggerFactory.getLogger(CompareBench.class);

    /**
     * A workload: MLP of {@code depth} hidden layers of {@code width}, {@code batch} points, dtype, on a device
     * ({@code cpu}, or {@code gpu}: Terrain's {@code device = gpu} and the baseline's {@code --device cuda}).
     */
    record Case(int width, int depth, int batch, String dtype, String device) {
        static Case parse(String s) {
            String[] p = s.split("[x:]");
            if (p.length != 4) {
                throw new dev.terrain.ops.config.UserError("--cases: '" + s + "' is not WIDTHxDEPTHxBATCH:DTYPE, e.g. 50x3x1000:float32");
            }
            return new Case(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), p[3], "cpu");
        }

        /** This workload on {@code device}: cpu or gpu. */
        Case on(String device) {
            checkDevice(device);
            return new Case(width, depth, batch, dtype, device);
        }

        static void checkDevice(String device) {
            if (!List.of("cpu", "gpu").contains(device)) {
                throw new dev.terrain.ops.config.UserError("--device '" + device + "': valid: cpu, gpu");
            }
        }

        /** WIDTHxDEPTHxBATCH:DTYPE, with {@code @gpu} on a GPU. */
        String name() {
            return width + "x" + depth + "x" + batch + ":" + dtype + (device.equals("cpu") ? "" : "@" + device);
        }

        /** The baseline script's {@code --device}. */
        String torchDevice() {
            return device.equals("gpu") ? "cuda" : "cpu";
        }
    }

    private CompareBench() {}

    /**
     * Every tool at every thread count in each round, alternating. Ratios are reported two ways: with both
     * tools at the same thread count, and with each at its fastest thread count in that round (libtorch
     * with MKL gains from a second core on this workload, Debian's PyTorch with OpenBLAS loses).
     */
    static Map<String, Object> run(Case c, int rounds, long steps, long warmup, List<Integer> threads, String python,
            boolean baselineTerrainMalloc) throws IOException, InterruptedException {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        List<String> torchTools = python == null ? List.of() : List.of("torch-autograd", "torch-jet");
        for (int t : threads) {
            tools(t, torchTools).forEach(tool -> rates.put(key(tool, t), new ArrayList<>()));
        }
        String torchVersion = null;
        for (int r = 0; r < rounds; r++) {
            for (int t : threads) {
                for (String tool : tools(t, torchTools)) {
                    double rate;
                    if (tool.equals(TERRAIN)) {
                        rate = terrain(c, steps, warmup, t, 1, true);
                    } else if (tool.equals(TERRAIN_RECORDED)) {
                        rate = terrain(c, steps, warmup, t, 1, false);
                    } else if (tool.equals(TERRAIN_SHARDS)) {
                        rate = terrain(c, steps, warmup, 1, t, true);
                    } else {
                        JsonNode out = torch(python, tool.substring("torch-".length()), c, steps, warmup, t, baselineTerrainMalloc);
                        rate = out.path("steps_per_s").asDouble();
                        torchVersion = out.path("torch").asText();
                    }
                    rates.get(key(tool, t)).add(rate);
                    System.out.printf(Locale.ROOT, "%-16s round %d  %-18s %8.1f steps/s%n", c.name(), r + 1, key(tool, t), rate);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("case", c.name());
        out.put("width", c.width());
        out.put("depth", c.depth());
        out.put("batch", c.batch());
        out.put("dtype", c.dtype());
        out.put("device", c.device());
        out.put("threads", threads);
        out.put("steps", steps);
        out.put("warmup", warmup);
        out.put("tools", Map.of(TERRAIN + "@N", "threads = N (libtorch intra-op), train.shards = 1",
                TERRAIN_RECORDED + "@1", "as terrain@1 with train.reverse = autograd (the network's jet pass recorded"
                        + " op by op instead of reversed by its written-out rules); not counted as Terrain's fastest",
                TERRAIN_SHARDS + "@N", "threads = 1, train.shards = N (N parts of the batch on N Java threads)",
                "torch-*@N", "torch.set_num_threads(N), without " + MklDispatch.LIBRARY + ", " + (baselineTerrainMalloc
                        ? "with Terrain's malloc settings " + MallocSettings.LAUNCHER
                        : "glibc's default malloc settings (the launcher's MALLOC_* variables removed)")));
        out.put("baseline_malloc", baselineTerrainMalloc ? "terrain" : "user");
        out.put("steps_per_s", rates);
        Map<String, Double> medians = new LinkedHashMap<>();
        rates.forEach((tool, list) -> medians.put(tool, PipelineBench.median(list)));
        out.put("median_steps_per_s", medians);
        if (rates.containsKey(key(TERRAIN_RECORDED, 1))) {
            List<Double> gain = ratios(rates, TERRAIN, TERRAIN_RECORDED, 1, rounds);
            out.put("taped_vs_recorded_reverse", gain);
            out.put("median_taped_vs_recorded_reverse", PipelineBench.median(gain));
            System.out.printf(Locale.ROOT, "%-16s taped reverse pass / recorded, 1 thread: median %.2f%n", c.name(),
                    PipelineBench.median(gain));
        }
        if (python != null) {
            out.put("torch", torchVersion);
            out.put("torch_blas", debianBlas());
            Map<String, Object> same = new LinkedHashMap<>();
            for (int t : threads) {
                Map<String, Object> at = new LinkedHashMap<>();
                for (String mine : tools(t, List.of())) {
                    for (String base : torchTools) {
                        List<Double> ratios = ratios(rates, mine, base, t, rounds);
                        String name = mine.substring(TERRAIN.length()).replace("-", "") + (mine.equals(TERRAIN) ? "" : "_");
                        at.put(name + "ratio_vs_" + base.substring(6), ratios);
                        at.put(name + "median_ratio_vs_" + base.substring(6), PipelineBench.median(ratios));
                    }
                    System.out.printf(Locale.ROOT, "%-16s %d thread(s) each, %-14s: median / PyTorch autograd %.2f, / PyTorch jet %.2f%n",
                            c.name(), t, mine, PipelineBench.median(ratios(rates, mine, "torch-autograd", t, rounds)),
                            PipelineBench.median(ratios(rates, mine, "torch-jet", t, rounds)));
                }
                same.put(String.valueOf(t), at);
            }
            out.put("same_threads", same);
            Map<String, Object> best = new LinkedHashMap<>();
            for (String base : torchTools) {
                List<Double> ratios = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    ratios.add(fastest(rates, List.of(TERRAIN, TERRAIN_SHARDS), threads, r) / fastest(rates, List.of(base), threads, r));
                }
                best.put("ratio_vs_" + base.substring(6), ratios);
                best.put("median_ratio_vs_" + base.substring(6), PipelineBench.median(ratios));
            }
            out.put("each_at_its_fastest", best);
            System.out.printf(Locale.ROOT, "%-16s each at its fastest setting: median Terrain / PyTorch autograd %.2f, / PyTorch jet %.2f%n",
                    c.name(), (Double) best.get("median_ratio_vs_autograd"), (Double) best.get("median_ratio_vs_jet"));
        }
        return out;
    }

    static final String TERRAIN = "terrain";
    static final String TERRAIN_SHARDS = "terrain-shards";
    static final String TERRAIN_RECORDED = "terrain-recorded";

    /**
     * What runs at thread count t: Terrain on t intra-op threads, at t = 1 also with its network pass recorded
     * by autograd ({@code train.reverse = autograd}), on t batch parts (t > 1), then PyTorch.
     */
    private static List<String> tools(int t, List<String> torchTools) {
        List<String> tools = new ArrayList<>(List.of(TERRAIN));
        if (t == 1) {
            tools.add(TERRAIN_RECORDED);
        }
        if (t > 1) {
            tools.add(TERRAIN_SHARDS);
        }
        tools.addAll(torchTools);
        return tools;
    }

    private static List<Double> ratios(Map<String, List<Double>> rates, String mine, String base, int t, int rounds) {
        List<Double> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            out.add(rates.get(key(mine, t)).get(r) / rates.get(key(base, t)).get(r));
        }
        return out;
    }

    private static String key(String tool, int threads) {
        return tool + "@" + threads;
    }

    /** The best rate in round r of any of the tools over the thread counts (where that tool ran). */
    private static double fastest(Map<String, List<Double>> rates, List<String> tools, List<Integer> threads, int r) {
        double best = 0;
        for (String tool : tools) {
            for (int t : threads) {
                List<Double> list = rates.get(key(tool, t));
                if (list != null) {
                    best = Math.max(best, list.get(r));
                }
            }
        }
        return best;
    }

    /** Terrain's steps/s on the case: the baseline's run file with the case's sizes, timed after warm-up. */
    static double terrain(Case c, long steps, long warmup, int threads, int shards, boolean taped) {
        RunSettings s = settings(BenchCommand.home("bench/pytorch-baseline.conf"), c, threads, shards, taped);
        try (NDManager manager = NDManager.newBaseManager(Devices.of(s.device()))) {
            Trainer trainer = RunFactory.build(s, manager);
            for (long i = 0; i < warmup; i++) {
                trainer.train(false);
            }
            trainer.evaluate(); // waits for the warm-up's native work
            long t0 = System.nanoTime();
            for (long i = 0; i < steps; i++) {
                trainer.train(false);
            }
            trainer.evaluate();
            return steps / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * The baseline's run file ({@code bench/pytorch-baseline.conf}) with the case's width, depth, batch,
     * dtype and device, the thread count (also set on libtorch), the number of batch parts ({@code train.shards}) and
     * the network's reverse pass ({@code train.reverse}: taped or autograd).
     */
    static RunSettings settings(File baseline, Case c, int threads, int shards, boolean taped) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("network.layers", "[" + String.join(",", java.util.Collections.nCopies(c.depth(), String.valueOf(c.width()))) + "]");
        o.put("sampling.sets.interior.points", String.valueOf(c.batch()));
        o.put("train.dtype", c.dtype());
        o.put("train.shards", String.valueOf(shards));
        o.put("train.reverse", taped ? "taped" : "autograd");
        o.put("threads", String.valueOf(threads));
        o.put("device", c.device());
        RunSettings s = SettingsLoader.load(baseline, o);
        Threads.set(s.threads());
        return s;
    }

    /** The baseline script's command line for one run: the case's sizes, dtype and device, the steps and threads. */
    static List<String> torchCommand(String python, String mode, Case c, long steps, long warmup, int threads) {
        File script = BenchCommand.home("bench/torch_pinn_baseline.py");
        return List.of(python, script.getPath(), "--mode", mode, "--width", String.valueOf(c.width()),
                "--depth", String.valueOf(c.depth()), "--batch", String.valueOf(c.batch()), "--dtype", c.dtype(),
                "--steps", String.valueOf(steps + warmup), "--warmup", String.valueOf(warmup),
                "--threads", String.valueOf(threads), "--device", c.torchDevice());
    }

    /** One run of the PyTorch baseline script; its JSON line. */
    static JsonNode torch(String python, String mode, Case c, long steps, long warmup, int threads,
            boolean terrainMalloc) throws IOException, InterruptedException {
        List<String> cmd = torchCommand(python, mode, c, steps, warmup, threads);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // As a user runs it: without the allocator settings ./terrain exports for Terrain's own process; or,
        // to tell how much of a ratio is the allocator, with the same.
        if (terrainMalloc) {
            pb.environment().putAll(MallocSettings.LAUNCHER);
        } else {
            pb.environment().keySet().removeAll(MallocSettings.LAUNCHER.keySet());
        }
        // PyTorch runs as its user runs it, without the library ./terrain preloads for MKL (Debian's torch calls
        // OpenBLAS anyway; a pip torch given with --python would otherwise get Terrain's MKL dispatch).
        String preload = withoutMklDispatch(pb.environment().get("LD_PRELOAD"));
        if (preload.isEmpty()) {
            pb.environment().remove("LD_PRELOAD");
        } else {
            pb.environment().put("LD_PRELOAD", preload);
        }
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("the PyTorch baseline failed (" + String.join(" ", cmd) + "): " + output);
        }
        String[] lines = output.strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }

    /** An LD_PRELOAD value without {@link MklDispatch#LIBRARY} (colon- or space-separated, as ld.so reads it). */
    static String withoutMklDispatch(String preload) {
        if (preload == null) {
            return "";
        }
        List<String> kept = new ArrayList<>();
        for (String entry : preload.split("[: ]+")) {
            if (!entry.isEmpty() && !entry.equals(MklDispatch.LIBRARY) && !entry.endsWith("/" + MklDispatch.LIBRARY)) {
                kept.add(entry);
            }
        }
        return String.join(":", kept);
    }

    /**
     * Debian's python3 with torch ({@code apt-get install python3-torch}; not a pyenv interpreter that may
     * come first on PATH), or {@code preferred} when given; null when none imports torch (on device gpu:
     * none has a torch that sees a GPU).
     */
    static String python(String preferred, String device) {
        // On a GPU the baseline needs a torch built with CUDA (Debian's python3-torch is CPU-only).
        String probe = device.equals("gpu") ? "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)" : "import torch";
        for (String candidate : preferred != null ? List.of(preferred) : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", probe).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                LOG.debug("{}: {}", candidate, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        if (preferred != null) {
            throw new dev.terrain.ops.config.UserError("--python " + preferred + " cannot import torch"
                    + (device.equals("gpu") ? " with CUDA (torch.cuda.is_available())" : ""));
        }
        return null;
    }

    /**
     * Which BLAS Debian's libblas.so.3 resolves to: Debian's torch calls whatever the alternative points at,
     * and with the reference BLAS (no OpenBLAS installed) its matmul is ~15x slower (measured 1.2 ms against
     * ~80 us for [1000,50]x[50,50]), which would flatter Terrain. {@code apt-get install libopenblas0-pthread}.
     */
    static String debianBlas() {
        try {
            Path target = Path.of("/etc/alternatives/libblas.so.3-x86_64-linux-gnu").toRealPath();
            return target.toString();
        } catch (IOException e) {
            return "unknown";
        }
    }

}
