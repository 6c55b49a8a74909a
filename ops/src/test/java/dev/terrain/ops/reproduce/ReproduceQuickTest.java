package dev.terrain.ops.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.ops.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code terrain reproduce --quick all}: every experiment runs reduced, and every result with a direction
 * (RI_DGM < RI_DRM at θ_G, LSGD below GD, box below He, ...) shows it; each writes a report whose images
 * are PNGs, and the quick table names every experiment. docs/ is left alone.
 */
class ReproduceQuickTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern IMG = Pattern.compile("<img src=\"([^\"]+)\"");
    @TempDir
    static Path out;
    @TempDir
    static Path docs;
    static Result result;

    /** Exit code, standard output and error of one command. */
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream saved = System.out;
        int code;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            code = Main.execute(new PrintWriter(err, true), args);
        } finally {
            System.setOut(saved);
        }
        return new Result(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
    }

    @BeforeAll
    static void runQuick() {
        result = run("reproduce", "--quick", "all", "--out", out.toString(), "--docs", docs.toString(), "--examples",
                "../examples");
    }

    @Test
    void everyDirectionHolds() throws IOException {
        assertThat(result.code()).as(result.out() + result.err()).isZero();
        List<String> failed = new ArrayList<>();
        int checks = 0;
        for (Experiment e : Reproductions.ALL) {
            JsonNode entry = JSON.readTree(out.resolve(e.id()).resolve("rows.json").toFile());
            assertThat(entry.path("rows").size()).as(e.id()).isPositive();
            for (JsonNode row : entry.path("rows")) {
                assertThat(row.path("verdict").asText()).isIn("MATCHES", "CLOSE", "DIFFERS");
                if (row.path("verdict").asText().equals("DIFFERS")) {
                    assertThat(row.path("why").asText()).as(row.path("result").asText()).isNotBlank();
                }
                if (!row.path("check").isNull() && !row.path("check").isMissingNode()) {
                    checks++;
                    if (!row.path("checkHolds").asBoolean()) {
                        failed.add(e.id() + ": " + row.path("check").asText() + " (" + row.path("terrainValue").asText() + ")");
                    }
                }
            }
        }
        assertThat(checks).as("directions checked").isGreaterThanOrEqualTo(10);
        assertThat(failed).as("directions that do not hold").isEmpty();
        assertThat(result.out()).contains("directions: " + checks + " of " + checks + " hold");
    }

    @Test
    void theListShowsEveryExperimentWithItsExpectedMinutes() {
        Result r = run("reproduce", "--list");
        assertThat(r.code()).isZero();
        double quick = 0;
        for (Experiment e : Reproductions.ALL) {
            assertThat(r.out()).containsPattern(Pattern.quote(e.id()) + "\\s+" + e.paper() + "\\s+\\d+\\.\\d\\s+\\d+\\.\\d\\s+\\S");
            quick += e.minutes(true);
        }
        assertThat(quick).as("declared CPU minutes of --quick all (the issue asks for under 10)").isLessThan(10);
    }

    @Test
    void everyReportsImagesArePngs() throws IOException {
        for (Experiment e : Reproductions.ALL) {
            Path dir = out.resolve(e.id());
            String html = Files.readString(dir.resolve("report.html"));
            assertThat(html).contains("Paper " + e.paper()).contains("<table>");
            Matcher m = IMG.matcher(html);
            int images = 0;
            while (m.find()) {
                byte[] png = Files.readAllBytes(dir.resolve(m.group(1)));
                assertThat(png).as(m.group(1)).startsWith(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
                images++;
            }
            assertThat(images).as(e.id() + " charts").isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void theQuickTableNamesEveryExperimentAndDocsAreLeftAlone() throws IOException {
        String md = Files.readString(out.resolve("REPRODUCTION-quick.md"));
        for (Experiment e : Reproductions.ALL) {
            assertThat(md).contains("## " + e.id()).doesNotContain("Not run yet: `./terrain reproduce " + e.id());
        }
        try (var files = Files.list(docs)) {
            assertThat(files.count()).as("files in --docs after a quick run").isZero();
        }
    }
}
