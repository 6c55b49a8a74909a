package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.terrain.model.jet.Jet;
import dev.terrain.model.tensor.Autograd;
import dev.terrain.model.tensor.Scalars;
import dev.terrain.model.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * The jet forward pass of a chain of affine layers, each followed by tanh or by nothing, with its reverse
 * pass written out (the {@link Mlp} with tanh, plain or paper 000's FCNet). Without an autograd graph the
 * forward pass works in place where a value is not needed again, and the reverse pass reuses the
 * forward's t = tanh z and s' = 1 - t^2: fewer native calls (the whole 20 x 3 x 200 training step makes
 * about 400 instead of 570, {@code bench profile}) and none of the autograd engine's bookkeeping.
 *
 * <p>Forward, per layer (jet components of the input a, a', a'' with a leading axis over the d input
 * directions; the derivatives need not depend on the point, [d, 1, n]):
 * <pre>
 *   z = a W + b,   z' = a' W,   z'' = a'' W
 *   t = tanh z = 2 sigmoid(2 z) - 1,    s = 1 - t^2,   g = s z',   h = s z'' - 2 t z' g
 * </pre>
 * (the regrouped chain rule of {@link Jet#apply}). Reverse, with bars for t, g, h and sums over the d
 * directions (k):
 * <pre>
 *   z''bar = s hbar
 *   z'bar  = s (gbar - 4 t z' hbar)
 *   zbar   = s (tbar - 2 t sum_k (z' gbar + z'' hbar) + (4 - 6 s) sum_k z'^2 hbar)
 * </pre>
 * from dg/dz' = s, dh/dz' = -4 t s z', dg/dt = -2 t z', dh/dt = -2 t z'' + (6 t^2 - 2) z'^2 and
 * 6 t^2 - 2 = 4 - 6 s; and for the affine map Wbar = a^T zbar + sum_k a'_k^T z'bar_k + a''_k^T z''bar_k,
 * bbar = sum over points of zbar, abar = zbar W^T (likewise for a', a'').
 *
 * <p>With one input direction (d = 1) the derivatives are carried as 2D [B, n] arrays inside the tape, so
 * that every product is a plain 2D matrix product, not a batched one with its reshapes; the output jet and
 * the bars of {@link #backward} keep the {@link Jet} layout [1, B, n].
 */
final class TanhMlpTape implements JetTape {
    /** What one layer's reverse pass reads: its input jet, and for a tanh layer t, s and z', z''. */
    private record Layer(int index, NDArray a, NDArray da, NDArray dda, NDArray t, NDArray s, NDArray dz,
            NDArray ddz, boolean identity) {
        boolean activated() {
            return t != null;
        }
    }

    private final List<NDArray> params;
    private final Scalars c;
    private final List<Layer> layers = new ArrayList<>();
    private final Jet output;
    /** d = 1: derivatives held as [B, n] (or [1, n]) inside the tape. */
    private final boolean flat;

    /**
     * Runs the forward pass (call it outside gradient recording).
     *
     * @param indices index of each layer's weight in {@code params} (its bias follows)
     * @param activated whether each layer is followed by tanh
     */
    TanhMlpTape(Jet input, List<NDArray> params, int[] indices, boolean[] activated, Scalars c) {
        this.params = params;
        this.c = c;
        int order = input.order();
        NDArray a = input.value();
        NDArray da = order >= 1 ? input.grad() : null;
        NDArray dda = order >= 2 ? input.hess() : null;
        flat = da != null && da.getShape().get(0) == 1;
        // The input points' own jet (dx/dx_k = e_k, the run's one identity array): the first layer's z' = e_k W
        // is W itself, and its reverse pass sum_k e_k^T z'bar_k is z'bar: no product either way.
        boolean identity = da != null && da == c.identityJet(input.value().getShape().get(1));
        if (flat) {
            da = da.squeeze(0);
            dda = dda == null ? null : dda.squeeze(0);
        }
        for (int i = 0; i < indices.length; i++) {
            NDArray w = params.get(indices[i]);
            NDArray z = a.matMul(w).addi(params.get(indices[i] + 1));
            boolean first = identity && i == 0;
            // A view of W when the input is the identity jet: read, never written, by the passes below.
            NDArray dz = da == null ? null : first ? (flat ? w : w.expandDims(1)) : da.matMul(w);
            NDArray ddz = dda == null ? null : dda.matMul(w);
            if (!activated[i]) {
                layers.add(new Layer(indices[i], a, da, dda, null, null, null, null, first));
                a = z;
                da = dz;
                dda = ddz;
                continue;
            }
            // tanh z as 2 sigmoid(2 z) - 1, in place on z (not read again): libtorch's CPU tanh is several
            // times slower than its sigmoid (bench profile: 3 tanh calls took 9 % of the 20 x 3 x 200 step;
            // alone on [200, 20] float32, 14 us against 8 us for the four calls here). The two agree to a
            // few ulp of 1 (1.8e-7 in float32, 3.3e-16 in float64 on normal samples).
            NDArray t = Activation.sigmoid(z.muli(c.two())).muli(c.two()).subi(c.one());
            NDArray s = t.mul(t).negi().addi(c.one());
            NDArray g = dz == null ? null : dz.mul(s);
            NDArray h = null;
            if (order >= 2) {
                NDArray curvature = g == null ? null : dz.mul(t).muli(g).muli(c.of(-2.0));
                h = ddz == null ? curvature : curvature == null ? ddz.mul(s) : ddz.mul(s).addi(curvature);
            }
            layers.add(new Layer(indices[i], a, da, dda, t, s, dz, ddz, first));
            a = t;
            da = g;
            dda = h;
        }
        output = new Jet(a, flat ? da.expandDims(0) : da, flat && dda != null ? dda.expandDims(0) : dda, order);
    }

    @Override
    public Jet output() {
        return output;
    }

    @Override
    public void backward(NDArray valueBar, NDArray gradBar, NDArray hessBar) {
        NDArray vb = valueBar;
        NDArray gb = output.grad() == null || gradBar == null ? null : flat ? gradBar.squeeze(0) : gradBar;
        NDArray hb = output.hess() == null || hessBar == null ? null : flat ? hessBar.squeeze(0) : hessBar;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer l = layers.get(i);
            if (l.activated()) {
                NDArray[] bars = tanhBackward(l, vb, gb, hb);
                vb = bars[0];
                gb = bars[1];
                hb = bars[2];
            }
            gb = l.da() == null ? null : reduceToShapeOf(gb, l.da());
            hb = l.dda() == null ? null : reduceToShapeOf(hb, l.dda());
            affineBackward(l, vb, gb, hb);
            if (i > 0) {
                NDArray wt = params.get(l.index()).transpose();
                vb = vb == null ? null : vb.matMul(wt);
                gb = gb == null ? null : gb.matMul(wt);
                hb = hb == null ? null : hb.matMul(wt);
            }
        }
    }

    /**
     * The bars of z, z', z'' from those of t, g, h (any may be null: that component was not read). They are
     * this pass's own temporaries (products with the next layer's W^T: the output layer is never activated),
     * so this overwrites them once it has read them.
     */
    private NDArray[] tanhBackward(Layer l, NDArray tb, NDArray gb, NDArray hb) {
        NDArray t = l.t();
        NDArray s = l.s();
        NDArray dz = l.dz();
        NDArray ddz = l.ddz();
        NDArray ddzb = ddz == null || hb == null ? null : hb.mul(s);
        NDArray dzb = null;
        NDArray inner = null;
        NDArray curvature = null;
        if (dz != null) {
            NDArray p = hb == null ? null : hb.mul(dz);
            if (p != null) {
                // s (gbar - 4 t z' hbar), and sum_k z'^2 hbar for the value's bar
                curvature = Tensors.sumDirections(p.mul(dz));
                dzb = p.muli(t).muli(c.of(-4.0));
                if (gb != null) {
                    dzb.addi(gb);
                }
                dzb.muli(s);
            } else if (gb != null) {
                dzb = gb.mul(s);
            }
            inner = gb == null ? null : gb.muli(dz);
        }
        if (ddz != null && hb != null) {
            NDArray q = hb.muli(ddz);
            inner = inner == null ? q : inner.addi(q);
        }
        NDArray acc = null;
        if (inner != null) {
            acc = Tensors.sumDirections(inner).muli(t).muli(c.of(-2.0));
        }
        if (curvature != null) {
            NDArray term = s.mul(c.of(-6.0)).addi(c.of(4.0)).muli(curvature);
            acc = acc == null ? term : acc.addi(term);
        }
        if (tb != null) {
            acc = acc == null ? tb : acc.addi(tb);
        }
        NDArray zb = acc == null ? null : acc.muli(s);
        return new NDArray[] {zb, dzb, ddzb};
    }

    /** Adds Wbar and bbar of layer {@code l} to its parameters' gradients. */
    private void affineBackward(Layer l, NDArray zb, NDArray dzb, NDArray ddzb) {
        NDArray gw = null;
        if (zb != null) {
            gw = l.a().transpose().matMul(zb);
        }
        gw = Tensors.addInPlace(gw, l.identity() ? identityProduct(dzb) : flatProduct(l.da(), dzb));
        gw = Tensors.addInPlace(gw, flatProduct(l.dda(), ddzb));
        NDArray w = params.get(l.index());
        if (gw != null) {
            Autograd.accumulate(w, gw, c);
        }
        if (zb != null) {
            Autograd.accumulate(params.get(l.index() + 1), zb.sum(new int[] {0}), c);
        }
    }

    /**
     * sum_k x_k^T y_k for x [d, P, n], y [d, P, m] (P the points, or 1), as one [n, m] product; x^T y for
     * 2D x [P, n], y [P, m].
     */
    private static NDArray flatProduct(NDArray x, NDArray y) {
        if (x == null || y == null) {
            return null;
        }
        if (x.getShape().dimension() == 2) {
            return x.transpose().matMul(y);
        }
        long n = x.getShape().get(x.getShape().dimension() - 1);
        long m = y.getShape().get(y.getShape().dimension() - 1);
        return x.reshape(-1, n).transpose().matMul(y.reshape(-1, m));
    }

    /**
     * sum_k e_k^T y_k = y laid out as [d, m], for the identity jet x ([d, 1, d], or [1, 1] held flat) and the bar
     * y [d, 1, m] (or [1, m]) of a point-independent component: the rows of y.
     */
    private static NDArray identityProduct(NDArray y) {
        if (y == null) {
            return null;
        }
        return y.getShape().dimension() == 2 ? y : y.squeeze(1);
    }

    /**
     * A bar of a [d, B, n] (or flat [B, n]) component summed over the points when the component itself was
     * point-independent ([d, 1, n] or [1, n]): broadcasting in the forward pass is a sum in the reverse pass.
     */
    private static NDArray reduceToShapeOf(NDArray bar, NDArray component) {
        if (bar == null) {
            return null;
        }
        int points = component.getShape().dimension() - 2;
        if (component.getShape().get(points) == 1 && bar.getShape().get(points) != 1) {
            return bar.sum(new int[] {points}, true);
        }
        return bar;
    }
}
