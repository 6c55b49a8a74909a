package dev.terrain.model.optim;

/**
 * Learning-rate schedules (SPEC section 3.5). {@code step} counts from 0.
 */
public sealed interface Schedule {
    double rate(long step);

    /** A fixed rate. */
    record Constant(double lr) implements Schedule {
        @Override
        public double rate(long step) {
            return lr;
        }
    }

    /** Cosine annealing from lr to minLr over {@code steps}: minLr + (lr - minLr)(1 + cos(pi t / T)) / 2. */
    record Cosine(double lr, double minLr, long steps) implements Schedule {
        @Override
        public double rate(long step) {
            double t = Math.min(step, steps);
            return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t / steps));
        }
    }

    /** Step decay: lr * gamma^floor(t / every). */
    record StepDecay(double lr, double gamma, long every) implements Schedule {
        @Override
        public double rate(long step) {
            return lr * Math.pow(gamma, Math.floorDiv(step, every));
        }
    }
}
