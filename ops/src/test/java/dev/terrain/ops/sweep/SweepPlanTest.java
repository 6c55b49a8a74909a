package dev.terrain.ops.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrain.ops.config.UserError;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Axis parsing, the cartesian order, run ids, and the manifest's round trip. */
class SweepPlanTest {
    @TempDir
    Path dir;

    private static Map<String, String> d(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void valuesSplitOnTopLevelCommasOnlyAndAreTrimmed() {
        assertThat(SweepPlan.split("k", "2, 3 ,4")).containsExactly("2", "3", "4");
        assertThat(SweepPlan.split("network.layers", "[20,20],[50,50]")).containsExactly("[20,20]", "[50,50]");
        assertThat(SweepPlan.split("sampling.default", "{rule = simpson, points = 200},{rule = grid, points = 9}"))
                .containsExactly("{rule = simpson, points = 200}", "{rule = grid, points = 9}");
        assertThat(SweepPlan.split("k", "\"a,b\",'c,[d',e")).containsExactly("\"a,b\"", "'c,[d'", "e");
        assertThat(SweepPlan.split("k", "\"x\\\",y\",z")).containsExactly("\"x\\\",y\"", "z");
        assertThat(SweepPlan.split("k", "[[1,2],[3]],[4]")).containsExactly("[[1,2],[3]]", "[4]");
        assertThat(SweepPlan.split("network.width", "7")).containsExactly("7");
    }

    @Test
    void anEmptyOrUnbalancedValueIsAnErrorNamingTheKeyAndValue() {
        for (String bad : List.of("2,,3", "2,3,", ",2", "", " ")) {
            assertThatThrownBy(() -> SweepPlan.split("network.width", bad)).isInstanceOf(UserError.class)
                    .hasMessageContaining("-Dnetwork.width=" + bad).hasMessageContaining("empty value");
        }
        assertThatThrownBy(() -> SweepPlan.split("network.layers", "[20,20],[50,50"))
                .isInstanceOf(UserError.class).hasMessageContaining("network.layers").hasMessageContaining("unbalanced");
        assertThatThrownBy(() -> SweepPlan.split("run.note", "\"a,b")).hasMessageContaining("unbalanced quote");
    }

    @Test
    void pointsAreTheCartesianProductFirstAxisSlowestAndSingleValuesAreFixedOverrides() {
        SweepPlan plan = SweepPlan.of("s", d("network.width", "2,3,4", "train.steps", "100", "network.seed", "1,2"));
        assertThat(plan.fixed()).containsExactly(Map.entry("train.steps", "100"));
        assertThat(plan.axes()).extracting(SweepPlan.Axis::key).containsExactly("network.width", "network.seed");
        assertThat(plan.points()).hasSize(6);
        assertThat(plan.points()).extracting(p -> p.values().get("network.width") + "/" + p.values().get("network.seed"))
                .containsExactly("2/1", "2/2", "3/1", "3/2", "4/1", "4/2");
        assertThat(plan.points()).extracting(SweepPlan.Point::runId).containsExactly("s-width2-seed1", "s-width2-seed2",
                "s-width3-seed1", "s-width3-seed2", "s-width4-seed1", "s-width4-seed2");
        assertThat(plan.points()).extracting(SweepPlan.Point::index).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(plan.overrides(plan.points().get(3))).containsExactly(Map.entry("train.steps", "100"),
                Map.entry("network.width", "3"), Map.entry("network.seed", "2"));
        assertThat(plan.axes().get(1).isSeed()).isTrue();
        assertThat(plan.axes().get(0).isSeed()).isFalse();
    }

    @Test
    void runIdsUseOnlyIdCharactersAndFallBackToIndicesWhenReadableOnesWouldCollide() {
        SweepPlan layers = SweepPlan.of("s", d("network.layers", "[20,20],[50, 50]"));
        assertThat(layers.points()).extracting(SweepPlan.Point::runId).containsExactly("s-layers20_20", "s-layers50_50");
        // Two axes ending in .seed: the full keys tell them apart.
        SweepPlan seeds = SweepPlan.of("s", d("network.seed", "1,2", "sampling.seed", "7,8"));
        assertThat(seeds.points().get(1).runId()).isEqualTo("s-network.seed1-sampling.seed8");
        // "a b" and "a_b" would both read a_b: indices instead.
        SweepPlan clash = SweepPlan.of("s", d("problem.note", "\"a b\",\"a_b\""));
        assertThat(clash.points()).extracting(SweepPlan.Point::runId).containsExactly("s-0", "s-1");
        SweepPlan none = SweepPlan.of("s", d("train.steps", "10"));
        assertThat(none.points()).extracting(SweepPlan.Point::runId).containsExactly("s-0");
        for (SweepPlan p : List.of(layers, seeds, clash, none)) {
            p.points().forEach(pt -> assertThat(pt.runId()).matches("[A-Za-z0-9_-][A-Za-z0-9._-]*"));
        }
    }

    @Test
    void theSweepNamesItsRunsAndItsIdMustBeAnId() {
        assertThatThrownBy(() -> SweepPlan.of("s", d("run.id", "x,y"))).isInstanceOf(UserError.class)
                .hasMessageContaining("run.id");
        assertThatThrownBy(() -> SweepPlan.of("../x", d())).isInstanceOf(UserError.class).hasMessageContaining("'../x'");
        assertThatThrownBy(() -> SweepPlan.of(".hidden", d())).isInstanceOf(UserError.class);
    }

    @Test
    void theManifestReadsBackAsWrittenWithItsOrderAndSubmissions() {
        SweepPlan plan = SweepPlan.of("m", d("network.width", "3,2", "network.seed", "1,2", "train.steps", "50"));
        Manifest m = Manifest.of(plan, Path.of("/x/base.conf"), "abc", "http://127.0.0.1:1")
                .withSubmission(1, new Manifest.Submission(true, 201, "queued", "t"));
        m.write(dir);
        Manifest back = Manifest.read(dir, "m");
        assertThat(back).isEqualTo(m);
        assertThat(back.axes()).extracting(SweepPlan.Axis::key).containsExactly("network.width", "network.seed");
        assertThat(back.axes().get(0).values()).containsExactly("3", "2");
        assertThat(back.points()).extracting(Manifest.Entry::submitted).containsExactly(false, true, false, false);
        assertThat(back.plan().points()).isEqualTo(plan.points());
        assertThat(dir.resolve("m/sweep.json.tmp")).doesNotExist();
    }
}
