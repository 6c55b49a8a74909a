package dev.terrain.ops.reproduce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrain.ops.cli.Main;
import dev.terrain.ops.config.UserError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verdict rules, and docs/REPRODUCTION.md: rows merged per experiment, rendered from data only. */
class ReproductionDocTest {
    @TempDir
    Path docs;

    static Row row(String experiment, String result, Verdict v, String why) {
        return new Row(experiment, experiment.substring(0, 3), result, "1.00e-03", "2.00e-03", v, why, "w = 4", 12.5,
                "./terrain reproduce " + experiment, null, null);
    }

    @Test
    void aValueMatchesWithinItsFactorIsCloseWithinTenAndOtherwiseDiffers() {
        assertThat(Verdict.ofValue(7.12e-4, 1.3e-3, 2)).isEqualTo(Verdict.MATCHES);
        assertThat(Verdict.ofValue(7.12e-4, 1.5e-3, 2)).isEqualTo(Verdict.CLOSE);
        assertThat(Verdict.ofValue(7.12e-4, 7.0e-3, 2)).isEqualTo(Verdict.CLOSE);
        assertThat(Verdict.ofValue(7.12e-4, 7.2e-3, 2)).isEqualTo(Verdict.DIFFERS);
        assertThat(Verdict.ofValue(7.12e-4, 7.0e-5, 2)).isEqualTo(Verdict.DIFFERS);
        assertThat(Verdict.ofValue(-2.4715, 2.4715, 2)).as("opposite signs").isEqualTo(Verdict.DIFFERS);
        assertThat(Verdict.ofValue(1e-3, Double.NaN, 2)).isEqualTo(Verdict.DIFFERS);
        assertThat(Verdict.ofDifference(-2.4715, -2.4674, 0.01)).isEqualTo(Verdict.MATCHES);
        assertThat(Verdict.ofDifference(-2.4715, -2.40, 0.01)).isEqualTo(Verdict.CLOSE);
        assertThat(Verdict.ofDifference(-2.4715, -2.3, 0.01)).isEqualTo(Verdict.DIFFERS);
    }

    @Test
    void aComparisonMatchesWithThePapersRatioIsCloseWhenItHoldsAndDiffersWhenReversed() {
        // paper: 0.0127 < 0.1525, a ratio of 12.0
        assertThat(Verdict.ofOrder(0.0127, 0.1525, 0.01, 0.10, 3)).isEqualTo(Verdict.MATCHES); // ratio 10
        assertThat(Verdict.ofOrder(0.0127, 0.1525, 0.01, 0.02, 3)).isEqualTo(Verdict.CLOSE); // ratio 2
        assertThat(Verdict.ofOrder(0.0127, 0.1525, 0.02, 0.01, 3)).isEqualTo(Verdict.DIFFERS);
        assertThat(Verdict.ofOrder(0.0127, 0.1525, 0.02, 0.02, 3)).as("a tie does not hold").isEqualTo(Verdict.DIFFERS);
    }

    @Test
    void aRowThatDiffersMustSayWhy() {
        assertThatThrownBy(() -> row("000-poisson1d", "Table III", Verdict.DIFFERS, " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("says not why");
        assertThatThrownBy(() -> new Row("x", "000", "r", "1", "2", Verdict.MATCHES, "", "", 0, "c", "A < B", null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUpdateReplacesItsExperimentsRowsAndKeepsTheOthers() throws IOException {
        List<Experiment> registry = Reproductions.ALL;
        String a = registry.get(0).id();
        String b = registry.get(1).id();
        ReproductionDoc.update(docs, List.of(new ReproductionDoc.Entry(a, "2026-11-01", 60,
                List.of(row(a, "first result of A", Verdict.MATCHES, ""))), new ReproductionDoc.Entry(b, "2026-11-01", 120,
                List.of(row(b, "result of B", Verdict.DIFFERS, "B's reason.")))), registry);
        Path md = ReproductionDoc.update(docs, List.of(new ReproductionDoc.Entry(a, "2026-11-02", 30,
                List.of(row(a, "second result of A", Verdict.CLOSE, "")))), registry);
        List<ReproductionDoc.Entry> entries = ReproductionDoc.read(docs.resolve("reproduction.json"));
        assertThat(entries).extracting(ReproductionDoc.Entry::experiment).containsExactly(a, b);
        assertThat(entries.get(0).rows()).extracting(Row::result).containsExactly("second result of A");
        assertThat(entries.get(1).rows().get(0).why()).isEqualTo("B's reason.");
        String text = Files.readString(md);
        assertThat(text).contains("Summary: 0 matches, 1 close, 1 differs.")
                .contains("| second result of A | 1.00e-03 | 2.00e-03 | close | w = 4 | 13 |")
                .doesNotContain("first result of A")
                .contains("- result of B: B's reason.")
                .contains("Run 2026-11-02, 0.5 min wall in all: `./terrain reproduce " + a + "`");
        for (Experiment e : registry.subList(2, registry.size())) {
            assertThat(text).contains("Not run yet: `./terrain reproduce " + e.id() + "`");
        }
    }

    @Test
    void aCorruptTableIsABadInputNamingTheFile() throws IOException {
        Files.writeString(docs.resolve("reproduction.json"), "[{\"experiment\": ");
        assertThatThrownBy(() -> ReproductionDoc.read(docs.resolve("reproduction.json"))).isInstanceOf(UserError.class)
                .hasMessageContaining("reproduction.json").hasMessageContaining("move it away");
    }

    @Test
    void anUnknownExperimentIsRefusedNamingTheValidOnes() {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "reproduce", "005", "--out", docs.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown experiment '005'").contains(Reproductions.ALL.get(0).id())
                .doesNotContain("at dev.terrain");
        assertThat(Main.execute(new PrintWriter(err, true), "reproduce")).isEqualTo(2);
        assertThat(err.toString()).contains("name what to reproduce");
    }
}
