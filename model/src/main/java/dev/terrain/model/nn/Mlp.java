package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Fully connected network. With {@code liftInput = false} it is the plain MLP of paper 001,
 * h_1 = sigma(x W_0 + b_0), h_{k+1} = sigma(h_k W_k + b_k), output linear. With
 * {@code liftInput = true} it is paper 000's FCNet: L^0 = W^0 x + b^0 (no activation), then
 * L^{i+1} = sigma(W^i L^i + b^i), output linear; with 2N activated layers of width w it has
 * 2N w^2 + (d + 2N + 2) w + 1 parameters, as the ResNet with N blocks. The hidden part (paper 004
 * eq. (4)) is every layer but the last; without hidden layers it is the input (after Fourier features).
 * Under {@link Initializer#BOX} (plain MLP only) every hidden layer follows Algorithm 2 of paper 004.
 */
public final class Mlp implements Network {
    private final Parameters params;
    private final List<Dense> layers = new ArrayList<>();
    private final Activation activation;
    private final double rho;
    private final boolean liftInput;
    private final FourierFeatures features;
    private final int inputDim;
    private final int outputDim;
    /** Each layer's weight index and whether tanh follows it, as {@link TanhMlpTape} takes them. */
    private final int[] tapeIndices;
    private final boolean[] tapeActivated;

    /**
     * @param sizes layer widths from the network input (after Fourier features) to the output,
     *     e.g. [2, 50, 50, 50, 1]
     */
    public Mlp(Parameters params, int inputDim, List<Integer> sizes, Activation activation, double rho,
            boolean liftInput, FourierFeatures features, Initializer init, SplittableRandom rng) {
        this.params = params;
        this.activation = activation;
        this.rho = rho;
        this.liftInput = liftInput;
        this.features = features;
        this.inputDim = inputDim;
        this.outputDim = sizes.get(sizes.size() - 1);
        int last = sizes.size() - 2;
        for (int i = 0; i <= last; i++) {
            int in = sizes.get(i);
            int out = sizes.get(i + 1);
            Affine a = i == last ? init.output(in, out, rng)
                    : liftInput && i == 0 ? init.layer(in, out, rng)
                    : init.plainHidden(in, out, rng);
            layers.add(new Dense(params, "layer" + i, a));
        }
        tapeIndices = new int[layers.size()];
        tapeActivated = new boolean[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            tapeIndices[i] = layers.get(i).index();
            tapeActivated[i] = i + 1 < layers.size() && !(liftInput && i == 0);
        }
    }

    @Override
    public Jet forward(Jet input, List<NDArray> p, Scalars c) {
        return output().apply(hidden(input, p, c), p);
    }

    @Override
    public Jet hidden(Jet input, List<NDArray> p, Scalars c) {
        Jet h = features == null ? input : features.apply(input, c);
        for (int i = 0; i + 1 < layers.size(); i++) {
            h = layers.get(i).apply(h, p);
            boolean lift = liftInput && i == 0;
            if (!lift) {
                h = h.apply(activation, rho, c);
            }
        }
        return h;
    }

    /** A tape for tanh networks ({@link TanhMlpTape}), plain or FCNet; other activations record with autograd. */
    @Override
    public Optional<JetTape> tape(Jet input, List<NDArray> p, Scalars c) {
        if (activation != Activation.TANH || p.get(0).getShape().dimension() != 2) {
            return Optional.empty();
        }
        Jet in = features == null ? input : features.apply(input, c);
        return Optional.of(new TanhMlpTape(in, p, tapeIndices, tapeActivated, c));
    }

    @Override
    public int outputLayerIndex() {
        return output().index();
    }

    private Dense output() {
        return layers.get(layers.size() - 1);
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    @Override
    public int outputDim() {
        return outputDim;
    }
}
