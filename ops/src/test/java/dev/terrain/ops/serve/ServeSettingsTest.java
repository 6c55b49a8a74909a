package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrain.ops.cli.Main;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.config.UserError;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code serve} settings: defaults, overrides, and every bad value refused naming the key. */
class ServeSettingsTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        ServeSettings s = ServeSettings.load(null, Map.of());
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(8080);
        assertThat(s.concurrency()).isEqualTo(1);
        assertThat(s.queueLimit()).isEqualTo(100);
        assertThat(s.maxBodyBytes()).isEqualTo(1L << 20);
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.metricsRetention()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.runDir()).isEqualTo(Path.of("runs"));
        assertThat(s.group()).isEmpty();
        assertThat(s.instance()).as("host name and process id").endsWith("-" + ProcessHandle.current().pid());
        assertThat(s.partitions()).isEqualTo(12);
        assertThat(s.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aGroupNeedsTheSharedKafkaClusterAndTakesItsSettings() {
        assertThatThrownBy(() -> ServeSettings.load(null, Map.of("serve.group", "g")))
                .isInstanceOf(UserError.class).hasMessageContaining("serve.group = 'g' needs the Kafka cluster")
                .hasMessageContaining("kafka.bootstrap");
        assertThatThrownBy(() -> ServeSettings.load(null, Map.of("serve.group", "g", "kafka.bootstrap", "h:9092",
                "kafka.enabled", "false"))).isInstanceOf(UserError.class).hasMessageContaining("needs the Kafka cluster");
        ServeSettings s = ServeSettings.load(null, Map.of("serve.group", "sweeps", "kafka.bootstrap", "h:9092",
                "serve.instance", "a1", "serve.partitions", "24", "serve.sessionTimeout", "30s"));
        assertThat(s.group()).isEqualTo("sweeps");
        assertThat(s.instance()).isEqualTo("a1");
        assertThat(s.partitions()).isEqualTo(24);
        assertThat(s.sessionTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aServiceFileAndOverridesApply(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("service.conf");
        Files.writeString(file, "serve { port = 9000, concurrency = 2, maxBodyBytes = 64 KiB }\nrun.dir = " + dir + "\n");
        ServeSettings s = ServeSettings.load(file.toFile(), Map.of("serve.port", "9001"));
        assertThat(s.port()).isEqualTo(9001);
        assertThat(s.concurrency()).isEqualTo(2);
        assertThat(s.maxBodyBytes()).isEqualTo(65536);
        assertThat(s.runDir()).isEqualTo(dir);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "serve.port | 70000 | serve.port must be a TCP port",
        "serve.port | -1 | serve.port must not be negative",
        "serve.concurrency | 0 | serve.concurrency must be at least 1",
        "serve.queueLimit | 0 | serve.queueLimit must be at least 1",
        "serve.maxBodyBytes | lots | serve.maxBodyBytes: expected a size",
        "serve.maxBodyBytes | 10 | serve.maxBodyBytes must be at least 1 KiB",
        "serve.drainTimeout | soon | serve.drainTimeout: expected a duration",
        "serve.drainTimeout | 0s | serve.drainTimeout must be positive",
        "serve.metricsRetention | -1s | serve.metricsRetention must be zero or positive",
        "serve.host | '\"\"' | serve.host must name an address",
        "serve.colour | blue | unknown setting 'serve.colour'",
        "serve.instance | 'a b' | serve.instance 'a b' may contain only",
        "serve.partitions | 0 | serve.partitions must be at least 1",
        "serve.sessionTimeout | 1s | serve.sessionTimeout must lie between 6s and 5 minutes",
        "serve.sessionTimeout | never | serve.sessionTimeout: expected a duration",
    })
    void badValuesAreRefusedNamingTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> ServeSettings.load(null, Map.of(key, value)))
                .isInstanceOf(UserError.class).hasMessageContaining(message);
    }

    @Test
    void aBusyPortIsAUserErrorNamingIt(@TempDir Path dir) throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            StringWriter err = new StringWriter();
            int code = Main.execute(new PrintWriter(err, true), "serve", "-Drun.dir=" + dir,
                    "-Dserve.port=" + busy.getLocalPort(), "-Dkafka.enabled=false", "-Dprometheus.enabled=false");
            assertThat(code).isEqualTo(2);
            assertThat(err.toString()).startsWith("error: cannot serve HTTP on 127.0.0.1:" + busy.getLocalPort())
                    .contains("serve.port").doesNotContain("\tat ");
        }
    }
}
