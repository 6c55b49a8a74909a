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
}
