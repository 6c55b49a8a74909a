package dev.terrain.model.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.terrain.model.quad.HostPoints;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A loss whose Hessian is known in closed form: regression on k = 3 Legendre targets with a network
 * without hidden layers, u = x W + b (W [1, 3], b [3]; theta = (W_0, W_1, W_2, b_0, b_1, b_2)), and
 * J = sum_i wbar_i sum_o (x_i W_o + b_o - t_io)^2 with the weights normalised to sum to one. Then
 * H = 2 [[Sxx I, Sx I], [Sx I, I]] with Sxx = sum wbar x^2, Sx = sum wbar x, whatever theta is;
 * its eigenvalues are those of 2 [[Sxx, Sx], [Sx, 1]], each three times, and
 * V(6) = 3 log10 det(2 [[Sxx, Sx], [Sx, 1]]). The gradient is affine in theta, so central differences
 * are exact up to rounding: tolerance 1e-9 relative.
 */
class HessianClosedFormTest {
    @Test
    void quadraticLossHasTheClosedFormHessianSpectrumAndIndex() {
        try (GradientProbeFixture f = GradientProbeFixture.linearRegression(3)) {
            HostPoints pts = f.host.get("interior");
            double w = pts.weightSum();
            double sx = 0;
            double sxx = 0;
            for (int i = 0; i < pts.n(); i++) {
                double x = pts.coordinate(i, 0);
                sx += pts.w()[i] / w * x;
                sxx += pts.w()[i] / w * x * x;
            }
            int n = 6;
            assertThat(f.n()).isEqualTo(n);
            double[][] exact = new double[n][n];
            for (int o = 0; o < 3; o++) {
                exact[o][o] = 2 * sxx;
                exact[o][o + 3] = 2 * sx;
                exact[o + 3][o] = 2 * sx;
                exact[o + 3][o + 3] = 2;
            }
            double tr = 2 * (sxx + 1);
            double det = 4 * (sxx - sx * sx);
            double disc = Math.sqrt(tr * tr - 4 * det);
            double hi = (tr + disc) / 2;
            double lo = (tr - disc) / 2;
            double[] before = f.params.toFlat();

            // Every column of the FD Hessian is the closed form.
            HessianFiniteDifference op = new HessianFiniteDifference(f.objective, f.batch, Double.NaN).beforeBackward(f.trap());
            double[][] fd = HessianDense.ofOperator(op);
            double err = HessianDense.frobenius(HessianDense.minus(fd, exact)) / HessianDense.frobenius(exact);
            System.out.printf("closed form: Sx %.6f Sxx %.6f, eigenvalues %.9f (x3), %.9f (x3); |H_fd - H| / |H| = %.2e%n",
                    sx, sxx, hi, lo, err);
            assertThat(err).isLessThan(1e-9);

            // Lanczos over the whole space: the Krylov space of one start vector is 2-dimensional here,
            // so the multiplicity needs restarts.
            HessianResult r = new HessianProbe(f.objective, f.batch, HessianSettings.defaults(n)).beforeBackward(f.trap()).run();
            assertThat(r.ok()).isTrue();
            double[] l = r.lanczos().eigenvalues();
            System.out.printf("Lanczos %s (%d restarts), power %.12g, V(6) %.12f vs %.12f%n", Arrays.toString(l),
                    r.lanczos().restarts(), r.power().eigenvalue(), r.index().value(), 3 * Math.log10(det));
            assertThat(r.lanczos().restarts()).isGreaterThanOrEqualTo(2);
            for (int i = 0; i < 3; i++) {
                assertThat(l[i]).isCloseTo(hi, offset(1e-9 * hi));
                assertThat(l[i + 3]).isCloseTo(lo, offset(1e-9 * hi));
            }
            assertThat(r.index().defined()).isTrue();
            assertThat(r.index().value()).isCloseTo(3 * Math.log10(det), offset(1e-8));
            assertThat(r.power().eigenvalue()).isCloseTo(hi, offset(1e-9 * hi));
            assertThat(f.params.toFlat()).isEqualTo(before);
        }
    }
}
