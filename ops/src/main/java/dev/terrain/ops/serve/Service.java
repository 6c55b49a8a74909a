package dev.terrain.ops.serve;

import dev.terrain.actors.RunHost;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.report.RunReport;
import dev.terrain.ops.run.RunOutputs;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./terrain serve} put together: one actor system hosting every run and the HTTP API, the
 * service-wide outputs (Prometheus endpoint, Kafka) shared by the runs, and the {@link RunService}.
 * {@link #close()} drains (active runs checkpoint and stop, staying resumable), then unbinds and stops
 * everything in reverse order.
 */
public final class Service implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    private final RunHost host;
    private final RunOutputs outputs;
    private final RunService runs;
    private final HttpApi api;
    private final InetSocketAddress address;

    private Service(RunHost host, RunOutputs outputs, RunService runs, HttpApi api, InetSocketAddress address) {
        this.host = host;
        this.outputs = outputs;
        this.runs = runs;
        this.api = api;
        this.address = address;
    }

    /** Starts the service; what it opens is noted on {@code progress}. */
    public static Service start(ServeSettings settings, ProgressSink progress) {
        RunHost host = RunHost.start("terrain-serve");
        RunOutputs outputs = null;
        RunService runs = null;
        HttpApi api = null;
        try {
            outputs = RunOutputs.open(settings.service(), progress);
            runs = new RunService(settings, host, outputs);
            api = new HttpApi(runs, settings.maxBodyBytes(), Service::report);
            InetSocketAddress address = api.bind(host.system(), settings.host(), settings.port());
            return new Service(host, outputs, runs, api, address);
        } catch (RuntimeException e) {
            closeAll(host, outputs, runs, api);
            throw e;
        }
    }

    /** Writes a run's report now (while it trains, or when it has none) and returns the HTML file. */
    private static Path report(Path runDir) {
        return RunReport.write(runDir);
    }

    /** Where the API listens. */
    public InetSocketAddress address() {
        return address;
    }

    /** The base URL of the API, e.g. http://127.0.0.1:8080. */
    public String url() {
        return "http://" + address.getHostString() + ":" + address.getPort();
    }

    public RunService runs() {
        return runs;
    }

    @Override
    public void close() {
        LOG.info("service stopping");
        runs.drain();
        closeAll(host, outputs, runs, api);
    }

    private static void closeAll(RunHost host, RunOutputs outputs, RunService runs, HttpApi api) {
        if (api != null) {
            api.close();
        }
        if (runs != null) {
            runs.close();
        }
        if (outputs != null) {
            outputs.close();
        }
        host.close();
    }
}
