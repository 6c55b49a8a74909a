package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

/** LSGD's least-squares solve against closed forms: normal equations, rank deficiency, underdetermined. */
class MinimumNormTest {
    private static DMatrixRMaj random(int m, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = rng.nextDouble(-1, 1);
        }
        return a;
    }

    @Test
    void fullRankTallSystemMatchesTheNormalEquations() {
        DMatrixRMaj a = random(40, 6, 1);
        DMatrixRMaj b = random(40, 1, 2);
        DMatrixRMaj x = LeastSquaresHead.minimumNorm(a, b);
        DMatrixRMaj ata = new DMatrixRMaj(6, 6);
        CommonOps_DDRM.multTransA(a, a, ata);
        DMatrixRMaj atb = new DMatrixRMaj(6, 1);
        CommonOps_DDRM.multTransA(a, b, atb);
        DMatrixRMaj expected = new DMatrixRMaj(6, 1);
        CommonOps_DDRM.solve(ata, atb, expected);
        for (int i = 0; i < 6; i++) {
            assertThat(x.get(i)).isCloseTo(expected.get(i), within(1e-12));
        }
    }

    @Test
    void duplicatedColumnsShareTheWeightEqually() {
        // columns 0 and 1 are equal: every x0 + x1 = c fits; the minimum-norm one has x0 = x1 = c / 2.
        DMatrixRMaj base = random(30, 2, 3);
        DMatrixRMaj a = new DMatrixRMaj(30, 3);
        for (int i = 0; i < 30; i++) {
            a.set(i, 0, base.get(i, 0));
            a.set(i, 1, base.get(i, 0));
            a.set(i, 2, base.get(i, 1));
        }
        DMatrixRMaj b = new DMatrixRMaj(30, 1);
        for (int i = 0; i < 30; i++) {
            b.set(i, 0, 3.0 * base.get(i, 0) - 2.0 * base.get(i, 1));
        }
        DMatrixRMaj x = LeastSquaresHead.minimumNorm(a, b);
        assertThat(x.get(0)).isCloseTo(1.5, within(1e-10));
        assertThat(x.get(1)).isCloseTo(1.5, within(1e-10));
        assertThat(x.get(2)).isCloseTo(-2.0, within(1e-10));
    }

    @Test
    void underdeterminedSystemGivesTheMinimumNormInterpolant() {
        DMatrixRMaj a = random(3, 7, 4);
        DMatrixRMaj b = random(3, 1, 5);
        DMatrixRMaj x = LeastSquaresHead.minimumNorm(a, b);
        // x = A^T (A A^T)^-1 b
        DMatrixRMaj aat = new DMatrixRMaj(3, 3);
        CommonOps_DDRM.multTransB(a, a, aat);
        DMatrixRMaj y = new DMatrixRMaj(3, 1);
        CommonOps_DDRM.solve(aat, b, y);
        DMatrixRMaj expected = new DMatrixRMaj(7, 1);
        CommonOps_DDRM.multTransA(a, y, expected);
        for (int i = 0; i < 7; i++) {
            assertThat(x.get(i)).isCloseTo(expected.get(i), within(1e-12));
        }
    }
}
