package dev.terrain.model.problem;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.NoGrad;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The residual of a linear least-squares term ({@link LossTerm#linear}) at the points of one set, in its
 * affine form r(u) = r0 + a u + sum_k (a'_k u'_k + a''_k u''_k) (a scalar output u; the coefficients are
 * per point, constant in theta), and what the term's reverse pass needs from it. The term is
 * J = sum_i s w_i r_i^2 (s the term's scale, w the set's weights), so with the term's weight lambda
 *
 * <pre>
 *   dJ/du_i = 2 lambda s w_i r_i a_i,   dJ/du'_ki = 2 lambda s w_i r_i a'_ki,   dJ/du''_ki = 2 lambda s w_i r_i a''_ki
 * </pre>
 *
 * and the bars of u's jet are r times arrays made once here ({@link #valueBar}, {@link #gradBar},
 * {@link #hessBar}): the written-out form of the reverse pass autograd would record through the residual.
 * The affine form is the one LSGD assembles its rows from (paper 004 eq. (6)).
 *
 * <p>The coefficients are read off the residual itself: r0 = r(0), and a coefficient is r(e) - r(0) for the
 * jet e with that one component 1 and the others 0. A residual that is not affine in the jet (a term declared
 * linear by mistake) is caught by comparing r on a random jet with the affine form; {@link #of} then gives
 * nothing and the term keeps the recorded reverse pass.
 */
public final class LinearResidual {
    private static final Logger LOG = LoggerFactory.getLogger(LinearResidual.class);
    /** Relative agreement, on a random jet, of the residual and its affine form (float64, float32). */
    static final double TOLERANCE_F64 = 1e-9;
    static final double TOLERANCE_F32 = 1e-4;

    private final NDArray weight;
    private final NDArray valueBar;
    private final NDArray gradBar;
    private final NDArray hessBar;
    private final double deviation;

    private LinearResidual(NDArray weight, NDArray valueBar, NDArray gradBar, NDArray hessBar, double deviation) {
        this.weight = weight;
        this.valueBar = valueBar;
        this.gradBar = gradBar;
        this.hessBar = hessBar;
        this.deviation = deviation;
    }

    /** s w, [B, 1]: the term's value is sum_i r_i (s w_i) r_i. */
    public NDArray weight() {
        return weight;
    }

    /** 2 s w a, [B, 1], or null where r does not read u. */
    public NDArray valueBar() {
        return valueBar;
    }

    /** 2 s w a'_k, [d, B, 1], or null where r reads no first derivative. */
    public NDArray gradBar() {
        return gradBar;
    }

    /** 2 s w a''_k, [d, B, 1], or null where r reads no second derivative. */
    public NDArray hessBar() {
        return hessBar;
    }

    /**
     * The largest difference, on the random jet of the check, between the residual and its affine form,
     * relative to the size of their terms.
     */
    public double deviation() {
        return deviation;
    }

    /** The arrays this holds (to take out of a scope or to close). */
    public List<NDArray> arrays() {
        List<NDArray> out = new ArrayList<>();
        for (NDArray a : new NDArray[] {weight, valueBar, gradBar, hessBar}) {
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * The affine form of {@code term}'s residual at the points of {@code set}, for a jet of the given order
     * (that of the solution jet the term receives; at least the term's own) of a scalar u; empty when the
     * residual is not affine in the jet (its {@link #deviation} above the tolerance of the data type) or its
     * value is not one number per point. The arrays are made in the set's manager, outside any scope
     * (close them with the set's other arrays).
     *
     * @throws IllegalArgumentException when {@code term} carries no residual
     */
    public static Optional<LinearResidual> of(LossTerm term, PointSet set, int order, Scalars c) {
        if (!term.isLinearLeastSquares()) {
            throw new IllegalArgumentException("term '" + term.name() + "' is not a linear least-squares term");
        }
        NDManager manager = set.x().getManager();
        DataType dtype = c.dataType();
        int b = Math.toIntExact(set.size());
        int d = Math.toIntExact(set.x().getShape().get(1));
        int g = order >= 1 ? d : 0;
        int h = order >= 2 ? d : 0;
        // Components in the order value, u'_0 .. u'_{d-1}, u''_0 .. u''_{d-1}.
        int components = 1 + g + h;
        try (NDScope scope = new NDScope(); NoGrad off = new NoGrad()) {
            scope.suppressNotUsedWarning();
            double[] r0 = residual(term, set, order, c, manager, new double[components][b], g, h);
            if (r0 == null) {
                LOG.warn("loss term '{}' is declared linear but its residual on point set '{}' is not one value per "
                        + "point; its reverse pass is recorded", term.name(), set.name());
                return Optional.empty();
            }
            double[][] a = new double[components][];
            for (int k = 0; k < components; k++) {
                double[][] unit = new double[components][b];
                Arrays.fill(unit[k], 1.0);
                double[] rk = residual(term, set, order, c, manager, unit, g, h);
                a[k] = new double[b];
                for (int i = 0; i < b; i++) {
                    a[k][i] = rk[i] - r0[i];
                }
            }
            double deviation = check(term, set, order, c, manager, r0, a, g, h);
            double tolerance = dtype == DataType.FLOAT64 ? TOLERANCE_F64 : TOLERANCE_F32;
            if (!(deviation <= tolerance)) {
                // A problem's bug (LSGD would solve with a wrong affine form too), not a user's: say so once per set.
                LOG.warn("loss term '{}' is declared linear but its residual on point set '{}' is not affine in u's jet "
                        + "(relative deviation {} on a random jet, tolerance {}); its reverse pass is recorded",
                        term.name(), set.name(), deviation, tolerance);
                return Optional.empty();
            }
            double[] w = Tensors.toDoubles(set.weights());
            double s = term.scale();
            double[] sw = new double[b];
            for (int i = 0; i < b; i++) {
                sw[i] = s * w[i];
            }
            NDArray weight = Tensors.create(manager, sw, new Shape(b, 1), dtype);
            NDArray valueBar = bar(manager, dtype, a, sw, 0, 1, b, false);
            NDArray gradBar = bar(manager, dtype, a, sw, 1, g, b, true);
            NDArray hessBar = bar(manager, dtype, a, sw, 1 + g, h, b, true);
            LinearResidual out = new LinearResidual(weight, valueBar, gradBar, hessBar, deviation);
            out.arrays().forEach(NDScope::unregister);
            return Optional.of(out);
        }
    }

    /**
     * 2 s w_i a_{k,i} for the {@code count} components from {@code from}, stacked [count, B, 1] (or [B, 1]
     * for the value), or null when they are all zero.
     */
    private static NDArray bar(NDManager manager, DataType dtype, double[][] a, double[] sw, int from, int count,
            int b, boolean directions) {
        boolean any = false;
        double[] out = new double[count * b];
        for (int k = 0; k < count; k++) {
            for (int i = 0; i < b; i++) {
                double v = 2 * sw[i] * a[from + k][i];
                out[k * b + i] = v;
                any |= v != 0;
            }
        }
        if (!any) {
            return null;
        }
        return Tensors.create(manager, out, directions ? new Shape(count, b, 1) : new Shape(b, 1), dtype);
    }

    /**
     * The residual at a jet given per component ([components][B]: value, then the g first and h second
     * derivatives by direction) as a host vector of B values, or null when it is not one value per point.
     */
    private static double[] residual(LossTerm term, PointSet set, int order, Scalars c, NDManager manager,
            double[][] jet, int g, int h) {
        int b = jet[0].length;
        DataType dtype = c.dataType();
        NDArray value = Tensors.create(manager, jet[0], new Shape(b, 1), dtype);
        NDArray grad = g == 0 ? null : Tensors.create(manager, concat(jet, 1, g), new Shape(g, b, 1), dtype);
        NDArray hess = h == 0 ? null : Tensors.create(manager, concat(jet, 1 + g, h), new Shape(h, b, 1), dtype);
        NDArray r = term.residual().apply(new Jet(value, grad, hess, order), set, c);
        if (!r.getShape().equals(new Shape(b, 1))) {
            return null;
        }
        return Tensors.toDoubles(r);
    }

    private static double[] concat(double[][] rows, int from, int count) {
        int b = rows[0].length;
        double[] out = new double[count * b];
        for (int k = 0; k < count; k++) {
            System.arraycopy(rows[from + k], 0, out, k * b, b);
        }
        return out;
    }

    /**
     * max_i |r(J)_i - (r0_i + sum_k a_ki J_ki)| / (|r0_i| + sum_k |a_ki J_ki| + |r(J)_i|), for a jet J with
     * entries drawn uniformly from [-1, 1] (seeded: the check is the same every run); 0 when every term is 0.
     */
    private static double check(LossTerm term, PointSet set, int order, Scalars c, NDManager manager, double[] r0,
            double[][] a, int g, int h) {
        int b = r0.length;
        SplittableRandom random = new SplittableRandom(0x7e77a1fL);
        double[][] jet = new double[a.length][b];
        for (double[] row : jet) {
            for (int i = 0; i < b; i++) {
                row[i] = 2 * random.nextDouble() - 1;
            }
        }
        double[] r = residual(term, set, order, c, manager, jet, g, h);
        if (r == null) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < b; i++) {
            double predicted = r0[i];
            double size = Math.abs(r0[i]) + Math.abs(r[i]);
            for (int k = 0; k < a.length; k++) {
                predicted += a[k][i] * jet[k][i];
                size += Math.abs(a[k][i] * jet[k][i]);
            }
            double diff = Math.abs(r[i] - predicted);
            if (Double.isNaN(diff)) {
                return Double.NaN;
            }
            if (diff > 0) {
                worst = Math.max(worst, diff / size);
            }
        }
        return worst;
    }
}
