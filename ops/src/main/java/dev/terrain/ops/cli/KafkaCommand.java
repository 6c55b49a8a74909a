package dev.terrain.ops.cli;

import dev.terrain.ops.config.UserError;
import dev.terrain.streams.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code terrain kafka [--port 9092] [--data DIR]}: the same real single-node KRaft broker the runs embed,
 * on its own, for a group of {@code terrain serve --kafka 127.0.0.1:9092 --group NAME} instances on one
 * machine (or probe workers) to share. It listens on 127.0.0.1 only; a group spread over machines needs a
 * Kafka cluster of its own. Runs until Ctrl-C or SIGTERM; its data directory keeps topics and offsets
 * across restarts.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Run Terrain's embedded Kafka broker on its own (127.0.0.1), for a service group or probe workers "
                + "on this machine.")
final class KafkaCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9092", description = "client port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--data", defaultValue = "kafka-data", description = "data directory (default: ${DEFAULT-VALUE})")
    Path data;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafka broker;
        try {
            broker = EmbeddedKafka.start(port, data);
        } catch (IllegalStateException e) {
            throw new UserError("cannot start the Kafka broker on port " + port + " with data in " + data + ": " + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            System.out.println("terrain kafka: stopped");
            stopped.countDown();
        }, "terrain-kafka-shutdown"));
        System.out.println("kafka on " + broker.bootstrap() + " (data in " + data.toAbsolutePath() + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
