package dev.terrain.ops.cli;

import dev.terrain.model.tensor.Threads;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.serve.Service;
import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain serve [FILE] [-Dkey=value ...]}: the training service. Runs until SIGTERM or Ctrl-C,
 * which drains it: active runs checkpoint and stop (the next service on the same run.dir resumes them),
 * queued runs stay queued.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the training service: an HTTP API (POST /runs, GET /runs/{id}, ...) on serve.host:serve.port "
                + "training submitted runs one after another (serve.concurrency at a time).")
final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "service settings (HOCON): serve { ... }, run.dir, kafka { ... }, prometheus { ... }")
    File config;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "override a setting, e.g. -Dserve.port=8081")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "the Kafka cluster of a service group (kafka.bootstrap)")
    String kafka;

    @Option(names = "--group", paramLabel = "NAME",
            description = "join the service group NAME: share its run queue on Kafka (serve.group); run.dir must be shared")
    String group;

    @Option(names = "--instance", paramLabel = "NAME", description = "this instance's name in the group (serve.instance)")
    String instance;

    @Override
    public Integer call() throws InterruptedException {
        if (kafka != null) {
            overrides.put("kafka.bootstrap", kafka);
        }
        if (group != null) {
            overrides.put("serve.group", group);
        }
        if (instance != null) {
            overrides.put("serve.instance", instance);
        }
        ServeSettings settings = ServeSettings.load(config, overrides);
        Threads.set(settings.service().threads());
        ProgressSink notes = new ProgressSink() {
            @Override
            public void progress(dev.terrain.model.train.StepReport report, long totalSteps, double wallSeconds) {}

            @Override
            public void note(String line) {
                System.out.println(line);
            }

            @Override
            public void finished() {}
        };
        Service service = Service.start(settings, notes);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("terrain serve: draining (active runs checkpoint and stop) ...");
            service.close();
            System.out.println("terrain serve: stopped");
            stopped.countDown();
        }, "terrain-serve-shutdown"));
        System.out.println("serving on " + service.url() + " (runs in " + settings.runDir().toAbsolutePath() + ")"
                + (settings.group().isEmpty() ? "" : " as " + settings.instance() + " of group " + settings.group()));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
