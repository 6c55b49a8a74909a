package dev.terrain.ops.report;

import java.util.Locale;

/** A small HTML writer for the run and reproduction reports: every text it is given is escaped. */
public final class Html {
    /** Inline style sheet: the report loads nothing from anywhere. */
    public static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430;
                   max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; }
            h2 { font-size: 1.25em; border-bottom: 1px solid #d8dde6; padding-bottom: 0.2em; margin-top: 2em; }
            h3 { font-size: 1.05em; margin-bottom: 0.3em; }
            .status { font-size: 0.7em; padding: 0.15em 0.6em; border-radius: 0.8em; color: #fff;
                      vertical-align: middle; background: #6b7280; }
            .status.completed { background: #15803d; }
            .status.interrupted { background: #b45309; }
            .status.diverged, .status.failed { background: #b91c1c; }
            .meta, figcaption, .missing { color: #4b5563; font-size: 0.92em; }
            .missing { font-style: italic; }
            caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; }
            th, td { text-align: left; padding: 0.25em 0.8em 0.25em 0; border-bottom: 1px solid #eef0f4;
                     vertical-align: top; }
            td.num { font-variant-numeric: tabular-nums; }
            tr.warn td { color: #b91c1c; }
            figure { margin: 1.2em 0; }
            img { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
            pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 0.85em; }
            code { font-size: 0.95em; }
            """;

    private final StringBuilder out = new StringBuilder(16_384);

    /** Escapes the five characters HTML gives meaning to. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A real number for people: six significant digits, or scientific notation when tiny or huge. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+∞" : "−∞";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e6)) {
            return String.format(Locale.ROOT, "%.4e", v);
        }
        return String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }

    /** Appends markup as it is (only for literals of this package). */
    public Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Appends escaped text. */
    public Html text(String s) {
        out.append(escape(s));
        return this;
    }

    /** {@code <tag>text</tag>}, the text escaped. */
    public Html element(String tag, String text) {
        return raw("<" + tag + ">").text(text).raw("</" + tag + ">\n");
    }

    /** A paragraph saying why something is not shown. */
    public Html missing(String sentence) {
        return raw("<p class=\"missing\">").text(sentence).raw("</p>\n");
    }

    /** A table row of a label and a number; {@code data-value} holds the exact value for machines. */
    public Html numberRow(String id, String label, double value) {
        return raw("<tr id=\"").text(id).raw("\"><th>").text(label).raw("</th><td class=\"num\" data-value=\"")
                .text(Double.toString(value)).raw("\">").text(number(value)).raw("</td></tr>\n");
    }

    /** A table row of a label and a count. */
    public Html countRow(String id, String label, long value) {
        return raw("<tr id=\"").text(id).raw("\"><th>").text(label).raw("</th><td class=\"num\" data-value=\"")
                .text(Long.toString(value)).raw("\">").text(Long.toString(value)).raw("</td></tr>\n");
    }

    /** A table row of a label and a text. */
    public Html textRow(String id, String label, String value) {
        return raw("<tr id=\"").text(id).raw("\"><th>").text(label).raw("</th><td>").text(value).raw("</td></tr>\n");
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
