package dev.terrain.streams.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker, running in this JVM in KRaft combined mode (broker and controller in
 * one process), bound to 127.0.0.1. It lets a training run, a demo or a test have Kafka without
 * installing one; clients talk to it over TCP exactly as to a remote cluster.
 *
 * <p>{@code KafkaConfig}, {@code KafkaRaftServer} and {@code Formatter} are Kafka's internal classes,
 * with no compatibility promise between releases: this is the only file that touches them, so a Kafka
 * upgrade changes one file.
 *
 * <p>The data directory is formatted once (a fresh cluster id) and reused as is when it already holds
 * {@code meta.properties}, so stopping and starting again on the same directory keeps topics and records.
 * The client port may be fixed (clients reconnect to the same address after a restart); the controller
 * port is picked free at every start because nothing outside this process connects to it.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final int port;
    private final Path dataDir;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, int port, Path dataDir) {
        this.server = server;
        this.port = port;
        this.dataDir = dataDir;
    }

    /**
     * Starts a broker and returns once it accepts clients (Kafka's {@code startup()} blocks until then).
     *
     * @param port    the client port on 127.0.0.1; 0 picks a free one
     * @param dataDir where the broker keeps its metadata log and topic data; created if missing
     * @throws IllegalStateException naming the port when it is already in use, or when the broker fails
     *                               to start for another reason
     */
    public static EmbeddedKafka start(int port, Path dataDir) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Kafka port must be in 0..65535, got " + port);
        }
        int clientPort = port == 0 ? freePort() : requireFree(port);
        int controllerPort = freePort();
        Path dir = dataDir.toAbsolutePath();
        long t0 = System.nanoTime();
        KafkaConfig config = new KafkaConfig(settings(clientPort, controllerPort, dir), false);
        formatOnce(dir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            stopQuietly(server);
            throw new IllegalStateException("embedded Kafka on " + HOST + ":" + clientPort + " (controller port "
                    + controllerPort + ", data " + dir + ") failed to start: " + e.getMessage(), e);
        }
        log.info("embedded Kafka at {}:{} started in {} ms (data {})", HOST, clientPort,
                (System.nanoTime() - t0) / 1_000_000, dir);
        return new EmbeddedKafka(server, clientPort, dir);
    }

    /** The address clients connect to, {@code 127.0.0.1:port}. */
    public String bootstrap() {
        return HOST + ":" + port;
    }

    /** The client port (the one picked when started with port 0). */
    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits until its threads and sockets are gone; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        log.info("embedded Kafka at {} stopped", bootstrap());
    }

    /**
     * The broker's configuration. Every internal topic gets replication 1 and min ISR 1 (there is one
     * node); the consumer-offsets topic one partition, because creating Kafka's default 50 delays the
     * first consumer group by a second and buys nothing on one node.
     */
    private static Map<String, Object> settings(int port, int controllerPort, Path dir) {
        Map<String, Object> s = new HashMap<>();
        s.put("process.roles", "broker,controller");
        s.put("node.id", String.valueOf(NODE_ID));
        s.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        s.put("listeners", "PLAINTEXT://" + HOST + ":" + port + "," + CONTROLLER_LISTENER + "://" + HOST + ":"
                + controllerPort);
        s.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        s.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        s.put("controller.listener.names", CONTROLLER_LISTENER);
        s.put("inter.broker.listener.name", "PLAINTEXT");
        // One directory for topic data and the metadata log (metadata.log.dir defaults to it).
        s.put("log.dirs", dir.toString());
        s.put("offsets.topic.replication.factor", "1");
        s.put("offsets.topic.num.partitions", "1");
        s.put("transaction.state.log.replication.factor", "1");
        s.put("transaction.state.log.min.isr", "1");
        s.put("share.coordinator.state.topic.replication.factor", "1");
        s.put("share.coordinator.state.topic.min.isr", "1");
        s.put("group.initial.rebalance.delay.ms", "0");
        return s;
    }

    /**
     * Formats {@code dir} unless it already holds a broker's {@code meta.properties}. A directory formatted
     * by a start that then failed is left as it is: it is a valid, empty cluster the next start reuses
     * (deleting a directory the caller named is not ours to do).
     */
    private static void formatOnce(Path dir) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Files.createDirectories(dir);
            new Formatter()
                    .setPrintStream(new PrintStream(out, true, StandardCharsets.UTF_8))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(dir.toString())
                    .setDirectories(List.of(dir.toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Kafka data directory " + dir, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka data directory " + dir + ": " + e.getMessage(),
                    e);
        }
        log.debug("formatted {}: {}", dir, out.toString(StandardCharsets.UTF_8).strip());
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    /**
     * Fails with the port's name before anything is formatted or started: Kafka's own bind failure
     * surfaces deep inside {@code startup()} with a half-started server to clean up.
     */
    private static int requireFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start embedded Kafka: port " + HOST + ":" + port
                    + " is already in use (" + e.getMessage() + ")", e);
        }
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            log.warn("embedded Kafka: shutting down after a failed start failed too", e);
        }
    }
}
