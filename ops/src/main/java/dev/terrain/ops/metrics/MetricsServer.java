package dev.terrain.ops.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.util.Objects;

/**
 * The {@code /metrics} endpoint Prometheus scrapes (SPEC 5). Bound to loopback unless told otherwise,
 * because the metrics name runs and hosts; in a container {@code prometheus.host = 0.0.0.0} opens it to
 * the compose network. The exporter's threads are daemons, but {@link #close()} frees the port at once.
 */
public final class MetricsServer implements AutoCloseable {
    /** Where a server listens unless told otherwise. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private final HTTPServer server;
    private final String host;

    private MetricsServer(HTTPServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /** Serves {@code registry} on {@link #DEFAULT_HOST}:{@code port}. */
    public static MetricsServer start(int port, PrometheusRegistry registry) {
        return start(DEFAULT_HOST, port, registry);
    }

    /**
     * Serves {@code registry} at {@code http://host:port/metrics}; port 0 picks a free port ({@link #port()}).
     *
     * @throws MetricsServerException when the port is taken or the host cannot be bound, naming both
     */
    public static MetricsServer start(String host, int port, PrometheusRegistry registry) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(registry, "registry");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Prometheus port must be 0..65535, got " + port);
        }
        try {
            HTTPServer server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
            return new MetricsServer(server, host);
        } catch (BindException e) {
            throw new MetricsServerException("cannot serve Prometheus metrics on " + host + ":" + port
                    + ": port " + port + " is already in use or the address is not local (" + e.getMessage()
                    + "); choose another prometheus.port (0 picks a free one)", e);
        } catch (IOException e) {
            throw new MetricsServerException("cannot serve Prometheus metrics on " + host + ":" + port + ": " + e, e);
        }
    }

    /** The port bound (the free one chosen when started with port 0). */
    public int port() {
        return server.getPort();
    }

    /** The address to scrape, e.g. {@code http://127.0.0.1:9464/metrics}. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port() + "/metrics";
    }

    @Override
    public void close() {
        server.close();
    }

    /** The endpoint could not be opened; the message names host and port. */
    public static final class MetricsServerException extends UncheckedIOException {
        private static final long serialVersionUID = 1L;

        MetricsServerException(String message, IOException cause) {
            super(message, cause);
        }
    }
}
