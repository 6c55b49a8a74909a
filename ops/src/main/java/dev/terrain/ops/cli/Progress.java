package dev.terrain.ops.cli;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.Probes;
import dev.terrain.model.train.StepReport;
import dev.terrain.ops.run.ProgressSink;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on the console: a bar redrawn in place on an interactive terminal (step, loss, rel-L2,
 * steps/s, ETA), plain lines every {@code printEvery} steps otherwise.
 */
final class Progress implements ProgressSink {
    private static final int BAR = 30;
    private final PrintStream out;
    private final boolean terminal;
    private final long printEvery;
    private long lastPrinted;
    private final java.util.Map<String, String> probes = new java.util.TreeMap<>();

    Progress(PrintStream out, boolean terminal, long printEvery) {
        this.out = out;
        this.terminal = terminal;
        this.printEvery = printEvery;
    }

    static Progress forConsole(PrintStream out, long printEvery) {
        return new Progress(out, System.console() != null && System.getenv("TERM") != null
                && !"dumb".equals(System.getenv("TERM")), printEvery);
    }

    @Override
    public void progress(StepReport r, long total, double wall) {
        double rate = r.step() / Math.max(wall, 1e-9);
        double eta = (total - r.step()) / Math.max(rate, 1e-9);
        String stats = String.format(Locale.ROOT, "step %d/%d  loss %.4e  rel-L2 %s  %.0f steps/s  ETA %s",
                r.step(), total, r.total(), Double.isNaN(r.relL2()) ? "n/a" : String.format(Locale.ROOT, "%.3e", r.relL2()),
                rate, duration(eta)) + probeFigures();
        if (terminal) {
            int filled = (int) (BAR * r.step() / total);
            out.print("\r[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + stats + "   ");
            out.flush();
        } else if (r.step() - lastPrinted >= printEvery || r.step() == total) {
            lastPrinted = r.step();
            out.println(stats);
        }
    }

    @Override
    public void note(String line) {
        out.println(line);
    }

    @Override
    public void landscape(LandscapeRecord r) {
        if (r.error() != null) {
            probes.put(r.probe(), r.probe() + " failed@" + r.step());
            return;
        }
        String key = Probes.headline(r.probe());
        Object v = key == null ? null : r.figures().get(key);
        String label = key == null ? r.probe() : key.equals("ri") ? "RI" : key.equals("lambda_max") ? "λmax" : "J";
        probes.put(r.probe(), v instanceof Number n ? String.format(Locale.ROOT, "%s %.4g@%d", label, n.doubleValue(), r.step())
                : label + "@" + r.step());
    }

    private String probeFigures() {
        return probes.isEmpty() ? "" : "  " + String.join("  ", probes.values());
    }

    @Override
    public void finished() {
        if (terminal) {
            out.println();
        }
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
