package dev.terrain.ops.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.run.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grouping over seeds with mean and sample standard deviation, on summaries whose numbers are worked by hand. */
class SweepResultsTest {
    @TempDir
    Path dir;

    private static JsonNode summary(String status, String relL2, String total, double wall) throws Exception {
        return Json.MAPPER.readTree("{\"status\": \"" + status + "\", \"steps\": 100, \"rel_l2\": " + relL2
                + ", \"total\": " + total + ", \"wall_s\": " + wall + "}");
    }

    /** widths 2 and 4 by seeds 1, 2, 3 and activations tanh, swish: width 2 / swish has a diverged and a queued run. */
    private static List<SweepResults.Outcome> outcomes(SweepPlan plan) throws Exception {
        List<SweepResults.Outcome> out = new ArrayList<>();
        for (SweepPlan.Point p : plan.points()) {
            String w = p.values().get("network.width");
            String a = p.values().get("network.activation");
            int seed = Integer.parseInt(p.values().get("network.seed"));
            if (w.equals("2") && a.equals("swish") && seed == 2) {
                out.add(SweepResults.Outcome.of(p, summary("diverged", "null", "\"NaN\"", 9), "test"));
            } else if (w.equals("2") && a.equals("swish") && seed == 3) {
                out.add(SweepResults.Outcome.without(p, "queued", "test"));
            } else {
                // rel-L2 = 1e-3 * seed (tanh) or 1e-3 * seed^2 (swish), total = 10 * rel-L2, wall = seed seconds
                double rel = (a.equals("tanh") ? seed : seed * seed) * 1e-3 * (w.equals("4") ? 0.5 : 1);
                out.add(SweepResults.Outcome.of(p, summary("completed", Double.toString(rel), Double.toString(10 * rel), seed),
                        "test"));
            }
        }
        return out;
    }

    private static SweepPlan plan() {
        Map<String, String> d = new java.util.LinkedHashMap<>();
        d.put("network.width", "2,4");
        d.put("network.seed", "1,2,3");
        d.put("network.activation", "tanh,swish");
        return SweepPlan.of("g", d);
    }

    @Test
    void meanAndSampleStdMatchHandComputedNumbers() {
        SweepResults.Stat s = SweepResults.Stat.of(List.of(1.0, 2.0, 4.0));
        assertThat(s.n()).isEqualTo(3);
        assertThat(s.mean()).isCloseTo(7.0 / 3, within(1e-12));
        // deviations -4/3, -1/3, 5/3: squares sum to 42/9, over n - 1 = 2 gives 7/3
        assertThat(s.std()).isCloseTo(Math.sqrt(7.0 / 3), within(1e-12));
        SweepResults.Stat one = SweepResults.Stat.of(List.of(5.0, Double.NaN));
        assertThat(one.n()).isEqualTo(1);
        assertThat(one.mean()).isEqualTo(5.0);
        assertThat(one.std()).isNaN();
        assertThat(SweepResults.Stat.of(List.of()).n()).isZero();
    }

    @Test
    void groupsAreEveryNonSeedCombinationAndOnlyCompletedRunsAreAveraged() throws Exception {
        SweepPlan plan = plan();
        List<SweepResults.Group> groups = SweepResults.group(plan.axes(), outcomes(plan));
        assertThat(groups).extracting(g -> g.key().get("network.width") + "/" + g.key().get("network.activation"))
                .containsExactly("2/tanh", "2/swish", "4/tanh", "4/swish");
        assertThat(groups.get(0).key()).containsOnlyKeys("network.width", "network.activation");

        SweepResults.Group tanh2 = groups.get(0);
        assertThat(tanh2.n()).isEqualTo(3);
        assertThat(tanh2.relL2().mean()).isCloseTo(2e-3, within(1e-15));
        assertThat(tanh2.relL2().std()).isCloseTo(1e-3, within(1e-15)); // 1, 2, 3 (x 1e-3): sample std 1
        assertThat(tanh2.total().mean()).isCloseTo(2e-2, within(1e-14));
        assertThat(tanh2.wallS().mean()).isCloseTo(2.0, within(1e-12));
        assertThat(tanh2.states()).containsExactly(Map.entry("completed", 3L));

        SweepResults.Group swish2 = groups.get(1);
        assertThat(swish2.n()).isEqualTo(1);
        assertThat(swish2.relL2().mean()).isCloseTo(1e-3, within(1e-15));
        assertThat(swish2.relL2().std()).isNaN();
        assertThat(swish2.states()).containsExactly(Map.entry("completed", 1L), Map.entry("diverged", 1L),
                Map.entry("queued", 1L));

        SweepResults.Group swish4 = groups.get(3);
        // 0.5e-3 * (1, 4, 9): mean 7/3 * 0.5e-3, sample std 0.5e-3 * sqrt(((1-14/3)^2 + (4-14/3)^2 + (9-14/3)^2) / 2)
        assertThat(swish4.relL2().mean()).isCloseTo(0.5e-3 * 14 / 3, within(1e-15));
        assertThat(swish4.relL2().std()).isCloseTo(0.5e-3 * Math.sqrt((121.0 / 9 + 4.0 / 9 + 169.0 / 9) / 2), within(1e-15));
        assertThat(SweepResults.numericAxis(plan.axes()).key()).isEqualTo("network.width");
    }

    @Test
    void theReportHasOneRowPerGroupListsTheRunsNotAveragedAndDrawsPngs() throws Exception {
        SweepPlan plan = plan();
        Manifest m = Manifest.of(plan, Path.of("/x/base.conf"), "h", "http://127.0.0.1:1");
        String table = SweepReport.write(dir, m, outcomes(plan));
        assertThat(table.lines().toList()).hasSize(2 + 4);
        assertThat(table).contains("| 2 | tanh | 3 | 0.002 ± 0.001 |");
        assertThat(table).contains("| 2 | swish | 1 | 0.001 ± – |");
        assertThat(table).contains("completed 1, diverged 1, queued 1");
        String md = Files.readString(dir.resolve("g/report.md"));
        assertThat(md).contains(table).contains("- g-width2-seed2-activationswish: diverged")
                .contains("- g-width2-seed3-activationswish: queued");
        for (String png : List.of("rel-l2.png", "total-loss.png")) {
            assertThat(Files.readAllBytes(dir.resolve("g").resolve(png))).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
            assertThat(Files.readString(dir.resolve("g/report.html"))).contains("<img src=\"" + png + "\"");
        }
        JsonNode results = Json.MAPPER.readTree(dir.resolve("g/results.json").toFile());
        assertThat(results.path("groups")).hasSize(4);
        assertThat(results.path("groups").get(1).path("rel_l2").path("std").isNull()).isTrue();
        assertThat(results.path("runs")).hasSize(12);
        assertThat(results.path("runs").get(3).path("state").asText()).isEqualTo("diverged");
    }
}
