package dev.terrain.model.nn;

/**
 * Initial values of one affine layer {@code x W + b}: W row-major [in, out] (column j holds output
 * unit j's weights, the row w_j of paper 004's W^xi), b [out].
 */
public record Affine(int in, int out, double[] weight, double[] bias) {
    public Affine {
        if (weight.length != in * out || bias.length != out) {
            throw new IllegalArgumentException("affine layer [" + in + ", " + out + "] got " + weight.length
                    + " weights and " + bias.length + " biases");
        }
    }
}
