package dev.terrain.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard (docker/grafana/dashboards/terrain.json) can only be checked without Grafana by
 * comparing its queries with what Terrain really exports: the metric names are scraped from a registry
 * that a listener was fed, so a renamed metric breaks this test instead of leaving an empty panel.
 */
class DashboardTest {
    private static final String RUN_FILTER = "run=~\"$run\"";
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan");

    private static JsonNode dashboard;
    private static Path docker;
    /** Sample names on /metrics after a full run was fed, and those of them that carry a run label. */
    private static Set<String> exported;
    private static Set<String> runLabelled;

    @BeforeAll
    static void scrape() throws Exception {
        docker = dockerDir();
        dashboard = new ObjectMapper().readTree(docker.resolve("grafana/dashboards/terrain.json").toFile());
        PrometheusRegistry registry = new PrometheusRegistry();
        TerrainMetrics metrics = TerrainMetrics.of(registry);
        RunFeed.feed(metrics.listener("d"), "d");
        metrics.listener("d").metrics(RunFeed.metrics(400, 0.1, 0.1, 0.01, 1, 400, 5.0));
        metrics.kafkaPublisher("d", () -> 0, () -> 0);
        List<PrometheusText.Sample> samples;
        try (MetricsServer server = MetricsServer.start(0, registry)) {
            samples = PrometheusText.scrape(server.port()).samples();
        }
        exported = samples.stream().map(PrometheusText.Sample::name).collect(Collectors.toCollection(TreeSet::new));
        runLabelled = samples.stream().filter(s -> s.labels().containsKey("run")).map(PrometheusText.Sample::name)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theRunVariableListsTheRunsOfAnExportedMetric() {
        JsonNode run = null;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("name").asText().equals("run")) {
                run = v;
            }
        }
        assertThat(run).as("template variable run").isNotNull();
        JsonNode q = run.path("query");
        String query = q.isTextual() ? q.asText() : q.path("query").asText();
        Matcher m = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*run\\s*\\)").matcher(query);
        assertThat(m.find()).as(query).isTrue();
        assertThat(runLabelled).contains(m.group(1));
        assertThat(run.path("includeAll").asBoolean()).isTrue();
    }

    @Test
    void everyPanelQueriesExportedMetricsOfTheSelectedRuns() {
        List<JsonNode> panels = panels();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(15);
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(panel.path("targets").size()).as("targets of " + title).isPositive();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                Set<String> names = metricNames(expr);
                assertThat(names).as("metrics in " + title + ": " + expr).isNotEmpty();
                assertThat(exported).as("exported metrics (panel " + title + ")").containsAll(names);
                for (String name : names) {
                    if (runLabelled.contains(name)) {
                        assertThat(selectors(expr, name)).as(title + ": every " + name + " selector filters by run")
                                .isNotEmpty().allMatch(labels -> labels.contains(RUN_FILTER));
                    }
                }
            }
        }
    }

    @Test
    void everyTerrainMetricHasAPanel() {
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : panels()) {
            panel.path("targets").forEach(t -> used.addAll(metricNames(t.path("expr").asText())));
        }
        Set<String> terrain = exported.stream().filter(n -> n.startsWith("terrain_")).collect(Collectors.toSet());
        assertThat(terrain).hasSizeGreaterThanOrEqualTo(17);
        assertThat(used).containsAll(terrain);
        assertThat(used).as("JVM heap and GC panels").contains("jvm_memory_used_bytes", "jvm_gc_collection_seconds_sum");
    }

    @Test
    void panelsUseTheProvisionedDatasourceAndLogScalesForLossAndError() throws Exception {
        String provisioned = Files.readString(docker.resolve("grafana/provisioning/datasources/prometheus.yml"));
        Matcher uid = Pattern.compile("(?m)^\\s*uid:\\s*(\\S+)").matcher(provisioned);
        assertThat(uid.find()).isTrue();
        for (JsonNode panel : panels()) {
            assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText())
                    .isEqualTo(uid.group(1));
        }
        for (JsonNode panel : panels()) {
            String expr = panel.path("targets").path(0).path("expr").asText();
            if (expr.startsWith("terrain_train_loss") || expr.startsWith("terrain_rel_l2_error")) {
                assertThat(panel.at("/fieldConfig/defaults/custom/scaleDistribution/type").asText())
                        .as(panel.path("title").asText()).isEqualTo("log");
            }
        }
    }

    @Test
    void metricNamesAreTheSelectorsNotFunctionsLabelsOrRanges() {
        assertThat(metricNames("sum by (run, type) (increase(terrain_run_events_total{run=~\"$run\"}[$__range]))"))
                .containsExactly("terrain_run_events_total");
        assertThat(metricNames("terrain_run_state{run=~\"$run\"} == 1")).containsExactly("terrain_run_state");
        assertThat(metricNames("rate(jvm_gc_collection_seconds_sum[5m]) / on (gc) jvm_gc_collection_seconds_count"))
                .containsExactly("jvm_gc_collection_seconds_count", "jvm_gc_collection_seconds_sum");
        assertThat(selectors("a{run=~\"$run\"} + a", "a")).containsExactly("run=~\"$run\"", "");
    }

    /** Panels with queries (rows are only headings). */
    private static List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if (!p.path("type").asText().equals("row")) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The metric names of a PromQL expression: identifiers left once strings, label matchers, ranges and
     * grouping clauses are removed, that are not function calls or keywords.
     */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*\\}", " ")
                .replaceAll("\\[[^\\]]*\\]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Matcher m = Pattern.compile("(?<![\\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w:])(?!\\s*\\()").matcher(s);
        Set<String> out = new TreeSet<>();
        while (m.find()) {
            if (!PROMQL_WORDS.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** The label matchers of every selector of {@code name} in {@code expr} ("" for one without braces). */
    private static List<String> selectors(String expr, String name) {
        Matcher m = Pattern.compile("(?<![\\w:])" + Pattern.quote(name) + "(?![\\w:])(\\s*\\{([^}]*)\\})?").matcher(expr);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(2) == null ? "" : m.group(2));
        }
        return out;
    }

    private static Path dockerDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docker/grafana/dashboards/terrain.json"))) {
                return p.resolve("docker");
            }
        }
        throw new IllegalStateException("docker/grafana/dashboards/terrain.json not found above " + Path.of("").toAbsolutePath());
    }
}
