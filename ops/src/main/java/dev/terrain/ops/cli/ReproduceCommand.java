package dev.terrain.ops.cli;

import dev.terrain.ops.reproduce.Experiment;
import dev.terrain.ops.reproduce.Lab;
import dev.terrain.ops.reproduce.ReproductionDoc;
import dev.terrain.ops.reproduce.Reproductions;
import dev.terrain.ops.reproduce.Row;
import dev.terrain.ops.run.Devices;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain reproduce <all|paper|experiment>... [--quick]}: runs the papers' headline experiments and
 * writes, per experiment, a report with the paper's figures next to Terrain's; a full run also updates
 * docs/REPRODUCTION.md. {@code --quick} runs reduced versions and checks each result's direction (exit 4
 * when one fails); {@code --list} lists the experiments with their expected CPU time.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Reproduce the papers' headline results; writes reports and docs/REPRODUCTION.md.")
final class ReproduceCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "WHAT", description = "all, a paper (000 ... 004) or an experiment id")
    List<String> what = new ArrayList<>();

    @Option(names = "--list", description = "list the experiments with their expected CPU time and exit")
    boolean list;

    @Option(names = "--quick", description = "reduced settings (seconds to minutes); checks each result's direction, leaves docs/ alone")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", description = "where the reports go (default runs/reproduce, or runs/reproduce-quick)")
    Path out;

    @Option(names = "--docs", paramLabel = "DIR", description = "where REPRODUCTION.md goes (default docs/ of the Terrain checkout)")
    Path docs;

    @Option(names = "--examples", paramLabel = "DIR", description = "the example configurations the experiments start from (default examples/ of the Terrain checkout)")
    Path examples;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N (default cpu)")
    String device;

    @Override
    public Integer call() throws Exception {
        if (list) {
            System.out.printf(Locale.ROOT, "%-22s %-5s %9s %9s  %s%n", "experiment", "paper", "full min", "quick min", "what");
            for (Experiment e : Reproductions.ALL) {
                System.out.printf(Locale.ROOT, "%-22s %-5s %9.1f %9.1f  %s%n", e.id(), e.paper(), e.minutes(false), e.minutes(true),
                        e.title());
            }
            return 0;
        }
        List<Experiment> chosen = Reproductions.select(what);
        Path outDir = out != null ? out : Path.of("runs", quick ? "reproduce-quick" : "reproduce");
        List<ReproductionDoc.Entry> entries;
        try (Lab lab = new Lab(examples != null ? examples : BenchCommand.home("examples").toPath(), Devices.of(device), System.out::println)) {
            entries = Reproductions.run(chosen, lab, quick, outDir);
        }
        if (!quick) {
            Path docsDir = docs != null ? docs : new File(System.getProperty("terrain.home", "."), "docs").toPath();
            System.out.println("table: " + ReproductionDoc.update(docsDir, entries, Reproductions.ALL));
            return 0;
        }
        System.out.println("table: " + Reproductions.writeQuick(outDir, entries));
        List<Row> failed = entries.stream().flatMap(e -> e.rows().stream())
                .filter(r -> r.checkHolds() != null && !r.checkHolds()).toList();
        long checks = entries.stream().flatMap(e -> e.rows().stream()).filter(r -> r.checkHolds() != null).count();
        System.out.printf(Locale.ROOT, "directions: %d of %d hold%n", checks - failed.size(), checks);
        failed.forEach(r -> System.out.println("  fails: " + r.experiment() + ": " + r.check()));
        return failed.isEmpty() ? 0 : 4;
    }
}
