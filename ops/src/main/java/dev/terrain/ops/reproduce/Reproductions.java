package dev.terrain.ops.reproduce;

import dev.terrain.actors.DurableFiles;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The registry of experiments {@code terrain reproduce} knows, and running a selection of them. */
public final class Reproductions {
    /** Every experiment, in paper order. */
    public static final List<Experiment> ALL = List.of(
            new Paper000Poisson1d(),
            new Paper000BallAnd10d(),
            new Paper000Wave1d(),
            new Paper001GradientPathologies(),
            new Paper002Isgd(),
            new Paper003FourierRitz(),
            new Paper004AdaptiveBasis());

    private Reproductions() {}

    /**
     * The experiments named by {@code names}: {@code all}, a paper number ({@code 000}) for all of its
     * experiments, or an experiment id; an unknown name is a {@link UserError} listing the valid ones.
     */
    public static List<Experiment> select(List<String> names) {
        if (names.isEmpty()) {
            throw new UserError("name what to reproduce: all, a paper (" + papers() + ") or an experiment ("
                    + String.join(", ", ids()) + "); --list shows them");
        }
        Set<Experiment> chosen = new LinkedHashSet<>();
        for (String n : names) {
            List<Experiment> match = ALL.stream().filter(e -> n.equals("all") || e.paper().equals(n) || e.id().equals(n)).toList();
            if (match.isEmpty()) {
                throw new UserError("unknown experiment '" + n + "'; valid: all, a paper (" + papers() + ") or one of "
                        + String.join(", ", ids()));
            }
            chosen.addAll(match);
        }
        List<Experiment> ordered = new ArrayList<>(ALL);
        ordered.retainAll(chosen);
        return ordered;
    }

    private static List<String> ids() {
        return ALL.stream().map(Experiment::id).toList();
    }

    private static String papers() {
        return String.join(", ", new LinkedHashSet<>(ALL.stream().map(Experiment::paper).toList()));
    }

    /**
     * Runs {@code experiments} one after the other; each writes {@code <out>/<id>/report.html}, its charts
     * and {@code rows.json}. Returns one entry per experiment.
     */
    public static List<ReproductionDoc.Entry> run(List<Experiment> experiments, Lab lab, boolean quick, Path out) {
        List<ReproductionDoc.Entry> entries = new ArrayList<>();
        for (Experiment e : experiments) {
            lab.say(String.format(Locale.ROOT, "%s: %s (%s, about %.1f CPU minutes)", e.id(), e.title(), quick ? "quick" : "full",
                    e.minutes(quick)));
            long t0 = System.nanoTime();
            Experiment.Outcome o = e.run(lab, quick);
            double wall = (System.nanoTime() - t0) / 1e9;
            Path dir = out.resolve(e.id());
            Path page = ReproductionPage.write(dir, e, o, quick, wall);
            ReproductionDoc.Entry entry = new ReproductionDoc.Entry(e.id(), ReproductionDoc.today(), wall, o.rows());
            try {
                DurableFiles.writeAtomically(dir.resolve("rows.json"), Json.MAPPER.writeValueAsBytes(entry));
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot write " + dir.resolve("rows.json"), ex);
            }
            long[] v = new long[3];
            o.rows().forEach(r -> v[r.verdict().ordinal()]++);
            lab.say(String.format(Locale.ROOT, "%s: %d matches, %d close, %d differs, %.1f min -> %s", e.id(), v[0], v[1], v[2],
                    wall / 60, page));
            entries.add(entry);
        }
        return entries;
    }

    /** Writes {@code <out>/REPRODUCTION-quick.md} for a quick run; returns it. */
    public static Path writeQuick(Path out, List<ReproductionDoc.Entry> entries) {
        Path md = out.resolve("REPRODUCTION-quick.md");
        try {
            DurableFiles.writeAtomically(md, ReproductionDoc.markdown(entries, ALL, true).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + md, e);
        }
        return md;
    }
}
