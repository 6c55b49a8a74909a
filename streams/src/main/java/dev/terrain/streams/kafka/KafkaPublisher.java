package dev.terrain.streams.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a training run publishes to Kafka through. A training step must never wait for Kafka, and a
 * broker that is down or slow must not grow the trainer's memory without bound, so:
 *
 * <ul>
 *   <li>{@link #publish} only puts the record in a bounded queue and returns; when the queue is full the
 *       <em>oldest</em> queued record is dropped (fresh telemetry is worth more than stale) and counted;</li>
 *   <li>one daemon sender thread moves records from the queue to the Kafka producer. It may block there
 *       (metadata for a new topic, a full producer buffer); the caller never does;</li>
 *   <li>at most {@code bufferRecords} records are with the producer awaiting acknowledgement, so while the
 *       broker is away the sender stops taking, the queue fills and drops begin. Memory is bounded by
 *       2 × {@code bufferRecords} records.</li>
 * </ul>
 *
 * <p>Accounting: every {@code publish} call counts once in {@link #published()}, and each record ends in
 * exactly one of {@link #sent()} (acknowledged), {@link #errors()} (the producer gave up or rejected it),
 * {@link #dropped()} (evicted from a full queue, published after close, or still queued when close ran out
 * of time); until then it is {@link #queued()} or {@link #inFlight()}. So at any quiet moment
 * {@code published = sent + errors + dropped + queued + inFlight}.
 *
 * <p>Losing the broker (or falling so far behind that records are dropped) logs one warning, and the
 * next acknowledged record one info line, not one line per record.
 */
public final class KafkaPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);
    /** How long the sender's wait for a record lasts before it looks at the closing flag again. */
    private static final long POLL_MS = 50;

    /**
     * @param bufferRecords records held while Kafka is slow or away: this many queued, and this many again
     *                      with the producer
     * @param closeTimeout  how long {@link #close} may take to deliver what is still held
     */
    public record Settings(int bufferRecords, Duration closeTimeout) {
        public Settings {
            if (bufferRecords < 1) {
                throw new IllegalArgumentException("kafka publisher bufferRecords must be ≥ 1, got " + bufferRecords);
            }
            if (closeTimeout.isNegative()) {
                throw new IllegalArgumentException("kafka publisher closeTimeout must be ≥ 0, got " + closeTimeout);
            }
        }
    }

    private record Pending(String topic, byte[] key, byte[] value) {
    }

    private final String bootstrap;
    private final Settings settings;
    private final Producer<byte[], byte[]> producer;
    private final ArrayBlockingQueue<Pending> queue;
    private final Semaphore inFlightPermits;
    private final Thread sender;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong outages = new AtomicLong();
    private final AtomicBoolean unreachable = new AtomicBoolean();
    /** The newest failed send's reason, for the close summary and callers' diagnostics. */
    private volatile String lastError;
    private final Object logLock = new Object();
    private CompletableFuture<Void> logs = CompletableFuture.completedFuture(null);
    private volatile boolean closing;
    /** Set when close() runs out of time: the sender stops at once, even with records queued. */
    private volatile boolean abandoned;
    private boolean closed;

    public KafkaPublisher(String bootstrap, Settings settings) {
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.producer = new KafkaProducer<>(producerConfig(bootstrap), new ByteArraySerializer(),
                new ByteArraySerializer());
        this.queue = new ArrayBlockingQueue<>(settings.bufferRecords());
        this.inFlightPermits = new Semaphore(settings.bufferRecords());
        this.sender = new Thread(this::sendLoop, "kafka-publisher-" + bootstrap);
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * The producer: idempotent with {@code acks=all}, so a retried batch is neither lost nor duplicated
     * and per-key order holds. {@code linger.ms} 5 batches a training step's records; a record the broker
     * has not taken within {@code delivery.timeout.ms} 30 s fails (counted in errors) rather than waiting
     * the default 2 minutes; {@code max.block.ms} 10 s bounds how long the sender thread waits for a new
     * topic's metadata.
     */
    private static Map<String, Object> producerConfig(String bootstrap) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.CLIENT_ID_CONFIG, "terrain-publisher");
    }

    /**
     * Queues a record for {@code topic}, keyed by {@code key} (UTF-8; the run id, so a run's records keep
     * their order; null for none), and returns at once. When the queue is full the oldest queued record is
     * dropped to make room; after {@link #close} the record itself is dropped. Both count in
     * {@link #dropped()}. Safe to call from several threads.
     */
    public void publish(String topic, String key, byte[] value) {
        published.incrementAndGet();
        if (closing) {
            dropped.incrementAndGet();
            return;
        }
        Pending p = new Pending(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        while (!queue.offer(p)) {
            if (queue.poll() != null) {
                dropped.incrementAndGet();
                enterOutage();
            }
        }
    }

    private void sendLoop() {
        while (!abandoned) {
            Pending p;
            try {
                p = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (p == null) {
                if (closing) {
                    return;
                }
                continue;
            }
            inFlight.incrementAndGet();
            try {
                inFlightPermits.acquire();
            } catch (InterruptedException e) {
                // close() ran out of time while the producer still held a full window: p is lost.
                inFlight.decrementAndGet();
                dropped.incrementAndGet();
                return;
            }
            Delivery delivery = new Delivery();
            try {
                producer.send(new ProducerRecord<>(p.topic(), p.key(), p.value()), delivery);
            } catch (RuntimeException e) {
                // Interrupted by close, producer closed, bad record: the producer may or may not have
                // called back first, Delivery counts the record once either way.
                delivery.onCompletion(null, e);
            }
        }
    }

    /** Counts one record's outcome exactly once, whichever of callback and exception reports it. */
    private final class Delivery implements Callback {
        private final AtomicBoolean done = new AtomicBoolean();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception failure) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (failure == null) {
                onSent();
            } else {
                onFailed(failure);
            }
        }
    }

    private void onSent() {
        sent.incrementAndGet();
        inFlight.decrementAndGet();
        inFlightPermits.release();
        if (unreachable.compareAndSet(true, false)) {
            long droppedSoFar = dropped.get();
            logLater(() -> log.info("Kafka publishing resumed ({} records dropped so far)", droppedSoFar));
        }
    }

    private void onFailed(Exception failure) {
        lastError = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        errors.incrementAndGet();
        inFlight.decrementAndGet();
        inFlightPermits.release();
        log.debug("Kafka publish failed", failure);
        enterOutage();
    }

    /** Marks the start of an outage (from the publishing caller's thread when a drop starts it). */
    private void enterOutage() {
        if (!closing && unreachable.compareAndSet(false, true)) {
            outages.incrementAndGet();
            logLater(() -> log.warn("Kafka at {} unreachable; buffering up to {} records, dropping the oldest",
                    bootstrap, settings.bufferRecords()));
        }
    }

    /**
     * Writes an outage or recovery line on a pool thread, in the order asked: the first write to a console
     * appender was measured at 38 ms on the publishing caller's thread, which publish must never spend.
     */
    private void logLater(Runnable line) {
        synchronized (logLock) {
            logs = logs.thenRunAsync(line);
        }
    }

    /**
     * Delivers what is queued and in flight within the settings' close timeout, then closes the producer;
     * what is left then is counted (records still queued as dropped, records the producer aborts as errors).
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        closing = true;
        try {
            sender.join(Math.max(1, remainingMs(deadline)));
            if (sender.isAlive()) {
                abandoned = true;
                sender.interrupt();
                sender.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofMillis(remainingMs(deadline)));
        int left = 0;
        while (queue.poll() != null) {
            left++;
        }
        dropped.addAndGet(left);
        // A clean close is not news; losses are (the caller may report them too).
        if (errors() + dropped() > 0) {
            log.warn("Kafka publisher for {} closed: {} sent, {} errors, {} dropped{}", bootstrap, sent(), errors(), dropped(),
                    lastError == null ? "" : " (last error: " + lastError + ")");
        } else {
            log.debug("Kafka publisher for {} closed: {} sent", bootstrap, sent());
        }
    }

    private static long remainingMs(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /** {@code publish} calls so far. */
    public long published() {
        return published.get();
    }

    /** Records the broker acknowledged. */
    public long sent() {
        return sent.get();
    }

    /** Records the producer gave up on (delivery timeout, closed while pending) or refused. */
    public long errors() {
        return errors.get();
    }

    /** Records evicted from a full queue, published after close, or left queued when close timed out. */
    public long dropped() {
        return dropped.get();
    }

    /** Records waiting in the queue for the sender. */
    public int queued() {
        return queue.size();
    }

    /** Records the sender has taken and Kafka has not yet acknowledged or failed. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Why the newest failed send failed (exception class and message), or null when none has. */
    public String lastError() {
        return lastError;
    }

    /** True from the first drop or failed send until the next acknowledged one. */
    public boolean unreachable() {
        return unreachable.get();
    }

    /** How many times publishing went from healthy to unreachable (one warning was logged each time). */
    public long outages() {
        return outages.get();
    }
}
