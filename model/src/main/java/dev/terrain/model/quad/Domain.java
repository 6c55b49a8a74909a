package dev.terrain.model.quad;

import java.util.Arrays;

/** The geometry a problem is posed on: an axis-aligned box or a ball centred at the origin. */
public sealed interface Domain {
    int dim();

    /** Lebesgue measure of the domain. */
    double volume();

    /** The box prod_i [lo_i, hi_i]. */
    record Box(double[] lo, double[] hi) implements Domain {
        public Box {
            if (lo.length != hi.length || lo.length == 0) {
                throw new IllegalArgumentException("box bounds must have the same positive length");
            }
            for (int i = 0; i < lo.length; i++) {
                if (!(hi[i] > lo[i])) {
                    throw new IllegalArgumentException("box side " + i + " is empty: [" + lo[i] + ", " + hi[i] + "]");
                }
            }
            lo = lo.clone();
            hi = hi.clone();
        }

        /** The unit cube (0, 1)^d. */
        public static Box unit(int d) {
            double[] hi = new double[d];
            Arrays.fill(hi, 1.0);
            return new Box(new double[d], hi);
        }

        /** The cube (a, b)^d. */
        public static Box cube(int d, double a, double b) {
            double[] lo = new double[d];
            double[] hi = new double[d];
            Arrays.fill(lo, a);
            Arrays.fill(hi, b);
            return new Box(lo, hi);
        }

        @Override
        public int dim() {
            return lo.length;
        }

        @Override
        public double volume() {
            double v = 1;
            for (int i = 0; i < lo.length; i++) {
                v *= hi[i] - lo[i];
            }
            return v;
        }

        /** Measure of the face where coordinate {@code axis} is fixed (1 in 1D: a point). */
        public double faceArea(int axis) {
            return volume() / (hi[axis] - lo[axis]);
        }
    }

    /** The ball |x| < radius in R^dim. */
    record Ball(int dim, double radius) implements Domain {
        public Ball {
            if (dim < 1 || !(radius > 0)) {
                throw new IllegalArgumentException("ball needs dim >= 1 and radius > 0");
            }
        }

        @Override
        public double volume() {
            return Math.pow(Math.PI, dim / 2.0) / gamma(dim / 2.0 + 1) * Math.pow(radius, dim);
        }

        /** Surface measure of the sphere |x| = radius. */
        public double surface() {
            return dim * volume() / radius;
        }

        private static double gamma(double x) {
            // x is a positive integer or half-integer here.
            if (x == 0.5) {
                return Math.sqrt(Math.PI);
            }
            if (x == 1.0) {
                return 1.0;
            }
            return (x - 1) * gamma(x - 1);
        }
    }
}
