package dev.terrain.model.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.junit.jupiter.api.Test;

/**
 * The eigen-solvers on exact operators H = Q diag(lambda) Q^T with a random orthogonal Q (no finite
 * differences): Lanczos' top-k and the power method against the known lambda to 1e-10 relative, the
 * multiplicity of repeated eigenvalues, and V(k) defined and undefined.
 */
class HessianLanczosTest {
    static double[][] rotated(double[] lambda, long seed) {
        int n = lambda.length;
        SplittableRandom rng = new SplittableRandom(seed);
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int i = 0; i < n * n; i++) {
            g.data[i] = HessianProbe.gaussian(rng);
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(n, n);
        qr.decompose(g);
        DMatrixRMaj q = qr.getQ(null, false);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < n; l++) {
                    s += q.get(i, l) * lambda[l] * q.get(j, l);
                }
                a[i][j] = s;
            }
        }
        return a;
    }

    @Test
    void topKOfAKnownSpectrumWithARepeatedEigenvalue() {
        int n = 60;
        double[] lambda = new double[n];
        lambda[0] = 50;
        lambda[1] = 20;
        lambda[2] = 20;
        lambda[3] = 7;
        for (int i = 4; i < n; i++) {
            lambda[i] = 3.0 * Math.pow(0.8, i) - (i % 5 == 0 ? 1 : 0);
        }
        HessianOperator h = HessianOperator.ofMatrix(rotated(lambda, 4));
        HessianResult r = HessianProbe.run(h, HessianSettings.defaults(4).withLanczosTolerance(0).withLanczosSteps(40));
        double[] top = r.lanczos().eigenvalues();
        System.out.printf("exact operator: Lanczos %s in %d steps, power %.12g in %d iterations%n",
                java.util.Arrays.toString(top), r.lanczos().steps(), r.power().eigenvalue(), r.power().iterations());
        assertThat(top[0]).isCloseTo(50, offset(1e-10 * 50));
        assertThat(top[1]).isCloseTo(20, offset(1e-10 * 50));
        assertThat(top[2]).as("the second copy of 20").isCloseTo(20, offset(1e-10 * 50));
        assertThat(top[3]).isCloseTo(7, offset(1e-10 * 50));
        for (double res : r.lanczos().residuals()) {
            assertThat(res).isLessThan(1e-8);
        }
        assertThat(r.power().converged()).isTrue();
        assertThat(r.power().eigenvalue()).isCloseTo(50, offset(1e-9 * 50));
        assertThat(r.index().value()).isCloseTo(Math.log10(50.0 * 20 * 20 * 7), offset(1e-10));
    }

    @Test
    void exhaustedKrylovSpacesRestartAndKeepMultiplicities() {
        double[] lambda = {4, 4, 4, 1, 1, 1, 1, 1};
        HessianOperator h = HessianOperator.ofMatrix(rotated(lambda, 8));
        HessianResult.Lanczos l = HessianProbe.lanczos(h, HessianSettings.defaults(8));
        assertThat(l.steps()).isEqualTo(8);
        assertThat(l.restarts()).isGreaterThanOrEqualTo(3);
        for (int i = 0; i < 8; i++) {
            assertThat(l.eigenvalues()[i]).isCloseTo(lambda[i], offset(1e-12 * 4));
        }
    }

    @Test
    void indexIsUndefinedAndFlaggedForNonPositiveEigenvalues() {
        double[] lambda = {5, 2, 0, -1, -3};
        HessianResult r = HessianProbe.run(HessianOperator.ofMatrix(rotated(lambda, 2)), HessianSettings.defaults(4));
        assertThat(r.lanczos().eigenvalues()).hasSize(4);
        assertThat(r.index().defined()).isFalse();
        assertThat(r.index().value()).isNaN();
        assertThat(r.index().nonPositive()).containsExactly(3, 4);
        assertThat(r.index().why()).contains("i = [3, 4]");
        assertThat(HessianProbe.eigenvalueIndex(new double[] {100, 10, 1}, 2).value()).isCloseTo(3, offset(1e-15));
        // Power method: the largest magnitude, even when it is negative.
        HessianResult.Power p = HessianProbe.powerIteration(HessianOperator.ofMatrix(rotated(new double[] {2, 1, -6}, 3)),
                HessianSettings.defaults(1));
        assertThat(p.eigenvalue()).isCloseTo(-6, offset(1e-8));
    }

    @Test
    void settingsAndKAreValidated() {
        HessianOperator h = HessianOperator.ofMatrix(new double[][] {{1, 0}, {0, 2}});
        assertThatThrownBy(() -> HessianProbe.run(h, HessianSettings.defaults(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, n] with n = 2");
        assertThatThrownBy(() -> HessianSettings.defaults(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HessianSettings.defaults(1).withPower(0, 1e-9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HessianSettings.defaults(1).withPower(10, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HessianSettings.defaults(1).withFdScale(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HessianProbe.eigenvalueIndex(new double[] {1}, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThat(HessianProbe.run(h, HessianSettings.defaults(2)).lanczos().eigenvalues()).containsExactly(new double[] {2.0, 1.0},
                offset(1e-14));
    }
}
