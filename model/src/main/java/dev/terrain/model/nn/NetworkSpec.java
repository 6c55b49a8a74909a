package dev.terrain.model.nn;

import dev.terrain.model.jet.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What network to build (SPEC section 3.1). {@code type} is one of {@code resnet} (paper 000),
 * {@code fcnet} (paper 000's FCNet, linear lift then 2N activated layers), {@code mlp} (plain
 * layers, e.g. [2, 50, 50, 50, 1]), {@code modified-mlp} (paper 001) or {@code residual} (paper 004,
 * eq. (5)). Initializer {@code box} (paper 004 Algorithms 2, 3) applies to {@code mlp} and
 * {@code residual} only and assumes inputs in [0, 1]^d, so it refuses Fourier features (which map
 * into [-1, 1]).
 *
 * @param width hidden width (resnet, fcnet, modified-mlp, residual)
 * @param depth residual blocks N (resnet, fcnet: 2N activated layers), gated layers L (modified-mlp) or
 *     hidden layers L (residual)
 * @param layers hidden widths for {@code mlp}; input and output sizes are added from the problem
 * @param fourierExponents i values of paper 003's sin(2^i pi x) features; empty for none
 * @param outputActivation applied after the output layer (with {@code rho} for smooth-abs); null for a
 *     linear output (the default)
 */
public record NetworkSpec(String type, int width, int depth, List<Integer> layers, Activation activation,
        double rho, Initializer initializer, List<Integer> fourierExponents, boolean fourierIncludeInput,
        Activation outputActivation) {

    public static final List<String> TYPES = List.of("resnet", "fcnet", "mlp", "modified-mlp", "residual");

    /** The network types box initialisation is defined for. */
    public static final List<String> BOX_TYPES = List.of("mlp", "residual");

    public NetworkSpec {
        type = type.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown network type '" + type + "'; valid: " + String.join(", ", TYPES));
        }
        layers = List.copyOf(layers);
        fourierExponents = List.copyOf(fourierExponents);
        if (initializer == Initializer.BOX) {
            if (!BOX_TYPES.contains(type)) {
                throw new IllegalArgumentException("initializer box applies to network types "
                        + String.join(" and ", BOX_TYPES) + " (paper 004 Algorithms 2, 3); got '" + type + "'");
            }
            if (!fourierExponents.isEmpty()) {
                throw new IllegalArgumentException("initializer box assumes network inputs in [0, 1]^d "
                        + "(paper 004 section 4.1); Fourier features " + fourierExponents
                        + " map into [-1, 1]: use another initializer or no features");
            }
        }
    }

    /** Builds the network with fresh parameters drawn from {@code seed}. */
    public Network build(Parameters params, int inputDim, int outputDim, long seed) {
        Network net = linear(params, inputDim, outputDim, new SplittableRandom(seed));
        return outputActivation == null ? net : new ActivatedOutput(net, outputActivation, rho);
    }

    private Network linear(Parameters params, int inputDim, int outputDim, SplittableRandom rng) {
        FourierFeatures features = fourierExponents.isEmpty() ? null
                : new FourierFeatures(fourierExponents, fourierIncludeInput);
        int featureDim = features == null ? inputDim : features.outputDim(inputDim);
        switch (type) {
            case "resnet":
                return new ResNet(params, inputDim, width, depth, outputDim, activation, rho, features, initializer, rng);
            case "modified-mlp":
                return new ModifiedMlp(params, inputDim, width, depth, outputDim, activation, rho, features,
                        initializer, rng);
            case "residual":
                return new Residual(params, inputDim, width, depth, outputDim, activation, rho, features,
                        initializer, rng);
            case "fcnet": {
                List<Integer> sizes = new ArrayList<>();
                sizes.add(featureDim);
                for (int i = 0; i <= 2 * depth; i++) {
                    sizes.add(width);
                }
                sizes.add(outputDim);
                return new Mlp(params, inputDim, sizes, activation, rho, true, features, initializer, rng);
            }
            case "mlp": {
                List<Integer> sizes = new ArrayList<>();
                sizes.add(featureDim);
                sizes.addAll(layers);
                sizes.add(outputDim);
                return new Mlp(params, inputDim, sizes, activation, rho, false, features, initializer, rng);
            }
            default:
                throw new AssertionError(type);
        }
    }
}
