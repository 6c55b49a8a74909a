package dev.terrain.model.quad;

import dev.terrain.model.nn.Initializer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Places points in a region of a domain by a rule (SPEC section 3.4). Points are drawn on the Java
 * heap from a {@link SplittableRandom}, so a run's sampling is reproducible and its state is a
 * seed and a counter that a checkpoint can hold.
 */
public final class Sampler {
    private Sampler() {}

    /** {@code n} points (approximately, for grids: the nearest tensor grid) in {@code region}. */
    public static HostPoints sample(Domain domain, Region region, Rule rule, int n, SplittableRandom rng) {
        if (n < 1) {
            throw new IllegalArgumentException("a point set needs at least one point, got " + n);
        }
        if (domain instanceof Domain.Ball ball) {
            if (rule != Rule.MONTE_CARLO) {
                throw new IllegalArgumentException("rule '" + rule.id() + "' is not available in a ball; use monte-carlo");
            }
            if (region instanceof Region.Interior) {
                return ballInterior(ball, n, rng);
            }
            if (region instanceof Region.Boundary) {
                return sphere(ball, n, rng);
            }
            throw new IllegalArgumentException("a ball has no faces; use the boundary region");
        }
        Domain.Box box = (Domain.Box) domain;
        if (region instanceof Region.Interior) {
            return switch (rule) {
                case SIMPSON -> tensor(box, perAxis(n, box.dim(), 3), true);
                case GRID -> tensor(box, perAxis(n, box.dim(), 1), false);
                case MONTE_CARLO -> uniformBox(box.lo(), box.hi(), n, box.volume(), rng);
            };
        }
        List<Region.Face> faces = new ArrayList<>();
        if (region instanceof Region.Boundary) {
            for (int k = 0; k < box.dim(); k++) {
                faces.add(new Region.Face(k, box.lo()[k]));
                faces.add(new Region.Face(k, box.hi()[k]));
            }
        } else if (region instanceof Region.Face f) {
            faces.add(f);
        } else {
            faces.addAll(List.of(((Region.Faces) region).faces()));
        }
        return faces(box, faces, rule, n, rng);
    }

    private static int perAxis(int n, int d, int min) {
        return Math.max(min, (int) Math.round(Math.pow(n, 1.0 / d)));
    }

    /** Tensor product of Simpson (or midpoint) rules, m points per axis. */
    static HostPoints tensor(Domain.Box box, int m, boolean simpson) {
        int d = box.dim();
        double[][] nodes = new double[d][];
        double[][] weights = new double[d][];
        for (int k = 0; k < d; k++) {
            double a = box.lo()[k];
            double b = box.hi()[k];
            if (simpson) {
                nodes[k] = Simpson.nodes(m, a, b);
                weights[k] = Simpson.weights(m, a, b);
            } else {
                nodes[k] = new double[m];
                weights[k] = new double[m];
                for (int j = 0; j < m; j++) {
                    nodes[k][j] = a + (j + 0.5) * (b - a) / m;
                    weights[k][j] = (b - a) / m;
                }
            }
        }
        int n = Math.toIntExact(Math.round(Math.pow(m, d)));
        double[] x = new double[n * d];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            int rest = i;
            double wi = 1;
            for (int k = d - 1; k >= 0; k--) {
                int j = rest % m;
                rest /= m;
                x[i * d + k] = nodes[k][j];
                wi *= weights[k][j];
            }
            w[i] = wi;
        }
        return new HostPoints(n, d, x, w);
    }

    static HostPoints uniformBox(double[] lo, double[] hi, int n, double measure, SplittableRandom rng) {
        int d = lo.length;
        double[] x = new double[n * d];
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                x[i * d + k] = lo[k] + (hi[k] - lo[k]) * rng.nextDouble();
            }
            w[i] = measure / n;
        }
        return new HostPoints(n, d, x, w);
    }

    /** Points on the given faces; each face gets a share of n proportional to its area. */
    private static HostPoints faces(Domain.Box box, List<Region.Face> faces, Rule rule, int n, SplittableRandom rng) {
        int d = box.dim();
        double total = 0;
        for (Region.Face f : faces) {
            if (f.axis() < 0 || f.axis() >= d) {
                throw new IllegalArgumentException("face axis " + f.axis() + " outside dimension " + d);
            }
            if (f.value() != box.lo()[f.axis()] && f.value() != box.hi()[f.axis()]) {
                throw new IllegalArgumentException("face " + f.axis() + " = " + f.value() + " is not a side of the box ["
                        + box.lo()[f.axis()] + ", " + box.hi()[f.axis()] + "]");
            }
            total += box.faceArea(f.axis());
        }
        List<HostPoints> parts = new ArrayList<>();
        for (Region.Face f : faces) {
            double area = box.faceArea(f.axis());
            double[] lo = box.lo().clone();
            double[] hi = box.hi().clone();
            lo[f.axis()] = f.value();
            hi[f.axis()] = f.value();
            if (d == 1) {
                parts.add(new HostPoints(1, 1, new double[] {f.value()}, new double[] {1.0}));
                continue;
            }
            int share = Math.max(1, (int) Math.round(n * area / total));
            if (rule == Rule.MONTE_CARLO) {
                parts.add(uniformBox(lo, hi, share, area, rng));
            } else {
                parts.add(faceGrid(box, f, share));
            }
        }
        return concat(parts, d);
    }

    private static HostPoints faceGrid(Domain.Box box, Region.Face f, int n) {
        int d = box.dim();
        double[] lo = new double[d - 1];
        double[] hi = new double[d - 1];
        for (int k = 0, j = 0; k < d; k++) {
            if (k != f.axis()) {
                lo[j] = box.lo()[k];
                hi[j] = box.hi()[k];
                j++;
            }
        }
        HostPoints g = tensor(new Domain.Box(lo, hi), perAxis(n, d - 1, 1), false);
        double[] x = new double[g.n() * d];
        for (int i = 0; i < g.n(); i++) {
            for (int k = 0, j = 0; k < d; k++) {
                x[i * d + k] = k == f.axis() ? f.value() : g.x()[i * (d - 1) + j++];
            }
        }
        return new HostPoints(g.n(), d, x, g.w());
    }

    static HostPoints ballInterior(Domain.Ball ball, int n, SplittableRandom rng) {
        int d = ball.dim();
        double[] x = new double[n * d];
        double[] w = new double[n];
        double[] dir = new double[d];
        for (int i = 0; i < n; i++) {
            double r = ball.radius() * Math.pow(rng.nextDouble(), 1.0 / d);
            unitVector(dir, rng);
            for (int k = 0; k < d; k++) {
                x[i * d + k] = r * dir[k];
            }
            w[i] = ball.volume() / n;
        }
        return new HostPoints(n, d, x, w);
    }

    static HostPoints sphere(Domain.Ball ball, int n, SplittableRandom rng) {
        int d = ball.dim();
        double[] x = new double[n * d];
        double[] w = new double[n];
        double[] dir = new double[d];
        for (int i = 0; i < n; i++) {
            unitVector(dir, rng);
            for (int k = 0; k < d; k++) {
                x[i * d + k] = ball.radius() * dir[k];
            }
            w[i] = ball.surface() / n;
        }
        return new HostPoints(n, d, x, w);
    }

    private static void unitVector(double[] dir, SplittableRandom rng) {
        double norm;
        do {
            norm = 0;
            for (int k = 0; k < dir.length; k++) {
                dir[k] = Initializer.gaussian(rng);
                norm += dir[k] * dir[k];
            }
        } while (norm == 0);
        norm = Math.sqrt(norm);
        for (int k = 0; k < dir.length; k++) {
            dir[k] /= norm;
        }
    }

    static HostPoints concat(List<HostPoints> parts, int d) {
        int n = parts.stream().mapToInt(HostPoints::n).sum();
        double[] x = new double[n * d];
        double[] w = new double[n];
        int at = 0;
        for (HostPoints p : parts) {
            System.arraycopy(p.x(), 0, x, at * d, p.n() * d);
            System.arraycopy(p.w(), 0, w, at, p.n());
            at += p.n();
        }
        return new HostPoints(n, d, x, w);
    }
}
