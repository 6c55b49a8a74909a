package dev.terrain.model.nn;

import dev.terrain.model.jet.Activation;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What network to build (SPEC section 3.1). {@code type} is one of {@code resnet} (paper 000),
 * {@code fcnet} (paper 000's FCNet, linear lift then 2N activated layers), {@code mlp} (plain
 * layers, e.g. [2, 50, 50, 50, 1]) or {@code modified-mlp} (paper 001).
 *
 * @param width hidden width (resnet, fcnet, modified-mlp)
 * @param depth residual blocks N (resnet, fcnet: 2N activated layers) or gated layers L (modified-mlp)
 * @param layers hidden widths for {@code mlp}; input and output sizes are added from the problem
 * @param fourierExponents i values of paper 003's sin(2^i pi x) features; empty for none
 */
public record NetworkSpec(String type, int width, int depth, List<Integer> layers, Activation activation,
        double rho, Initializer initializer, List<Integer> fourierExponents, boolean fourierIncludeInput) {

    public static final List<String> TYPES = List.of("resnet", "fcnet", "mlp", "modified-mlp");

    public NetworkSpec {
        type = type.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unknown network type '" + type + "'; valid: " + String.join(", ", TYPES));
        }
        layers = List.copyOf(layers);
        fourierExponents = List.copyOf(fourierExponents);
    }

    /** Builds the network with fresh parameters drawn from {@code seed}. */
    public Network build(Parameters params, int inputDim, int outputDim, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        FourierFeatures features = fourierExponents.isEmpty() ? null
                : new FourierFeatures(fourierExponents, fourierIncludeInput);
        int featureDim = features == null ? inputDim : features.outputDim(inputDim);
        switch (type) {
            case "resnet":
                return new ResNet(params, inputDim, width, depth, outputDim, activation, rho, features, initializer, rng);
            case "modified-mlp":
                return new ModifiedMlp(params, inputDim, width, depth, outputDim, activation, rho, features,
                        initializer, rng);
            case "fcnet": {
                List<Integer> sizes = new java.util.ArrayList<>();
                sizes.add(featureDim);
                for (int i = 0; i <= 2 * depth; i++) {
                    sizes.add(width);
                }
                sizes.add(outputDim);
                return new Mlp(params, inputDim, sizes, activation, rho, true, features, initializer, rng);
            }
            case "mlp": {
                List<Integer> sizes = new java.util.ArrayList<>();
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
