package dev.terrain.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The endpoint itself: where it binds, what a taken port says, and that closing frees the port. */
class PrometheusMetricsServerTest {
    @Test
    void servesMetricsOnTheChosenFreePortOfLoopback() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        TerrainMetrics.of(registry).listener("x").metrics(RunFeed.metrics(7, 1, 1, 0.5, 1, 7, 1));
        try (MetricsServer server = MetricsServer.start(0, registry)) {
            assertThat(server.port()).isPositive();
            assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port() + "/metrics");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url()))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(PrometheusText.parse(r.body()).value("terrain_train_steps_total", "run", "x")).isEqualTo(7);
        }
    }

    @Test
    void aBusyPortIsNamedInTheError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> MetricsServer.start("127.0.0.1", port, new PrometheusRegistry()))
                    .isInstanceOf(MetricsServer.MetricsServerException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("already in use")
                    .hasMessageContaining("prometheus.port");
        }
    }

    @Test
    void closingFreesThePort() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        int port;
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry)) {
            port = server.port();
        }
        try (MetricsServer again = MetricsServer.start("127.0.0.1", port, registry)) {
            assertThat(again.port()).isEqualTo(port);
        }
    }

    @Test
    void aPortOutOfRangeIsRefusedBeforeBinding() {
        assertThatThrownBy(() -> MetricsServer.start("127.0.0.1", 70000, new PrometheusRegistry()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    }
}
