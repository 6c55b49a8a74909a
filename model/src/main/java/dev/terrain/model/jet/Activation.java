package dev.terrain.model.jet;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.tensor.Scalars;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Elementwise activations with their first and second derivatives, computed from shared
 * intermediates so that a jet costs as few transcendental calls as possible (SPEC section 3.1).
 */
public enum Activation {
    /** tanh z; s' = 1 - s^2, s'' = -2 s s'. */
    TANH("tanh"),
    /** swish z = z sigmoid(z) (paper 000); with q = sigmoid(z): s' = q (1 + z (1 - q)), s'' = q (1 - q)(2 + z (1 - 2q)). */
    SWISH("swish"),
    /** max(z, 0); s' = step(z), s'' = 0 almost everywhere. */
    RELU("relu"),
    /** sin z; s' = cos z, s'' = -sin z. */
    SIN("sin"),
    /** smooth abs sqrt(z^2 + rho^2) (paper 003); s' = z / s, s'' = rho^2 / s^3. */
    SMOOTH_ABS("smooth-abs");

    /** Default rho of the smooth absolute value, paper 003 section 3. */
    public static final double DEFAULT_RHO = 0.1;

    private final String id;

    Activation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The activation named {@code id}; the message lists the valid names. */
    public static Activation byId(String id) {
        String key = id.toLowerCase(Locale.ROOT);
        for (Activation a : values()) {
            if (a.id.equals(key)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + id + "'; valid: " + ids());
    }

    public static String ids() {
        return Arrays.stream(values()).map(Activation::id).collect(Collectors.joining(", "));
    }

    /** sigma, sigma' and sigma'' at z; d1/d2 are null when {@code order} does not need them or d2 is zero. */
    public record Values(NDArray value, NDArray d1, NDArray d2) {}

    /** Evaluates the activation and the derivatives the jet order needs, with rho for smooth-abs. */
    public Values evaluate(NDArray z, int order, Scalars c) {
        return evaluate(z, order, c, DEFAULT_RHO);
    }

    public Values evaluate(NDArray z, int order, Scalars c, double rho) {
        switch (this) {
            case TANH: {
                NDArray s = z.tanh();
                if (order == 0) {
                    return new Values(s, null, null);
                }
                NDArray s1 = c.one().sub(s.mul(s));
                NDArray s2 = order >= 2 ? s.mul(s1).mul(c.of(-2.0)) : null;
                return new Values(s, s1, s2);
            }
            case SWISH: {
                NDArray q = z.getNDArrayInternal().sigmoid();
                NDArray s = z.mul(q);
                if (order == 0) {
                    return new Values(s, null, null);
                }
                NDArray oneMinusQ = c.one().sub(q);
                NDArray s1 = q.add(s.mul(oneMinusQ));
                NDArray s2 = order >= 2
                        ? q.mul(oneMinusQ).mul(c.two().add(z.mul(oneMinusQ.sub(q))))
                        : null;
                return new Values(s, s1, s2);
            }
            case RELU: {
                NDArray s = z.getNDArrayInternal().relu();
                NDArray s1 = order >= 1 ? z.gt(c.of(0.0)).toType(z.getDataType(), false) : null;
                return new Values(s, s1, null);
            }
            case SIN: {
                NDArray s = z.sin();
                NDArray s1 = order >= 1 ? z.cos() : null;
                NDArray s2 = order >= 2 ? s.neg() : null;
                return new Values(s, s1, s2);
            }
            case SMOOTH_ABS: {
                NDArray rho2 = c.of(rho * rho);
                NDArray s = z.square().add(rho2).sqrt();
                if (order == 0) {
                    return new Values(s, null, null);
                }
                NDArray s1 = z.div(s);
                NDArray s2 = order >= 2 ? rho2.div(s.mul(s.square())) : null;
                return new Values(s, s1, s2);
            }
            default:
                throw new AssertionError(this);
        }
    }
}
