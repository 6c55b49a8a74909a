package dev.terrain.ops.reproduce;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.terrain.actors.DurableFiles;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * docs/REPRODUCTION.md and the rows it is made from, docs/reproduction.json. Only {@code terrain
 * reproduce} writes them: a run of some experiments replaces those experiments' rows and keeps the
 * others', then the Markdown is rendered afresh from all rows, so no figure in it is typed in by hand.
 */
public final class ReproductionDoc {
    /** One experiment's rows and when and how long it ran. */
    public record Entry(String experiment, String date, double wallSeconds, List<Row> rows) {}

    private ReproductionDoc() {}

    /** The entries in {@code json}, or none when it does not exist. */
    public static List<Entry> read(Path json) {
        if (!Files.isRegularFile(json)) {
            return List.of();
        }
        try {
            return Json.MAPPER.readValue(json.toFile(), new TypeReference<List<Entry>>() {});
        } catch (IOException e) {
            throw new UserError("cannot read " + json + " (" + e.getMessage().lines().findFirst().orElse("")
                    + "); move it away to start the reproduction table afresh");
        }
    }

    /**
     * Replaces the entries of {@code fresh}'s experiments in {@code docs/reproduction.json}, keeps the rest
     * (in registry order) and rewrites {@code docs/REPRODUCTION.md}; both atomically. Returns the Markdown file.
     */
    public static Path update(Path docs, List<Entry> fresh, List<Experiment> registry) throws IOException {
        Path json = docs.resolve("reproduction.json");
        Map<String, Entry> byId = new LinkedHashMap<>();
        read(json).forEach(e -> byId.put(e.experiment(), e));
        fresh.forEach(e -> byId.put(e.experiment(), e));
        List<Entry> ordered = new ArrayList<>();
        for (Experiment x : registry) {
            if (byId.containsKey(x.id())) {
                ordered.add(byId.remove(x.id()));
            }
        }
        Files.createDirectories(docs);
        DurableFiles.writeAtomically(json, Json.MAPPER.writeValueAsBytes(ordered));
        Path md = docs.resolve("REPRODUCTION.md");
        DurableFiles.writeAtomically(md, markdown(ordered, registry, false).getBytes(StandardCharsets.UTF_8));
        return md;
    }

    /** The Markdown of {@code entries}, listing the registry's experiments that have none as not run. */
    public static String markdown(List<Entry> entries, List<Experiment> registry, boolean quick) {
        StringBuilder b = new StringBuilder(8192);
        b.append("# Reproducing the papers").append(quick ? " (quick check)" : "").append("\n\n");
        b.append("Written by `./terrain reproduce` from its runs; do not edit by hand (run the experiment again instead). ")
                .append("Each row puts a figure the paper prints next to the one Terrain computed at the settings in the row.\n\n");
        b.append(String.format(Locale.ROOT, "- **matches**: a value within a factor %.0f of the paper's (or the row's own tolerance); "
                + "a comparison A < B that holds with B/A within a factor 3 of the paper's ratio.%n", Verdict.MATCH_FACTOR));
        b.append(String.format(Locale.ROOT, "- **close**: a value within a factor %.0f; a comparison that holds.%n", Verdict.CLOSE_FACTOR));
        b.append("- **differs**: anything else; the row says why.\n\n");
        if (quick) {
            b.append("Quick runs use reduced settings; only their directions (the last column) are checked.\n\n");
        }
        int[] counts = new int[Verdict.values().length];
        entries.forEach(e -> e.rows().forEach(r -> counts[r.verdict().ordinal()]++));
        b.append(String.format(Locale.ROOT, "Summary: %d matches, %d close, %d differs.%n%n", counts[0], counts[1], counts[2]));
        Map<String, Entry> byId = new LinkedHashMap<>();
        entries.forEach(e -> byId.put(e.experiment(), e));
        for (Experiment x : registry) {
            Entry e = byId.get(x.id());
            b.append("## ").append(x.id()).append(": ").append(x.title()).append("\n\n");
            if (e == null) {
                b.append(String.format(Locale.ROOT, "Not run yet: `./terrain reproduce %s` (about %.0f CPU minutes).%n%n", x.id(),
                        x.minutes(false)));
                continue;
            }
            b.append(String.format(Locale.ROOT, "Run %s, %.1f min wall in all: `./terrain reproduce %s%s`.%n%n", e.date(),
                    e.wallSeconds() / 60, x.id(), quick ? " --quick" : ""));
            b.append("| result | paper | Terrain | verdict | settings | wall (s) |").append(quick ? " direction |" : "").append('\n');
            b.append("|---|---|---|---|---|---|").append(quick ? "---|" : "").append('\n');
            for (Row r : e.rows()) {
                b.append("| ").append(cell(r.result())).append(" | ").append(cell(r.paperValue())).append(" | ")
                        .append(cell(r.terrainValue())).append(" | ").append(r.verdict().word()).append(" | ")
                        .append(cell(r.settings())).append(" | ").append(String.format(Locale.ROOT, "%.0f", r.wallSeconds())).append(" |");
                if (quick) {
                    b.append(' ').append(r.check() == null ? "" : cell(r.check()) + (r.checkHolds() ? ": holds" : ": **fails**")).append(" |");
                }
                b.append('\n');
            }
            List<Row> differs = e.rows().stream().filter(r -> r.verdict() == Verdict.DIFFERS).toList();
            if (!differs.isEmpty()) {
                b.append("\nWhy these differ:\n\n");
                differs.forEach(r -> b.append("- ").append(r.result()).append(": ").append(r.why()).append('\n'));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Today's date for an entry. */
    static String today() {
        return LocalDate.now().toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
