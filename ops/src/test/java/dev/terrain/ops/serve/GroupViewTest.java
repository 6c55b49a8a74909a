package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The state rules of a group's run list, from service events as the instances write them: a start counts
 * and names the owner, a zombie's late release does not undo its successor's start, the first final state
 * stands, a cancel request reaches the listeners, and other records are skipped.
 */
class GroupViewTest {
    // No broker listens on port 1: the view's reader thread only retries in the background.
    private final GroupView view = new GroupView("127.0.0.1:1", "g", "test");

    @AfterEach
    void close() {
        view.close();
    }

    private void event(String run, String state, String instance) {
        view.apply(("{\"source\":\"serve\",\"group\":\"g\",\"run\":\"" + run + "\",\"state\":\"" + state + "\",\"instance\":\"" + instance
                + "\",\"at\":\"2026-11-23T20:00:00Z\",\"submitted_at\":\"2026-11-23T19:59:00Z\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRunMovesBetweenInstancesAndTheFirstFinalStateStands() {
        event("a", "queued", "i1");
        assertThat(view.brief("a").orElseThrow()).containsEntry("state", "queued").containsEntry("starts", 0)
                .containsEntry("submitted_at", "2026-11-23T19:59:00Z");
        event("a", "running", "i2");
        event("a", "running", "i3"); // i2 died; i3 took its partition
        event("a", "released", "i2"); // i2, a zombie, releases late
        Map<String, Object> a = view.brief("a").orElseThrow();
        assertThat(a).containsEntry("state", "running").containsEntry("instance", "i3").containsEntry("starts", 2);
        event("a", "released", "i3");
        assertThat(view.brief("a").orElseThrow()).as("released runs wait in the queue").containsEntry("state", "queued");
        assertThat(view.finished("a")).isFalse();
        event("a", "running", "i1");
        event("a", "completed", "i1");
        event("a", "failed", "i3");
        assertThat(view.brief("a").orElseThrow()).containsEntry("state", "completed").containsEntry("instance", "i1")
                .containsEntry("starts", 3);
        assertThat(view.finished("a")).isTrue();
        event("a", "running", "i2");
        assertThat(view.brief("a").orElseThrow()).as("nothing after the final state").containsEntry("state", "completed");
    }

    @Test
    void cancelRequestsReachTheListenersAndOtherRecordsAreSkipped() {
        List<String> heard = new ArrayList<>();
        view.onCancel(r -> heard.add(r.id));
        event("b", "queued", "i1");
        event("b", "cancel_requested", "i2");
        event("ghost", "cancel_requested", "i2");
        assertThat(heard).containsExactly("b");
        assertThat(view.cancelRequested("b")).isTrue();
        assertThat(view.brief("b").orElseThrow()).containsEntry("cancelling", true);
        assertThat(view.knows("ghost")).as("a cancel of an unknown run makes no run").isFalse();
        view.apply("not json".getBytes(StandardCharsets.UTF_8));
        view.apply("{\"type\":\"started\",\"step\":0}".getBytes(StandardCharsets.UTF_8)); // a run's own event
        event("?", "rejected", "i1");
        view.apply("{\"source\":\"serve\",\"group\":\"other\",\"run\":\"x\",\"state\":\"queued\"}"
                .getBytes(StandardCharsets.UTF_8)); // another group's run on the same topic
        assertThat(view.list()).extracting(m -> m.get("id")).containsExactly("b");
        event("b", "cancelled", "i3");
        assertThat(view.counts()).containsEntry("cancelled", 1);
    }
}
