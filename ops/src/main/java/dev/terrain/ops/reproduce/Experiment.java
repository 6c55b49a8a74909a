package dev.terrain.ops.reproduce;

import dev.terrain.ops.report.ComparisonCharts;
import java.util.List;

/**
 * One of a paper's headline experiments, as {@code terrain reproduce} runs it: at the paper's settings,
 * or at CPU-sized settings its rows state, and ({@code quick}) reduced to seconds for the CI check of each
 * result's direction.
 */
public interface Experiment {
    /** The id on the command line and in docs/REPRODUCTION.md, e.g. {@code 000-poisson1d}. */
    String id();

    /** The paper's number in ../shared/seeds, e.g. {@code 000}. */
    String paper();

    /** What it reproduces, one line. */
    String title();

    /** Expected CPU minutes on 2 cores, full and quick (for {@code --list}). */
    double minutes(boolean quick);

    /** Runs it. */
    Outcome run(Lab lab, boolean quick);

    /**
     * The rows of the comparison table, the line charts of the report, remarks for it, and pictures the
     * experiment draws itself (e.g. loss-surface contours).
     */
    record Outcome(List<Row> rows, List<ComparisonCharts.Chart> charts, List<String> notes, List<Picture> pictures) {
        public Outcome {
            rows = List.copyOf(rows);
            charts = List.copyOf(charts);
            notes = List.copyOf(notes);
            pictures = List.copyOf(pictures);
        }

        public Outcome(List<Row> rows, List<ComparisonCharts.Chart> charts, List<String> notes) {
            this(rows, charts, notes, List.of());
        }
    }

    /** A PNG the experiment draws: its base name, heading, caption, and how to write it. */
    record Picture(String name, String title, String caption, Drawing drawing) {
        public Picture {
            if (!name.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException("picture name must be lower-case letters, digits and dashes: " + name);
            }
        }
    }

    /** Writes one PNG file. */
    @FunctionalInterface
    interface Drawing {
        void write(java.nio.file.Path png) throws java.io.IOException;
    }
}
