package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.ops.config.RunSettings;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code terrain bench} refuses bad options with one {@code error:} line naming the option and exit code 2,
 * before any benchmark starts (benchmarks themselves are never run as tests).
 */
class BenchCommandTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "compare --baseline-malloc jemalloc | --baseline-malloc 'jemalloc': valid: user, terrain",
        "compare --warmup -1                | --warmup not negative",
        "compare --steps 0                  | --steps must be at least 1",
        "compare --thread-counts 0          | --thread-counts: [0] must be positive",
        "compare --device tpu               | --device 'tpu': valid: cpu, gpu",
        "flops                              | unknown benchmark 'flops'",
    })
    void badOptionsAreRefusedBeforeAnythingRuns(String args, String message) {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), ("bench " + args.strip()).split(" "));
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: ").contains(message).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void compareRunsTheBaselineWorkloadWithTheTapedAndTheRecordedReversePass() {
        CompareBench.Case c = CompareBench.Case.parse("20x3x200:float32");
        File baseline = new File("../bench/pytorch-baseline.conf");
        for (boolean taped : new boolean[] {true, false}) {
            RunSettings s = CompareBench.settings(baseline, c, 1, 1, taped);
            assertThat(s.train().tapedReverse()).isEqualTo(taped);
            assertThat(s.network().layers()).containsExactly(20, 20, 20);
            assertThat(s.train().dtype()).isEqualTo("float32");
        }
    }

    /** The PyTorch baseline runs without the library ./terrain preloads for MKL, keeping the user's own. */
    @Test
    void theBaselineIsStartedWithoutTerrainsMklDispatch() {
        String lib = "/work/main/model/target/native/libterrain-mkl-dispatch.so";
        assertThat(CompareBench.withoutMklDispatch(null)).isEmpty();
        assertThat(CompareBench.withoutMklDispatch(lib)).isEmpty();
        assertThat(CompareBench.withoutMklDispatch(lib + ":/opt/x/libjemalloc.so")).isEqualTo("/opt/x/libjemalloc.so");
        assertThat(CompareBench.withoutMklDispatch("/a/liba.so " + lib + " /b/libb.so")).isEqualTo("/a/liba.so:/b/libb.so");
        assertThat(CompareBench.withoutMklDispatch("/a/libterrain-mkl-dispatch.so.old")).isEqualTo("/a/libterrain-mkl-dispatch.so.old");
    }

    /** On a GPU both sides run there: Terrain with device = gpu, the baseline with --device cuda. */
    @Test
    void compareOnAGpuRunsBothToolsThere() {
        CompareBench.Case c = CompareBench.Case.parse("50x3x1000:float32").on("gpu");
        assertThat(c.name()).isEqualTo("50x3x1000:float32@gpu");
        RunSettings s = CompareBench.settings(new File("../bench/pytorch-baseline.conf"), c, 1, 1, true);
        assertThat(s.device()).isEqualTo("gpu");
        assertThat(CompareBench.torchCommand("python3", "autograd", c, 1000, 100, 1))
                .containsSubsequence("--device", "cuda").containsSubsequence("--steps", "1100", "--warmup", "100");
        CompareBench.Case cpu = CompareBench.Case.parse("50x3x1000:float32");
        assertThat(cpu.name()).isEqualTo("50x3x1000:float32");
        assertThat(CompareBench.settings(new File("../bench/pytorch-baseline.conf"), cpu, 1, 1, true).device()).isEqualTo("cpu");
        assertThat(CompareBench.torchCommand("python3", "jet", cpu, 1000, 100, 1)).containsSubsequence("--device", "cpu");
    }

    /** Asked for a GPU that libtorch does not see, compare stops with one error line, measuring nothing. */
    @Test
    void compareOnAMissingGpuIsAUserError() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
        StringWriter err = new StringWriter();
        String home = System.getProperty("terrain.home");
        System.setProperty("terrain.home", ".."); // the repository, where bench/pytorch-baseline.conf is
        int code;
        try {
            code = Main.execute(new PrintWriter(err, true), "bench", "compare", "--device", "gpu", "--cases", "20x3x200:float32",
                    "--rounds", "1", "--steps", "1", "--warmup", "0", "--thread-counts", "1");
        } finally {
            if (home == null) {
                System.clearProperty("terrain.home");
            } else {
                System.setProperty("terrain.home", home);
            }
        }
        assertThat(code).as(err.toString()).isEqualTo(2);
        assertThat(err.toString()).startsWith("error: ").contains("libtorch sees no GPU").doesNotContain("\tat ");
    }
}
