package dev.terrain.ops.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The HTTP API of {@code ./terrain serve} as a sweep uses it: submit a run, read its state and summary. */
public final class ServiceClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** A submission is validated by the service (the model is built once): seconds on a busy machine. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();

    /** An answer: its status and its JSON body (missing when the body is not JSON). */
    public record Reply(int status, JsonNode json) {
        /** The service's {@code error} text, or the status when it gave none. */
        public String error() {
            String e = json.path("error").asText("");
            return e.isEmpty() ? "HTTP " + status : e;
        }
    }

    /** The service cannot be reached at all (nothing listening, timeout); the message names the URL. */
    public static final class Unreachable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public ServiceClient(String url) {
        this.url = normalize(url);
    }

    /** {@code http(s)://host:port} without a trailing slash; anything else is a user error. */
    public static String normalize(String url) {
        String u = url.strip().replaceAll("/+$", "");
        URI uri;
        try {
            uri = URI.create(u);
        } catch (IllegalArgumentException e) {
            throw new UserError("--url " + url + " is not a URL: " + e.getMessage());
        }
        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
            throw new UserError("--url " + url + " must be http://host:port, e.g. http://127.0.0.1:8080");
        }
        return u;
    }

    public String url() {
        return url;
    }

    /** {@code POST /runs} with a HOCON body. */
    public Reply submit(String hocon) {
        return send(HttpRequest.newBuilder(uri("/runs")).header("Content-Type", "application/hocon")
                .POST(HttpRequest.BodyPublishers.ofString(hocon, StandardCharsets.UTF_8)));
    }

    /** {@code GET /runs/{id}}. */
    public Reply status(String runId) {
        return send(HttpRequest.newBuilder(uri("/runs/" + runId)).GET());
    }

    /** {@code GET /runs}: every run the service (or its group) knows, in {@code runs}. */
    public Reply list() {
        return send(HttpRequest.newBuilder(uri("/runs")).GET());
    }

    /** {@code GET /health}: the service's state (in a group: its instance and partitions). */
    public Reply health() {
        return send(HttpRequest.newBuilder(uri("/health")).GET());
    }

    /** {@code GET /runs/{id}/summary}. */
    public Reply summary(String runId) {
        return send(HttpRequest.newBuilder(uri("/runs/" + runId + "/summary")).GET());
    }

    private URI uri(String path) {
        return URI.create(url + path);
    }

    private Reply send(HttpRequest.Builder request) {
        HttpResponse<String> r;
        try {
            r = http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unreachable("cannot reach the training service at " + url + " (" + describe(e)
                    + "); start it with ./terrain serve or give its address with --url", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to " + url, e);
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(r.body());
        } catch (IOException notJson) {
            json = MissingNode.getInstance();
        }
        return new Reply(r.statusCode(), json == null ? MissingNode.getInstance() : json);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
