package dev.terrain.streams.kafka;

import java.time.Duration;

/** What the publisher tests share: a warm-up for a fresh broker, and the counters for a failure message. */
final class Publishers {
    private static final int WARM_UPS = 10;

    private Publishers() {
    }

    /**
     * Publishes records until a fresh broker has acknowledged them: its first produce (producer id
     * allocation, partitions becoming ready after their leaders are known) can take seconds, and what the
     * tests measure is the publisher, not the broker's start-up. Landscape only, whose records no test reads
     * back; ten keys so that (almost surely) each partition of a several-partition topic takes one.
     */
    static void warmUp(String bootstrap, Duration timeout) {
        try (KafkaPublisher warm = new KafkaPublisher(bootstrap, new KafkaPublisher.Settings(WARM_UPS, timeout))) {
            for (int i = 0; i < WARM_UPS; i++) {
                warm.publish(Topics.LANDSCAPE, "warm-up-" + i, new byte[] {0});
            }
            Await.until(() -> warm.sent() == WARM_UPS, timeout, "the warm-up records acknowledged",
                    () -> accounts(warm));
        }
    }

    /** The publisher's counters and last error, for a failure message. */
    static String accounts(KafkaPublisher p) {
        return "published " + p.published() + ", sent " + p.sent() + ", errors " + p.errors() + ", dropped "
                + p.dropped() + ", queued " + p.queued() + ", in flight " + p.inFlight() + ", outages " + p.outages()
                + (p.lastError() == null ? "" : ", last error " + p.lastError());
    }
}
