package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input exits with code 2 and one message naming the key or value (and the valid choices); no run directory is made. */
class BadInputTest {
    static final String EXAMPLE = "../examples/poisson1d-dgm.conf";
    static final String ISGD = "../examples/poisson1d-multiscale-isgd.conf";
    static final String LSGD = "../examples/sine-lsgd.conf";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(EXAMPLE, "-Dtrain.stepz=5", "unknown setting 'train.stepz'", "train.steps"),
                Arguments.of(EXAMPLE, "-Dtrain.steps=abc", "'train.steps' must be a number", "abc"),
                Arguments.of(EXAMPLE, "-Dtrain.steps=0", "train.steps must be at least 1", "0"),
                Arguments.of(EXAMPLE, "-Dtrain.shards=0", "train.shards must be at least 1", "0"),
                Arguments.of(EXAMPLE, "-Dtrain.shards=65", "train.shards must be at most 64", "65"),
                Arguments.of(EXAMPLE, "-Dtrain.reverse=fused", "unknown value 'fused' for train.reverse", "taped, autograd"),
                Arguments.of(EXAMPLE, "-Dproblem.id=poison", "problem.id: unknown problem 'poison'", "poisson"),
                Arguments.of(EXAMPLE, "-Dnetwork.activation=gelu", "unknown activation 'gelu'", "swish"),
                Arguments.of(EXAMPLE, "-Dnetwork.type=cnn", "network.type: unknown network type 'cnn'", "resnet"),
                Arguments.of(EXAMPLE, "-Doptimizer.type=sgd", "'sgd' for optimizer.type", "adam, gd"),
                Arguments.of(EXAMPLE, "-Dproblem.loss=ritzz", "problem.loss: unknown loss 'ritzz'", "energy"),
                Arguments.of(EXAMPLE, "-Dproblem.dimm=2", "no parameter 'dimm'", "dim"),
                Arguments.of(EXAMPLE, "-Dproblem.dim=true", "problem.dim must be an integer", "true"),
                Arguments.of(EXAMPLE, "-Dsampling.sets.interior.rule=gauss", "unknown quadrature rule 'gauss'", "simpson"),
                Arguments.of(EXAMPLE, "-Dloss.weights.bc=2", "loss.weights.bc", "pde"),
                Arguments.of(EXAMPLE, "-Dnetwork.layers=5", "'network.layers' must be a list", "5"),
                Arguments.of("../examples/missing.conf", "-Dtrain.steps=1", "config file not found", "missing.conf"),
                // optimizers and initialisers of issue 5
                Arguments.of(ISGD, "-Doptimizer.isgd.k1=0", "optimizer.isgd.k1 must be at least 1", "0"),
                Arguments.of(ISGD, "-Doptimizer.isgd.gamma=-0.1", "optimizer.isgd.gamma must be a positive number", "-0.1"),
                Arguments.of(ISGD, "-Doptimizer.isgd.alpha=0", "optimizer.isgd.alpha must be a positive number", "0"),
                Arguments.of(ISGD, "-Doptimizer.isgd.inner=sgd", "'sgd' for optimizer.isgd.inner", "adam, lbfgs"),
                Arguments.of(EXAMPLE, "-Doptimizer.lr=-1", "optimizer.lr must be a positive number", "-1"),
                Arguments.of(EXAMPLE, "-Doptimizer.lbfgs.lineSearch=armijo", "optimizer.lbfgs.lineSearch", "strong-wolfe"),
                Arguments.of(EXAMPLE, "-Doptimizer.lbfgs.history=0", "optimizer.lbfgs.history must be at least 1", "0"),
                Arguments.of(LSGD, "-Dnetwork.outputActivation=tanh", "optimizer.type = lsgd needs a network whose output layer is linear",
                        "network.outputActivation"),
                Arguments.of("../examples/poisson1d-drm.conf", "-Doptimizer.type=lsgd", "problem.loss = energy", "lsgd"),
                Arguments.of("../examples/energy1d-fourier.conf", "-Doptimizer.type=lsgd", "lsgd", "energy"),
                Arguments.of(EXAMPLE, "-Dnetwork.init=box", "initializer box applies to network types mlp and residual", "resnet"),
                Arguments.of("../examples/helmholtz2d-annealing.conf", "-Dloss.annealing.reference=bc",
                        "loss.annealing.reference", "pde"),
                Arguments.of("../examples/helmholtz2d-annealing.conf", "-Dloss.annealing.alpha=2",
                        "loss.annealing.alpha must be in (0, 1]", "2"),
                // the pipeline, probes and outputs of issues 6 and 7
                Arguments.of(EXAMPLE, "-Dprobes.roughness.every=150", "probes.roughness.every = 150 must be a multiple",
                        "pipeline.snapshotEvery = 100"),
                Arguments.of(EXAMPLE, "-Dpipeline.timeout=soon", "pipeline.timeout", "'soon'"),
                Arguments.of(EXAMPLE, "-Dpipeline.trainerRestart.randomFactor=2", "pipeline.trainerRestart.randomFactor", "[0, 1]"),
                Arguments.of(EXAMPLE, "-Dprobes.roughness.directions=1", "probes.roughness", "M >= 2"),
                Arguments.of(EXAMPLE, "-Dprobes.maxBatchElements=0", "probes.maxBatchElements must be at least 1", "0"),
                Arguments.of(EXAMPLE, "-Dprobes.roughness.every=0", "probes.roughness.every must be at least 1", "0"),
                Arguments.of(EXAMPLE, "-Dkafka.bootstrap=localhost", "kafka.bootstrap: expected host:port", "localhost"),
                Arguments.of(EXAMPLE, "-Dprometheus.port=70000", "prometheus.port must be a TCP port", "70000"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectedWithClearMessage(String file, String override, String expected, String alsoMentions, @TempDir Path runs)
            throws IOException {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(err, true), "train", file, override, "-Drun.dir=" + runs);
        assertThat(code).isEqualTo(2);
        String message = err.toString();
        assertThat(message).startsWith("error: ").contains(expected).contains(alsoMentions);
        assertThat(message.lines().count()).as("one line, no stack trace: %s", message).isEqualTo(1);
        try (Stream<Path> left = Files.list(runs)) {
            assertThat(left).as("no run directory is created for bad input").isEmpty();
        }
    }
}
