package dev.terrain.ops.reproduce;

import java.util.Objects;

/**
 * One reproduced result: what the paper reports and what Terrain computed, the verdict, and for the
 * quick check the direction the result must show ({@code check}, e.g. "RI_DGM < RI_DRM") and whether it
 * did. {@code why} explains a {@link Verdict#DIFFERS} (it may be empty otherwise).
 *
 * @param experiment the experiment id, e.g. {@code 000-poisson1d}
 * @param paper the paper's number in ../shared/seeds, e.g. {@code 000}
 * @param result what is compared, e.g. "Table III, w = 4: rel-L2 of the DGM"
 * @param paperValue the paper's figure as it prints it
 * @param terrainValue Terrain's figure
 * @param verdict matches, close or differs
 * @param why why it differs, one sentence; empty unless it differs
 * @param settings the settings Terrain ran at, where they depart from the paper's say so
 * @param wallSeconds the wall time of the runs this row needed
 * @param command the command that reproduces it
 * @param check the direction the quick check asserts, or null
 * @param checkHolds whether it holds (null without a check)
 */
public record Row(String experiment, String paper, String result, String paperValue, String terrainValue,
        Verdict verdict, String why, String settings, double wallSeconds, String command, String check,
        Boolean checkHolds) {
    public Row {
        Objects.requireNonNull(experiment, "experiment");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(verdict, "verdict");
        why = why == null ? "" : why;
        if (verdict == Verdict.DIFFERS && why.isBlank()) {
            throw new IllegalArgumentException("row '" + result + "' of " + experiment + " differs and says not why");
        }
        if ((check == null) != (checkHolds == null)) {
            throw new IllegalArgumentException("row '" + result + "': a check needs its outcome and vice versa");
        }
    }
}
