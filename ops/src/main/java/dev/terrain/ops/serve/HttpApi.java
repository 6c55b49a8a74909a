package dev.terrain.ops.serve;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.terrain.ops.config.UserError;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.http.scaladsl.model.IllegalRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of {@code ./terrain serve} (Pekko HTTP on the service's actor system). Every answer is
 * JSON except the report (HTML) and its images (PNG); every refusal is a 4xx with {@code {"error": ...}}
 * naming the problem, and no request, however malformed, can stop the service: work that blocks (parsing
 * and validating a run, reading run files, writing a report) runs on a small bounded pool of its own, and
 * when that pool is saturated the answer is 503.
 *
 * <pre>
 * POST /runs                 HOCON or JSON run configuration → 201 {"id": ...}
 * GET  /runs                 every run, in submission order
 * GET  /runs/{id}            state, step, newest loss terms and probe figures
 * POST /runs/{id}/cancel     queued → cancelled; running → checkpoints, stops, cancelled
 * GET  /runs/{id}/summary    summary.json of a finished run
 * GET  /runs/{id}/report     report.html (written on demand while the run trains)
 * GET  /runs/{id}/report/{f} an image of the report
 * GET  /health               the service's state
 * </pre>
 */
public final class HttpApi extends AllDirectives implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration BODY_TIMEOUT = Duration.ofSeconds(20);

    private final RunService service;
    private final long maxBodyBytes;
    private final Function<Path, Path> reports;
    private final ThreadPoolExecutor blocking;
    /** One report written at a time: two writers of one run's images would interleave. */
    private final Object reportLock = new Object();
    private ServerBinding binding;

    /**
     * @param reports writes a run directory's report and returns the HTML file (e.g. RunReport::write)
     */
    public HttpApi(RunService service, long maxBodyBytes, Function<Path, Path> reports) {
        this.service = service;
        this.maxBodyBytes = maxBodyBytes;
        this.reports = reports;
        AtomicInteger n = new AtomicInteger();
        this.blocking = new ThreadPoolExecutor(2, 4, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, "terrain-serve-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds the API; a busy or unusable address is a {@link UserError} naming it. */
    public InetSocketAddress bind(ActorSystem<?> system, String host, int port) {
        try {
            binding = Http.get(system).newServerAt(host, port).bind(route()).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new UserError("cannot serve HTTP on " + host + ":" + port + " (serve.host, serve.port): "
                    + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding the HTTP API", e);
        } catch (TimeoutException e) {
            throw new UserError("binding " + host + ":" + port + " took over 30 s");
        }
        return binding.localAddress();
    }

    /** The whole API, with JSON answers for every rejection and exception. */
    Route route() {
        return handleExceptions(exceptions(), () -> handleRejections(rejections(), this::routes));
    }

    private Route routes() {
        return concat(
                path("health", () -> get(() -> call(() -> json(200, service.health())))),
                pathPrefix("runs", () -> concat(
                        pathEndOrSingleSlash(() -> concat(
                                get(() -> call(() -> json(200, Map.of("runs", service.list())))),
                                post(() -> extractStrictEntity(BODY_TIMEOUT, maxBodyBytes, this::submit)))),
                        pathPrefix(segment(), id -> concat(
                                pathEndOrSingleSlash(() -> get(() -> call(() -> json(200, service.status(id))))),
                                path("cancel", () -> post(() -> call(() -> json(200, service.cancel(id))))),
                                path("summary", () -> get(() -> call(() -> summary(id)))),
                                pathPrefix("report", () -> concat(
                                        pathEndOrSingleSlash(() -> get(() -> call(() -> report(id)))),
                                        path(segment(), file -> get(() -> call(() -> reportFile(id, file)))))))))));
    }

    private Route submit(HttpEntity.Strict entity) {
        MediaType type = entity.getContentType().mediaType();
        String name = type.mainType() + "/" + type.subType();
        boolean json = name.equals("application/json");
        boolean hocon = name.equals("application/hocon") || name.equals("application/x-hocon")
                || name.equals("text/plain") || name.equals("text/hocon");
        if (!json && !hocon) {
            return complete(error(415, "content type " + name + " is not a run configuration; send application/json "
                    + "or application/hocon (text/plain is read as HOCON)"));
        }
        String body = entity.getData().utf8String();
        return call(() -> {
            String id = service.submit(body, json);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("state", service.status(id).get("state"));
            return json(201, m);
        });
    }

    private HttpResponse summary(String id) {
        Path file = service.runDirectory(id).resolve("summary.json");
        if (!service.finished(id) || !Files.isRegularFile(file)) {
            throw ApiError.notFound("run '" + id + "' has no summary yet (it is " + service.status(id).get("state")
                    + "); GET /runs/" + id + " shows its progress");
        }
        return HttpResponse.create().withStatus(200).withEntity(ContentTypes.APPLICATION_JSON, read(file));
    }

    /** The report of a finished run as written at its end; while a run trains (or when missing) written now. */
    private HttpResponse report(String id) {
        Path dir = service.runDirectory(id);
        Path html = dir.resolve("report.html");
        if (!Files.isDirectory(dir)) {
            throw ApiError.notFound("run '" + id + "' has not started; it has no report");
        }
        synchronized (reportLock) {
            if (!service.finished(id) || !Files.isRegularFile(html)) {
                try {
                    html = reports.apply(dir);
                } catch (UserError e) {
                    throw ApiError.conflict("the report of run '" + id + "' cannot be written: " + e.getMessage());
                }
            }
            return HttpResponse.create().withStatus(200).withEntity(ContentTypes.TEXT_HTML_UTF8, read(html));
        }
    }

    private HttpResponse reportFile(String id, String file) {
        if (!file.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]*\\.png")) {
            throw ApiError.notFound("the report has no file '" + file + "'");
        }
        Path png = service.runDirectory(id).resolve("report").resolve(file);
        if (!Files.isRegularFile(png)) {
            throw ApiError.notFound("the report of run '" + id + "' has no file '" + file + "'");
        }
        return HttpResponse.create().withStatus(200)
                .withEntity(ContentTypes.create(MediaTypes.IMAGE_PNG), read(png));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ApiError(500, "cannot read " + file.getFileName() + ": " + e.getMessage());
        }
    }

    /** Runs {@code answer} on the blocking pool; an {@link ApiError} becomes its status with a JSON error. */
    private Route call(Supplier<HttpResponse> answer) {
        CompletableFuture<HttpResponse> response;
        try {
            response = CompletableFuture.supplyAsync(() -> {
                try {
                    return answer.get();
                } catch (ApiError e) {
                    return error(e.status(), e.getMessage());
                } catch (RuntimeException | StackOverflowError e) {
                    LOG.warn("request failed", e);
                    return error(500, "internal error: " + e);
                }
            }, blocking);
        } catch (RejectedExecutionException busy) {
            response = CompletableFuture.completedFuture(error(503, "the service is busy; try again shortly"));
        }
        return completeWithFuture(response);
    }

    private static HttpResponse json(int status, Object body) {
        try {
            return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON,
                    JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON answer", e);
        }
    }

    static HttpResponse error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    /** Pekko's own refusals (404 unknown path, 405 wrong method, ...) with their text as a JSON error. */
    private static RejectionHandler rejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            if (response.entity() instanceof HttpEntity.Strict strict
                    && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                String text = strict.getData().utf8String();
                return error(response.status().intValue(), text.isBlank() ? response.status().reason() : text);
            }
            return response;
        });
    }

    private HttpResponse tooLarge() {
        return error(413, "the request body is larger than " + maxBodyBytes + " bytes (serve.maxBodyBytes)");
    }

    private ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder()
                .match(EntityStreamSizeException.class, e -> complete(tooLarge()))
                .match(IllegalRequestException.class, e -> complete(e.status().intValue() == 413 ? tooLarge()
                        : error(e.status().intValue(), e.info().summary())))
                .matchAny(e -> {
                    LOG.warn("request failed", e);
                    return complete(error(500, "internal error: " + e));
                })
                .build();
    }

    /** Unbinds the API (requests in flight are answered first, for up to 10 s). */
    @Override
    public void close() {
        if (binding != null) {
            try {
                binding.terminate(Duration.ofSeconds(10)).toCompletableFuture().get(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("HTTP unbind: {}", e.toString());
            }
        }
        blocking.shutdown();
    }
}
