package dev.terrain.model.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * L-BFGS on host vectors, a port of PyTorch's {@code torch.optim.LBFGS.step(closure)}
 * ({@code torch/optim/lbfgs.py} as of torch 2.13; PyTorch is copyright Facebook, Inc. and its contributors
 * and licensed under the BSD 3-clause licence; its code follows Mark Schmidt's minFunc). The search
 * direction is the two-loop recursion of Nocedal and Wright, Numerical Optimization (2nd ed.),
 * Algorithm 7.4, over the last {@code historySize} pairs s = t d, y = g_new - g_old with s&middot;y &gt;
 * 1e-10, scaled by H_diag = s&middot;y / y&middot;y; the step length comes from the strong-Wolfe line
 * search of Algorithms 3.5 and 3.6 ({@link StrongWolfe}) or is the fixed t = lr.
 *
 * <p>As in PyTorch, one {@link #step} runs up to {@code maxIter} iterations and {@code maxEval}
 * evaluations (the line search gets what is left of them), and the state (direction, step, history,
 * previous gradient and loss, counters) carries over to the next step: the very first iteration goes down
 * the gradient with t = min(1, 1/|g|_1) lr, every later one, in this step or the next, uses the history.
 * PyTorch's closure evaluates at the parameters it holds; here the function receives the trial point
 * (x + t d in the line search), and {@code x} itself only moves by the accepted t d.
 */
public final class Lbfgs {
    /** s&middot;y at or below this leaves the history unchanged (the pair would spoil the curvature). */
    static final double MIN_CURVATURE = 1e-10;

    /** f(x): returns the loss and writes the gradient into grad (same length as x). */
    @FunctionalInterface
    public interface Function {
        double evaluate(double[] x, double[] grad);
    }

    /**
     * PyTorch's arguments: lr, max_iter and max_eval per step, tolerance_grad on |g|_inf, tolerance_change
     * on g&middot;d, |t d|_inf, the change of the loss and the line-search bracket, history_size, and
     * line_search_fn "strong_wolfe" (true) or None (false).
     */
    public record Settings(double lr, int maxIter, int maxEval, double toleranceGrad, double toleranceChange,
                           int historySize, boolean strongWolfe) {
        public Settings {
            if (!(lr > 0)) {
                throw new IllegalArgumentException("lbfgs.lr must be positive, got " + lr);
            }
            atLeastOne("maxIter", maxIter);
            atLeastOne("maxEval", maxEval);
            atLeastOne("historySize", historySize);
            nonNegative("toleranceGrad", toleranceGrad);
            nonNegative("toleranceChange", toleranceChange);
        }

        /** PyTorch's defaults, with the strong-Wolfe line search on (PyTorch's default is none). */
        public static Settings defaults() {
            return new Settings(1, 20, defaultMaxEval(20), 1e-7, 1e-9, 100, true);
        }

        /** PyTorch's default max_eval: max_iter * 5 // 4. */
        public static int defaultMaxEval(int maxIter) {
            return maxIter * 5 / 4;
        }

        private static void atLeastOne(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException("lbfgs." + name + " must be at least 1, got " + value);
            }
        }

        private static void nonNegative(String name, double value) {
            if (!(value >= 0)) {
                throw new IllegalArgumentException("lbfgs." + name + " must be non-negative, got " + value);
            }
        }
    }

    private final Settings settings;
    /** PyTorch's old_stps (s_i) and old_dirs (y_i), oldest first, and ro_i = 1 / (y_i . s_i). */
    private final List<double[]> oldStps = new ArrayList<>();
    private final List<double[]> oldDirs = new ArrayList<>();
    private final List<Double> ro = new ArrayList<>();
    private double[] d;
    private double t = Double.NaN;
    private double hDiag = Double.NaN;
    private double[] prevFlatGrad;
    private double prevLoss = Double.NaN;
    private long nIter;
    private long funcEvals;

    public Lbfgs(Settings settings) {
        this.settings = settings;
    }

    /**
     * One PyTorch-style step: up to maxIter iterations from x (updated in place). Returns the loss at the
     * x the step started from (PyTorch's orig_loss).
     */
    public double step(double[] x, Function f) {
        if (d != null && d.length != x.length) {
            throw new IllegalArgumentException("lbfgs state is for " + d.length + " parameters, x has " + x.length);
        }
        double[] flatGrad = new double[x.length];
        double origLoss = f.evaluate(x, flatGrad);
        double loss = origLoss;
        int currentEvals = 1;
        funcEvals++;
        boolean optCond = Vectors.maxAbs(flatGrad) <= settings.toleranceGrad();
        if (optCond) {
            return origLoss;
        }
        int iter = 0;
        while (iter < settings.maxIter()) {
            iter++;
            nIter++;
            d = nIter == 1 ? firstDirection(flatGrad) : lbfgsDirection(flatGrad);
            prevFlatGrad = flatGrad.clone();
            prevLoss = loss;
            t = nIter == 1
                    ? StrongWolfe.pyMin(1.0, 1.0 / Vectors.sumAbs(flatGrad)) * settings.lr()
                    : settings.lr();
            double gtd = Vectors.dot(flatGrad, d);
            if (gtd > -settings.toleranceChange()) {
                break;
            }
            int lsEvals = 0;
            if (settings.strongWolfe()) {
                // PyTorch since its pull request 135026 (2024): the search gets what is left of maxEval.
                StrongWolfe.Result r = lineSearch(x, f, flatGrad, loss, gtd, settings.maxEval() - currentEvals);
                loss = r.loss();
                flatGrad = r.grad();
                t = r.t();
                lsEvals = r.evaluations();
                Vectors.addScaled(x, t, d);
                optCond = Vectors.maxAbs(flatGrad) <= settings.toleranceGrad();
            } else {
                Vectors.addScaled(x, t, d);
                // PyTorch skips the evaluation after the last iteration: with a stochastic loss it is wasted.
                if (iter != settings.maxIter()) {
                    flatGrad = new double[x.length];
                    loss = f.evaluate(x, flatGrad);
                    optCond = Vectors.maxAbs(flatGrad) <= settings.toleranceGrad();
                    lsEvals = 1;
                }
            }
            currentEvals += lsEvals;
            funcEvals += lsEvals;
            if (iter == settings.maxIter() || currentEvals >= settings.maxEval() || optCond
                    || Vectors.maxAbs(d, t) <= settings.toleranceChange()
                    || Math.abs(loss - prevLoss) < settings.toleranceChange()) {
                break;
            }
        }
        return origLoss;
    }

    private StrongWolfe.Result lineSearch(double[] x, Function f, double[] g, double loss, double gtd, int maxLs) {
        double[] trial = new double[x.length];
        StrongWolfe.Directional phi = (step, grad) -> {
            Vectors.pointOnLine(x, step, d, trial);
            return f.evaluate(trial, grad);
        };
        return StrongWolfe.search(phi, g, d, loss, gtd, t, maxLs, settings.toleranceChange());
    }

    /** Steepest descent, and a fresh history. */
    private double[] firstDirection(double[] flatGrad) {
        oldStps.clear();
        oldDirs.clear();
        ro.clear();
        hDiag = 1;
        return Vectors.scaled(flatGrad, -1);
    }

    /** Records the last pair (s, y) if its curvature is positive, then Algorithm 7.4: d = -H g. */
    private double[] lbfgsDirection(double[] flatGrad) {
        double[] y = Vectors.minus(flatGrad, prevFlatGrad);
        double[] s = Vectors.scaled(d, t);
        double ys = Vectors.dot(y, s);
        if (ys > MIN_CURVATURE) {
            if (oldDirs.size() == settings.historySize()) {
                oldDirs.remove(0);
                oldStps.remove(0);
                ro.remove(0);
            }
            oldDirs.add(y);
            oldStps.add(s);
            ro.add(1.0 / ys);
            hDiag = ys / Vectors.dot(y, y);
        }
        int numOld = oldDirs.size();
        double[] al = new double[numOld];
        double[] q = Vectors.scaled(flatGrad, -1);
        for (int i = numOld - 1; i >= 0; i--) {
            al[i] = Vectors.dot(oldStps.get(i), q) * ro.get(i);
            Vectors.addScaled(q, -al[i], oldDirs.get(i));
        }
        double[] r = Vectors.scaled(q, hDiag);
        for (int i = 0; i < numOld; i++) {
            double be = Vectors.dot(oldDirs.get(i), r) * ro.get(i);
            Vectors.addScaled(r, al[i] - be, oldStps.get(i));
        }
        return r;
    }

    /** Total iterations over all steps (PyTorch's state['n_iter']). */
    public long iterations() {
        return nIter;
    }

    /** Total function evaluations over all steps (PyTorch's state['func_evals']). */
    public long evaluations() {
        return funcEvals;
    }

    /**
     * The whole state as named flat vectors, so that a run can be checkpointed; {@code restore(state())} on
     * a fresh Lbfgs continues bit-identically. With n parameters and k pairs in the history: "s" and "y"
     * (PyTorch's old_stps and old_dirs, oldest first, k n values each), "ro" (k), "d" and "prev_flat_grad"
     * (n, or none before the first iteration), "t", "H_diag", "prev_loss", "n_iter" and "func_evals" (one
     * value each).
     */
    public Map<String, double[]> state() {
        return LbfgsState.write(new LbfgsState(List.copyOf(oldStps), List.copyOf(oldDirs), ro, d, t, hDiag,
                prevFlatGrad, prevLoss, nIter, funcEvals));
    }

    /** Restores {@link #state()}; IllegalArgumentException naming a missing or mis-sized entry. */
    public void restore(Map<String, double[]> state) {
        LbfgsState s = LbfgsState.read(state, settings.historySize());
        oldStps.clear();
        oldStps.addAll(s.oldStps());
        oldDirs.clear();
        oldDirs.addAll(s.oldDirs());
        ro.clear();
        ro.addAll(s.ro());
        d = s.d();
        t = s.t();
        hDiag = s.hDiag();
        prevFlatGrad = s.prevFlatGrad();
        prevLoss = s.prevLoss();
        nIter = s.nIter();
        funcEvals = s.funcEvals();
    }
}
