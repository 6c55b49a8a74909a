package dev.terrain.ops.sweep;

import ai.djl.Device;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.run.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** A sweep's steps against a service: validate every point, submit the missing ones, wait for them. */
public final class Sweep {
    /** Service states of a run that has not finished. */
    static final Set<String> UNFINISHED = Set.of("queued", "running");

    private Sweep() {}

    /**
     * Loads every point as {@code ./terrain train} would (base file, overrides, {@code run.id}) and builds
     * its model once, on the CPU here (the service builds it again on its own device). The first bad point
     * fails the whole sweep, naming the point's values and the setting.
     *
     * @return each point's resolved configuration, the body to submit
     */
    public static List<String> validate(Path base, SweepPlan plan) {
        List<String> bodies = new ArrayList<>();
        for (SweepPlan.Point p : plan.points()) {
            Map<String, String> overrides = new LinkedHashMap<>(plan.overrides(p));
            overrides.put("run.id", p.runId());
            try {
                RunSettings s = SettingsLoader.load(base.toFile(), overrides);
                new TrainingRun(s, ProgressSink.NONE).validate(Device.cpu());
                bodies.add(s.renderedConfig());
            } catch (UserError e) {
                String where = p.values().isEmpty() ? "" : " (" + describe(p.values()) + ")";
                throw new UserError("sweep point " + p.index() + where + ": " + e.getMessage()
                        + "; nothing was submitted", e);
            }
        }
        return bodies;
    }

    /** {@code key=value, key=value}. */
    public static String describe(Map<String, String> values) {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    /**
     * Submits every point not yet submitted, rewriting the manifest after each answer. A 409 "exists
     * already" counts as submitted. The first refusal or an unreachable service stops the sweep: the
     * manifest then marks every unsent point as not submitted, and the error says how to resume.
     */
    public static Manifest submit(Manifest m, List<String> bodies, ServiceClient client, Path dir, PrintStream out) {
        Manifest cur = m;
        for (Manifest.Entry e : m.points()) {
            if (e.submitted()) {
                continue;
            }
            ServiceClient.Reply r;
            try {
                r = client.submit(bodies.get(e.index()));
            } catch (ServiceClient.Unreachable u) {
                throw stop(cur.withSubmission(e.index(), notSubmitted(null, u.getMessage())), e.index(), dir, u.getMessage());
            }
            boolean exists = r.status() == 409 && r.error().contains("exists already");
            if (r.status() != 201 && !exists) {
                String why = "the service at " + client.url() + " refused run " + e.runId() + " (HTTP " + r.status() + "): "
                        + r.error();
                throw stop(cur.withSubmission(e.index(), notSubmitted(r.status(), r.error())), e.index(), dir, why);
            }
            cur = cur.withSubmission(e.index(), new Manifest.Submission(true, r.status(),
                    exists ? "existed already (submitted before)" : "queued", Instant.now().toString()));
            cur.write(dir);
            out.println((exists ? "already submitted: " : "submitted: ") + e.runId()
                    + (e.overrides().isEmpty() ? "" : "  " + describe(e.overrides())));
        }
        return cur;
    }

    private static Manifest.Submission notSubmitted(Integer status, String message) {
        return new Manifest.Submission(false, status, message, Instant.now().toString());
    }

    /** Marks the points after {@code failed} as not sent, writes the manifest and returns the error to throw. */
    private static UserError stop(Manifest m, int failed, Path dir, String why) {
        Manifest cur = m;
        for (Manifest.Entry e : m.points()) {
            if (e.index() > failed && !e.submitted()) {
                cur = cur.withSubmission(e.index(), notSubmitted(null, "not sent: the sweep stopped at run "
                        + m.points().get(failed).runId()));
            }
        }
        cur.write(dir);
        long missing = cur.points().size() - cur.submittedCount();
        return new UserError(why + "; " + missing + " of " + cur.points().size() + " runs not submitted (recorded in "
                + Manifest.file(dir, m.sweepId()) + "); ./terrain sweep --resume " + m.sweepId() + " submits them");
    }

    /**
     * Polls the service until every submitted run has finished, printing a line whenever the counts change.
     *
     * @return each run's final state (a run the service no longer knows is "unknown")
     */
    public static Map<String, String> await(Manifest m, ServiceClient client, PrintStream out, Duration poll) {
        String last = "";
        while (true) {
            Map<String, String> states = new LinkedHashMap<>();
            for (Manifest.Entry e : m.points()) {
                if (e.submitted()) {
                    ServiceClient.Reply r = client.status(e.runId());
                    states.put(e.runId(), r.status() == 200 ? r.json().path("state").asText("unknown") : "unknown");
                }
            }
            long finished = states.values().stream().filter(s -> !UNFINISHED.contains(s)).count();
            String line = "sweep " + m.sweepId() + ": " + finished + "/" + states.size() + " finished  " + counts(states);
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
            if (finished == states.size()) {
                return states;
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for sweep " + m.sweepId(), e);
            }
        }
    }

    /** {@code completed 2, queued 1, running 1}: states in alphabetical order. */
    static String counts(Map<String, String> states) {
        Map<String, Long> n = new TreeMap<>(states.values().stream()
                .collect(Collectors.groupingBy(s -> s, Collectors.counting())));
        return n.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** SHA-256 of the base file, so a resumed sweep notices that its base has changed. */
    public static String sha256(Path file) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
            return java.util.HexFormat.of().formatHex(d);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
