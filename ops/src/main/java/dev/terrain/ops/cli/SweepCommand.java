package dev.terrain.ops.cli;

import dev.terrain.ops.config.UserError;
import dev.terrain.ops.sweep.Manifest;
import dev.terrain.ops.sweep.ServiceClient;
import dev.terrain.ops.sweep.Sweep;
import dev.terrain.ops.sweep.SweepPlan;
import dev.terrain.ops.sweep.SweepReport;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain sweep BASE.conf -Dkey=v1,v2 ...}: the cartesian product of the multi-valued overrides,
 * validated here point by point, then submitted to a training service ({@code ./terrain serve}) as runs
 * {@code <sweep-id>-...}; {@code --resume} submits what a cut-short sweep did not, {@code --report}
 * gathers the runs' summaries into one table and plot.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Submit a grid of runs to ./terrain serve (-Dkey=v1,v2,... per axis), or report on one.")
final class SweepCommand implements Callable<Integer> {
    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    /** Between two rounds of GET /runs/{id} while waiting: a 100-step run takes a few seconds. */
    static final Duration POLL = Duration.ofSeconds(1);

    @Parameters(index = "0", arity = "0..1", paramLabel = "BASE.conf", description = "the run file every point starts from")
    File base;

    @Option(names = "-D", paramLabel = "KEY=V1,V2,...", description = "an axis (values split on top-level commas, "
            + "e.g. -Dnetwork.width=2,3,4 or -Dnetwork.layers=[20,20],[50,50]) or, with one value, a plain override")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--url", paramLabel = "URL", description = "the training service (default " + DEFAULT_URL
            + "; for --resume and --report: the one in the manifest)")
    String url;

    @Option(names = "--id", paramLabel = "NAME", description = "the sweep id (default <base name>-<yyyyMMdd-HHmmss>); "
            + "an existing sweep with the same base and -D values is resumed")
    String id;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "sweeps", description = "where sweeps keep their manifest "
            + "and report: DIR/<sweep-id>/ (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--dry-run", description = "validate and list the points; write and submit nothing")
    boolean dryRun;

    @Option(names = "--wait", description = "after submitting, wait until every run has finished")
    boolean await;

    @Option(names = "--resume", paramLabel = "SWEEP_ID", description = "submit the points of a sweep not yet submitted")
    String resume;

    @Option(names = "--report", paramLabel = "SWEEP_ID", description = "write DIR/<sweep-id>/report.md, report.html, "
            + "results.json and plots from the runs' summaries")
    String report;

    @Option(names = "--runs", paramLabel = "DIR", description = "for --report: read <DIR>/<run-id>/summary.json of runs "
            + "the service does not know or when it cannot be reached")
    Path runs;

    PrintStream out = System.out;

    @Override
    public Integer call() {
        int modes = (base != null ? 1 : 0) + (resume != null ? 1 : 0) + (report != null ? 1 : 0);
        if (modes != 1) {
            throw new UserError("give one of: BASE.conf (a new sweep), --resume SWEEP_ID or --report SWEEP_ID");
        }
        if (base == null && !overrides.isEmpty()) {
            throw new UserError("-D values belong to a new sweep; --resume and --report use those in the manifest");
        }
        try {
            if (report != null) {
                return report();
            }
            return resume != null ? submit(Manifest.read(dir, resume), null) : start();
        } catch (ServiceClient.Unreachable e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private int start() {
        Path basePath = base.toPath().toAbsolutePath().normalize();
        if (!Files.isRegularFile(basePath)) {
            throw new UserError("config file not found: " + base);
        }
        String sweepId = id != null ? id : defaultId(basePath);
        SweepPlan plan = SweepPlan.of(sweepId, overrides);
        if (!Manifest.exists(dir, sweepId)) {
            return submit(Manifest.of(plan, basePath, Sweep.sha256(basePath), ServiceClient.normalize(
                    url != null ? url : DEFAULT_URL)), plan);
        }
        Manifest old = Manifest.read(dir, sweepId);
        if (!old.base().equals(basePath.toString()) || !old.fixed().equals(plan.fixed()) || !old.axes().equals(plan.axes())) {
            throw new UserError("sweep '" + sweepId + "' in " + dir + " has another base file or other -D values; give "
                    + "another --id, or --resume " + sweepId + " to finish it as it was");
        }
        return submit(old, null);
    }

    /** Validates every point, writes the manifest, submits what is missing and waits if asked. */
    private int submit(Manifest manifest, SweepPlan fresh) {
        Manifest m = url != null ? manifest.withUrl(ServiceClient.normalize(url)) : manifest;
        Path basePath = Path.of(m.base());
        if (!Files.isRegularFile(basePath)) {
            throw new UserError("the sweep's base file " + basePath + " is gone");
        }
        if (!Sweep.sha256(basePath).equals(m.baseSha256())) {
            throw new UserError("the sweep's base file " + basePath + " has changed since the sweep began; start a new "
                    + "sweep (another --id) instead");
        }
        List<String> bodies = Sweep.validate(basePath, fresh != null ? fresh : manifest.plan());
        out.println("sweep " + m.sweepId() + ": " + m.points().size() + " points valid, " + m.submittedCount()
                + " submitted before");
        if (dryRun) {
            m.points().forEach(e -> out.println("  " + e.runId() + "  " + Sweep.describe(e.overrides())));
            out.println("dry run: nothing written, nothing submitted");
            return 0;
        }
        m.write(dir);
        m = Sweep.submit(m, bodies, new ServiceClient(m.url()), dir, out);
        out.println("sweep " + m.sweepId() + ": all " + m.points().size() + " runs submitted to " + m.url()
                + "; manifest " + dir.resolve(m.sweepId()).resolve("sweep.json"));
        if (await) {
            Sweep.await(m, new ServiceClient(m.url()), out, POLL);
            out.println("report: ./terrain sweep --report " + m.sweepId() + (dir.toString().equals("sweeps") ? ""
                    : " --dir " + dir));
        }
        return 0;
    }

    private int report() {
        Manifest m = Manifest.read(dir, report);
        ServiceClient client = new ServiceClient(url != null ? url : m.url());
        String table = SweepReport.write(dir, m, SweepReport.gather(m, client, runs));
        out.print(table);
        out.println("report: " + dir.resolve(m.sweepId()).resolve("report.html"));
        return 0;
    }

    /** {@code <base name>-<yyyyMMdd-HHmmss>}, the base name reduced to id characters. */
    static String defaultId(Path basePath) {
        String name = basePath.getFileName().toString().replaceFirst("\\.conf$", "").replaceAll("[^A-Za-z0-9._-]+", "_")
                .replaceAll("^[._]+", "");
        return (name.isEmpty() ? "sweep" : name) + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }
}
