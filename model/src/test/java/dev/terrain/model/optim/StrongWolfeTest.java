package dev.terrain.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The line search against PyTorch's own {@code torch.optim.lbfgs._strong_wolfe} (torch 2.13.0, float64),
 * called on one-dimensional functions from x0 along d = +-1. The cases were picked so that together they
 * take every branch: acceptance in the bracketing phase, extrapolation, the bracket closed by the Armijo
 * test, by a rise after two extrapolations (ramp: f(10) = -0.5 &gt; f(1) = -1 although the slope is -1
 * at both; wiggle from -0.7 at t = 0.2, where the slope has turned positive too; but not low ramp's rise
 * after one extrapolation, which PyTorch lets pass) and by a positive slope, the
 * zoom's two updates, its insufficient-progress guard, the bracket-too-small exit (toleranceChange 0.3)
 * and the exhausted evaluation budget (maxLs 2). Trials agree to 1e-9 relative, not to the last bit:
 * interpolating between t = 0.2 and 0.202 divides the rounding of f (Java's and libm's sine) by 0.002.
 */
class StrongWolfeTest {
    /** (x^2 - 1)^2 + 0.3 sin(5x). */
    static final DoubleUnaryOperator WIGGLE = x -> (x * x - 1) * (x * x - 1) + 0.3 * Math.sin(5 * x);
    static final DoubleUnaryOperator WIGGLE_SLOPE = x -> 4 * x * (x * x - 1) + 1.5 * Math.cos(5 * x);
    /** 0.01 (x - 3)^2 + 0.05 sin(7x). */
    static final DoubleUnaryOperator BUMPY = x -> 0.01 * (x - 3) * (x - 3) + 0.05 * Math.sin(7 * x);
    static final DoubleUnaryOperator BUMPY_SLOPE = x -> 0.02 * (x - 3) + 0.35 * Math.cos(7 * x);
    /** -x + 9.5 smoothstep(x - 4.5): slope -1 except on [4.5, 5.5], where it climbs by 9.5. */
    static final DoubleUnaryOperator RAMP = x -> {
        double u = Math.min(Math.max(x - 4.5, 0), 1);
        return -x + 9.5 * (3 * u * u - 2 * u * u * u);
    };
    static final DoubleUnaryOperator RAMP_SLOPE = x -> {
        double u = Math.min(Math.max(x - 4.5, 0), 1);
        return -1 + 9.5 * (6 * u - 6 * u * u);
    };
    /** 0.01 x^2 - x + 0.94 smoothstep((x - 0.45) / 0.1): f(1) = -0.05 &gt; f(0.1) = -0.0999, slope -0.98. */
    static final DoubleUnaryOperator LOW_RAMP = x -> {
        double u = Math.min(Math.max((x - 0.45) / 0.1, 0), 1);
        return 0.01 * x * x - x + 0.94 * (3 * u * u - 2 * u * u * u);
    };
    static final DoubleUnaryOperator LOW_RAMP_SLOPE = x -> {
        double u = Math.min(Math.max((x - 0.45) / 0.1, 0), 1);
        return 0.02 * x - 1 + 0.94 * (6 * u - 6 * u * u) / 0.1;
    };
    /** x^4 - 3x^2 + x. */
    static final DoubleUnaryOperator QUARTIC = x -> x * x * x * x - 3 * x * x + x;
    static final DoubleUnaryOperator QUARTIC_SLOPE = x -> 4 * x * x * x - 6 * x + 1;

    @ParameterizedTest(name = "{0} from {1} along {2}, t0 {3}, toleranceChange {4}, maxLs {5}")
    @CsvSource({
        "wiggle, -0.7, -1.0, 0.2, 0.3, 25, 0.2 0.202 0.5734997335110786 0.41862794373505435,"
                + " 0.41862794373505435, 0.2541377055561151",
        "wiggle, -0.7, -1.0, 0.2, 1e-09, 25, 0.2 0.202 0.5734997335110786 0.41862794373505435 0.42381172807234946,"
                + " 0.42381172807234946, 0.2540556721952519",
        "bumpy, -0.7, 1.0, 0.2, 0.3, 25, 0.2 0.6892707138840162 0.5336703865130072 0.5087009802701266"
                + " 0.4778308822431139, 0.5087009802701266, 0.05318005962209664",
        "wiggle, -2.0, 1.0, 0.2, 1e-09, 25, 0.2, 0.2, 4.893964454427474",
        "wiggle, -0.7, -1.0, 0.5, 0.3, 25, 0.5 0.38915721954297, 0.38915721954297, 0.2575654741410361",
        "wiggle, -2.0, 1.0, 0.0001, 1e-09, 2, 0.0001 0.001 0.01, 0.01, 8.912613548453761",
        "ramp, 0.0, 1.0, 0.1, 1e-09, 25, 0.1 1.0 10.0 2.7686035959990223 3.8467781493118336 4.604279517369981"
                + " 4.3872121348077275 4.508425557979206, 4.508425557979206, -4.506413706683491",
        "lowramp, 0.0, 1.0, 0.1, 1e-09, 25, 0.1 1.0 1.009 10.09, 10.09, -8.131919",
        "quartic, -1.3, -1.0, 3.0, 1e-09, 25, 3.0 0.11385121197914039 0.011385121197914039 0.0008395779552114544,"
                + " 0.0008395779552114544, -3.5139050389347886"})
    void triesWhatPyTorchTries(String fn, double x0, double d, double t0, double toleranceChange, int maxLs,
                               String trials, double acceptedT, double acceptedF) {
        DoubleUnaryOperator f = switch (fn) {
            case "wiggle" -> WIGGLE;
            case "bumpy" -> BUMPY;
            case "ramp" -> RAMP;
            case "lowramp" -> LOW_RAMP;
            default -> QUARTIC;
        };
        DoubleUnaryOperator slope = switch (fn) {
            case "wiggle" -> WIGGLE_SLOPE;
            case "bumpy" -> BUMPY_SLOPE;
            case "ramp" -> RAMP_SLOPE;
            case "lowramp" -> LOW_RAMP_SLOPE;
            default -> QUARTIC_SLOPE;
        };
        List<Double> tried = new ArrayList<>();
        StrongWolfe.Directional phi = (t, grad) -> {
            tried.add(t);
            grad[0] = slope.applyAsDouble(x0 + t * d);
            return f.applyAsDouble(x0 + t * d);
        };
        double[] g = {slope.applyAsDouble(x0)};
        StrongWolfe.Result r = StrongWolfe.search(phi, g, new double[] {d}, f.applyAsDouble(x0), g[0] * d, t0, maxLs,
                toleranceChange);

        String[] expected = trials.split(" ");
        assertThat(tried).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            double want = Double.parseDouble(expected[i]);
            assertThat(tried.get(i)).as("trial %d", i).isCloseTo(want, within(1e-9 * Math.abs(want)));
        }
        assertThat(r.evaluations()).isEqualTo(expected.length);
        assertThat(r.t()).isCloseTo(acceptedT, within(1e-9 * acceptedT));
        assertThat(r.loss()).isCloseTo(acceptedF, within(1e-9 * Math.abs(acceptedF)));
        assertThat(r.grad()[0]).isEqualTo(slope.applyAsDouble(x0 + r.t() * d));
    }

    @Test
    void cubicInterpolationFindsTheMinimumOfACubic() {
        // p(x) = x^3 - 3x has its local minimum at x = 1; p(0) = 0, p'(0) = -3, p(2) = 2, p'(2) = 9.
        assertThat(StrongWolfe.cubicInterpolate(0, 0, -3, 2, 2, 9)).isCloseTo(1, within(1e-15));
        assertThat(StrongWolfe.cubicInterpolate(2, 2, 9, 0, 0, -3)).isCloseTo(1, within(1e-15));
        // Clamped to the bounds given, and to [x1, x2] without them.
        assertThat(StrongWolfe.cubicInterpolate(0, 0, -3, 2, 2, 9, 1.5, 4)).isEqualTo(1.5);
        assertThat(StrongWolfe.cubicInterpolate(0, 0, -3, 0.5, 0.125 - 1.5, 0.75 - 3)).isEqualTo(0.5);
        // The quadratic 10 (1 - t)^2 seen at 0 and 0.05: the cubic is exact, minimum at 1.
        assertThat(StrongWolfe.cubicInterpolate(0, 10, -20, 0.05, 9.025, -19, 0, 100)).isCloseTo(1, within(1e-12));
        // No real minimiser (d1 = 0.2, d1^2 < g1 g2 = 1): the middle of the bounds.
        assertThat(StrongWolfe.cubicInterpolate(0, 0, 1, 1, 0.6, 1, 0, 3)).isEqualTo(1.5);
    }
}
