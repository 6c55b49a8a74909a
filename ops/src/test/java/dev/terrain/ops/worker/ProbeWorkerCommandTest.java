package dev.terrain.ops.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.ops.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code ./terrain probe-worker} refuses bad input and an unreachable broker with one {@code error:} line, exit 2. */
class ProbeWorkerCommandTest {
    @Test
    void anUnknownOverrideFailsBeforeKafkaIsContacted() {
        Result r = run("probe-worker", "--kafka", "127.0.0.1:9", "-Dprobes.roughnes.enabled=true");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: unknown setting 'probes.roughnes.enabled'").doesNotContain("\tat ");
    }

    @Test
    void aBadlyTypedOverrideFailsBeforeKafkaIsContacted() {
        Result r = run("probe-worker", "--kafka", "127.0.0.1:9", "-Dprobes.hessian.enabled=maybe");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: setting 'probes.hessian.enabled' must be true or false");
    }

    @Test
    void aMalformedBootstrapIsNamed() {
        Result r = run("probe-worker", "--kafka", "localhost");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--kafka: expected host:port").contains("'localhost'");
    }

    @Test
    void anUnreachableBrokerIsOneErrorLineWithinTheConnectTimeout() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        Result r = run("probe-worker", "--kafka", "127.0.0.1:" + port, "--connect-timeout", "1");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: cannot reach Kafka").contains("127.0.0.1:" + port)
                .doesNotContain("\tat ");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    private record Result(int code, String err) {}

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), args);
        return new Result(code, err.toString());
    }
}
