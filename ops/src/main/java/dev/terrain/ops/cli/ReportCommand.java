package dev.terrain.ops.cli;

import dev.terrain.ops.report.RunReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain report runs/<id>}: (re)writes the run's {@code report.html} and its charts from what the
 * run directory holds; a run that is still going or was killed gets a report of what it has so far.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write runs/<id>/report.html (summary, charts, probe figures, events, configuration).")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "the run directory, e.g. runs/poisson1d-dgm-20261123-101538")
    Path runDir;

    @Override
    public Integer call() {
        Path report = RunReport.write(runDir);
        System.out.println("report: " + report);
        return 0;
    }
}
