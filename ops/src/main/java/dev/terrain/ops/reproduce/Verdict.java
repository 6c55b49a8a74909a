package dev.terrain.ops.reproduce;

import java.util.Locale;

/**
 * How a reproduced figure compares with the paper's. A value matches within the row's factor (2 unless
 * the row says otherwise) and is close within 10x; a comparison between two quantities (A < B) matches
 * when it holds with the paper's ratio within the row's factor, and is close when it merely holds.
 */
public enum Verdict {
    MATCHES, CLOSE, DIFFERS;

    /** Factor within which a value {@linkplain #MATCHES matches}, unless a row names another. */
    public static final double MATCH_FACTOR = 2.0;
    /** Factor within which a value is {@linkplain #CLOSE close}. */
    public static final double CLOSE_FACTOR = 10.0;

    /** The verdict on one value against the paper's, both of the same sign, by their ratio. */
    public static Verdict ofValue(double paper, double terrain, double matchFactor) {
        if (!Double.isFinite(terrain) || !Double.isFinite(paper) || paper == 0 || Math.signum(paper) != Math.signum(terrain)) {
            return DIFFERS;
        }
        double factor = Math.max(terrain / paper, paper / terrain);
        return factor <= matchFactor ? MATCHES : factor <= CLOSE_FACTOR ? CLOSE : DIFFERS;
    }

    /** The verdict on a value against the paper's within an absolute tolerance (match) and 10x it (close). */
    public static Verdict ofDifference(double paper, double terrain, double tolerance) {
        double d = Math.abs(terrain - paper);
        return !(d <= CLOSE_FACTOR * tolerance) ? DIFFERS : d <= tolerance ? MATCHES : CLOSE;
    }

    /**
     * The verdict on the claim {@code smaller < larger}: the paper found {@code paperSmaller <
     * paperLarger}; Terrain's pair matches when it holds with a ratio within {@code matchFactor} of the
     * paper's, is close when it holds, and differs when it does not.
     */
    public static Verdict ofOrder(double paperSmaller, double paperLarger, double smaller, double larger, double matchFactor) {
        if (!(smaller < larger)) {
            return DIFFERS;
        }
        double paperRatio = paperLarger / paperSmaller;
        double ratio = larger / smaller;
        boolean ratiosComparable = paperRatio > 0 && ratio > 0 && Double.isFinite(ratio);
        return ratiosComparable && Math.max(ratio / paperRatio, paperRatio / ratio) <= matchFactor ? MATCHES : CLOSE;
    }

    /** The word used in the tables: matches, close, differs. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
