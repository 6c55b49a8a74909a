package dev.terrain.ops.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.streams.ParameterSnapshot;
import dev.terrain.streams.kafka.KafkaPublisher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The run's configuration on {@code terrain.configs}: published when the listener is made, and again
 * after a snapshot once the publisher has dropped records (it may have dropped the configuration), never
 * otherwise. The publisher points at a port nothing listens on, so nothing leaves its buffer.
 */
class KafkaRunListenerTest {
    private static final int SNAPSHOTS = 5;

    @Test
    void theConfigurationIsPublishedOnceWhileNothingIsDropped() throws IOException {
        try (KafkaPublisher publisher = unreachable(100)) {
            KafkaRunListener listener = new KafkaRunListener("r", publisher, "problem.id = poisson");
            assertThat(publisher.published()).isEqualTo(1);
            for (int i = 1; i <= SNAPSHOTS; i++) {
                listener.snapshot(snapshot(i));
            }
            assertThat(publisher.dropped()).isZero();
            assertThat(publisher.published()).isEqualTo(1 + SNAPSHOTS);
        }
    }

    @Test
    void theConfigurationIsPublishedAgainAfterDrops() throws IOException {
        try (KafkaPublisher publisher = unreachable(1)) {
            KafkaRunListener listener = new KafkaRunListener("r", publisher, "problem.id = poisson");
            for (int i = 1; i <= SNAPSHOTS; i++) {
                listener.snapshot(snapshot(i));
            }
            // At most 3 records are held (1 queued, 1 with the producer, 1 awaiting a permit): drops happened.
            assertThat(publisher.dropped()).isPositive();
            assertThat(publisher.published()).isGreaterThan(1 + SNAPSHOTS);
        }
    }

    @Test
    void withoutAConfigurationNothingGoesToTheConfigsTopic() throws IOException {
        try (KafkaPublisher publisher = unreachable(1)) {
            KafkaRunListener listener = new KafkaRunListener("r", publisher);
            for (int i = 1; i <= SNAPSHOTS; i++) {
                listener.snapshot(snapshot(i));
            }
            assertThat(publisher.published()).isEqualTo(SNAPSHOTS);
        }
    }

    private static KafkaPublisher unreachable(int buffer) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        return new KafkaPublisher("127.0.0.1:" + port, new KafkaPublisher.Settings(buffer, Duration.ZERO));
    }

    private static ParameterSnapshot snapshot(long step) {
        return new ParameterSnapshot("r", step, "float64", List.of(new ParameterSnapshot.Tensor("w", new long[] {2})),
                new double[] {1, 2}, Map.of(), Double.NaN, "adam");
    }
}
