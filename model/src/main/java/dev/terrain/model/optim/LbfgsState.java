package dev.terrain.model.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Lbfgs}'s state and its form as named flat vectors, for checkpoints. With n parameters and k
 * pairs in the history: "s" and "y" hold s_1..s_k and y_1..y_k (PyTorch's old_stps, old_dirs), oldest
 * first, k n values each; "ro" k values; "d" and "prev_flat_grad" n values (none before the first
 * iteration); "t", "H_diag", "prev_loss", "n_iter" and "func_evals" one value each (t, H_diag and
 * prev_loss NaN before the first iteration). Every array is copied on the way in and out.
 */
record LbfgsState(List<double[]> oldStps, List<double[]> oldDirs, List<Double> ro, double[] d, double t,
                  double hDiag, double[] prevFlatGrad, double prevLoss, long nIter, long funcEvals) {
    private static final double[] NONE = new double[0];

    static Map<String, double[]> write(LbfgsState s) {
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("s", concat(s.oldStps()));
        out.put("y", concat(s.oldDirs()));
        double[] ro = new double[s.ro().size()];
        for (int i = 0; i < ro.length; i++) {
            ro[i] = s.ro().get(i);
        }
        out.put("ro", ro);
        out.put("d", s.d() == null ? NONE.clone() : s.d().clone());
        out.put("t", new double[] {s.t()});
        out.put("H_diag", new double[] {s.hDiag()});
        out.put("prev_flat_grad", s.prevFlatGrad() == null ? NONE.clone() : s.prevFlatGrad().clone());
        out.put("prev_loss", new double[] {s.prevLoss()});
        out.put("n_iter", new double[] {s.nIter()});
        out.put("func_evals", new double[] {s.funcEvals()});
        return out;
    }

    static LbfgsState read(Map<String, double[]> in, int historySize) {
        double[] d = entry(in, "d");
        int n = d.length;
        double[] ro = entry(in, "ro");
        if (ro.length > historySize) {
            throw new IllegalArgumentException("lbfgs state 'ro' has " + ro.length
                    + " values, more than historySize " + historySize);
        }
        double[] s = sized(in, "s", ro.length * n);
        double[] y = sized(in, "y", ro.length * n);
        double[] prev = sized(in, "prev_flat_grad", n);
        long nIter = count(in, "n_iter");
        if (n == 0 && (nIter > 0 || ro.length > 0)) {
            throw new IllegalArgumentException("lbfgs state 'd' is empty but 'n_iter' is " + nIter
                    + " and 'ro' has " + ro.length + " values");
        }
        List<Double> roList = new ArrayList<>();
        for (double v : ro) {
            roList.add(v);
        }
        return new LbfgsState(split(s, n), split(y, n), roList, n == 0 ? null : d.clone(),
                scalar(in, "t"), scalar(in, "H_diag"), n == 0 ? null : prev.clone(), scalar(in, "prev_loss"),
                nIter, count(in, "func_evals"));
    }

    private static double[] entry(Map<String, double[]> in, String name) {
        double[] v = in.get(name);
        if (v == null) {
            throw new IllegalArgumentException("lbfgs state lacks '" + name + "'");
        }
        return v;
    }

    private static double[] sized(Map<String, double[]> in, String name, int size) {
        double[] v = entry(in, name);
        if (v.length != size) {
            throw new IllegalArgumentException("lbfgs state '" + name + "' has " + v.length
                    + " values, expected " + size);
        }
        return v;
    }

    private static double scalar(Map<String, double[]> in, String name) {
        return sized(in, name, 1)[0];
    }

    private static long count(Map<String, double[]> in, String name) {
        double v = scalar(in, name);
        if (!(v >= 0) || v != Math.rint(v)) {
            throw new IllegalArgumentException("lbfgs state '" + name + "' must be a count, got " + v);
        }
        return (long) v;
    }

    private static double[] concat(List<double[]> vectors) {
        int n = vectors.isEmpty() ? 0 : vectors.get(0).length;
        double[] out = new double[vectors.size() * n];
        for (int i = 0; i < vectors.size(); i++) {
            System.arraycopy(vectors.get(i), 0, out, i * n, n);
        }
        return out;
    }

    private static List<double[]> split(double[] flat, int n) {
        List<double[]> out = new ArrayList<>();
        for (int at = 0; n > 0 && at < flat.length; at += n) {
            out.add(Arrays.copyOfRange(flat, at, at + n));
        }
        return out;
    }
}
