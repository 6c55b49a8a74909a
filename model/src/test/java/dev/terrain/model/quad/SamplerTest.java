package dev.terrain.model.quad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Point sets: Monte Carlo weights sum to the measure of the region (box volume, 4 pi / 3 for the unit
 * 3-ball, 4 pi for its sphere, face areas), points lie where they should (inside the box or ball, on
 * the sphere to 1e-12, on their face exactly), grids have the stated counts, and Monte Carlo
 * estimates of known integrals are within five standard errors.
 */
class SamplerTest {
    static final Offset<Double> EXACT = Offset.offset(1e-12);

    @Test
    void domainMeasures() {
        assertThat(new Domain.Ball(3, 1).volume()).isCloseTo(4 * Math.PI / 3, EXACT);
        assertThat(new Domain.Ball(3, 1).surface()).isCloseTo(4 * Math.PI, EXACT);
        assertThat(new Domain.Ball(2, 2).volume()).isCloseTo(4 * Math.PI, EXACT);
        assertThat(new Domain.Ball(1, 0.5).volume()).isCloseTo(1.0, EXACT);
        assertThat(new Domain.Ball(10, 1).volume()).isCloseTo(Math.pow(Math.PI, 5) / 120, EXACT);
        assertThat(new Domain.Ball(5, 1).volume()).isCloseTo(8 * Math.PI * Math.PI / 15, EXACT);
        Domain.Box box = new Domain.Box(new double[] {0, 1, -1}, new double[] {2, 3, 0});
        assertThat(box.volume()).isEqualTo(4.0);
        assertThat(box.faceArea(0)).isEqualTo(2.0);
        assertThat(box.faceArea(2)).isEqualTo(4.0);
        assertThat(Domain.Box.cube(2, -1, 1).volume()).isEqualTo(4.0);
        assertThatThrownBy(() -> new Domain.Box(new double[] {0, 1}, new double[] {1, 1}))
                .hasMessageContaining("side 1 is empty");
    }

    @ParameterizedTest(name = "d={0} n={1}")
    @CsvSource({"1, 100", "2, 500", "3, 1000", "10, 2000"})
    void monteCarloBoxPointsAreInsideWithWeightsSummingToTheVolume(int d, int n) {
        double[] lo = new double[d];
        double[] hi = new double[d];
        for (int k = 0; k < d; k++) {
            lo[k] = -1 + 0.1 * k;
            hi[k] = lo[k] + 1 + 0.05 * k;
        }
        Domain.Box box = new Domain.Box(lo, hi);
        HostPoints p = Sampler.sample(box, Region.INTERIOR, Rule.MONTE_CARLO, n, new SplittableRandom(d));
        assertThat(p.n()).isEqualTo(n);
        assertThat(p.weightSum()).isCloseTo(box.volume(), Offset.offset(1e-12 * box.volume()));
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                double x = p.coordinate(i, k);
                assertThat(x).isBetween(lo[k], hi[k]);
                mean[k] += x / n;
            }
        }
        for (int k = 0; k < d; k++) {
            double side = hi[k] - lo[k];
            double se = side / Math.sqrt(12.0 * n);
            assertThat(mean[k]).as("mean of coordinate %d", k).isCloseTo((lo[k] + hi[k]) / 2, Offset.offset(5 * se));
        }
        // Reproducible from the generator's state.
        assertThat(Sampler.sample(box, Region.INTERIOR, Rule.MONTE_CARLO, n, new SplittableRandom(d)).x())
                .containsExactly(p.x());
    }

    @Test
    void ballPointsAreInsideUniformAndWeighTheVolume() {
        Domain.Ball ball = new Domain.Ball(3, 1);
        int n = 20_000;
        HostPoints p = Sampler.sample(ball, Region.INTERIOR, Rule.MONTE_CARLO, n, new SplittableRandom(4));
        assertThat(p.n()).isEqualTo(n);
        assertThat(p.weightSum()).isCloseTo(4 * Math.PI / 3, Offset.offset(1e-11));
        int innerHalf = 0;
        double r2Integral = 0;
        double[] mean = new double[3];
        for (int i = 0; i < n; i++) {
            double r2 = 0;
            for (int k = 0; k < 3; k++) {
                r2 += p.coordinate(i, k) * p.coordinate(i, k);
                mean[k] += p.coordinate(i, k) / n;
            }
            assertThat(r2).isLessThanOrEqualTo(1.0);
            innerHalf += r2 < 0.25 ? 1 : 0;
            r2Integral += p.w()[i] * r2;
        }
        // Uniform in volume: P(|x| < 1/2) = 1/8 (standard error 0.0023); integral of |x|^2 = 4 pi / 5.
        assertThat(innerHalf / (double) n).isCloseTo(0.125, Offset.offset(0.012));
        // |x|^2 has mean 3/5 and variance 3/7 - 9/25 = 0.0686 under the uniform law.
        double se = 4 * Math.PI / 3 * Math.sqrt(0.0686 / n);
        assertThat(r2Integral).isCloseTo(4 * Math.PI / 5, Offset.offset(5 * se));
        for (int k = 0; k < 3; k++) {
            assertThat(mean[k]).isCloseTo(0.0, Offset.offset(5 * Math.sqrt(0.2 / n)));
        }
    }

    @Test
    void spherePointsAreOnTheSphereAndWeighItsArea() {
        Domain.Ball ball = new Domain.Ball(3, 2);
        int n = 5000;
        HostPoints p = Sampler.sample(ball, Region.BOUNDARY, Rule.MONTE_CARLO, n, new SplittableRandom(5));
        assertThat(p.weightSum()).isCloseTo(16 * Math.PI, Offset.offset(1e-11));
        double z2 = 0;
        for (int i = 0; i < n; i++) {
            double r2 = 0;
            for (int k = 0; k < 3; k++) {
                r2 += p.coordinate(i, k) * p.coordinate(i, k);
            }
            assertThat(Math.sqrt(r2)).isCloseTo(2.0, EXACT);
            z2 += p.coordinate(i, 2) * p.coordinate(i, 2) / n;
        }
        // Uniform on the sphere of radius 2: E[z^2] = 4/3, Var[z^2] = 16 (1/5 - 1/9).
        assertThat(z2).isCloseTo(4.0 / 3, Offset.offset(5 * Math.sqrt(16 * (0.2 - 1.0 / 9) / n)));
    }

    @Test
    void ballsOnlyTakeMonteCarloAndHaveNoFaces() {
        Domain.Ball ball = new Domain.Ball(2, 1);
        SplittableRandom rng = new SplittableRandom(1);
        assertThatThrownBy(() -> Sampler.sample(ball, Region.INTERIOR, Rule.SIMPSON, 10, rng))
                .hasMessageContaining("simpson").hasMessageContaining("monte-carlo");
        assertThatThrownBy(() -> Sampler.sample(ball, new Region.Face(0, 1), Rule.MONTE_CARLO, 10, rng))
                .hasMessageContaining("no faces");
        assertThatThrownBy(() -> Sampler.sample(ball, Region.INTERIOR, Rule.MONTE_CARLO, 0, rng))
                .hasMessageContaining("at least one point");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"monte-carlo", "grid"})
    void boundaryPointsLieOnTheirFacesAndFacesWeighTheirArea(String rule) {
        Domain.Box box = new Domain.Box(new double[] {0, 1, -1}, new double[] {2, 3, 0});
        HostPoints p = Sampler.sample(box, Region.BOUNDARY, Rule.byId(rule), 1600, new SplittableRandom(6));
        // Surface: 2 (2*2 + 2*1 + 2*1) = 16.
        assertThat(p.weightSum()).isCloseTo(16.0, Offset.offset(1e-12));
        assertThat(p.n()).isBetween(1200, 2000);
        double[] perFace = new double[6];
        for (int i = 0; i < p.n(); i++) {
            int onFaces = 0;
            int face = -1;
            for (int k = 0; k < 3; k++) {
                double x = p.coordinate(i, k);
                assertThat(x).isBetween(box.lo()[k], box.hi()[k]);
                if (x == box.lo()[k]) {
                    onFaces++;
                    face = 2 * k;
                } else if (x == box.hi()[k]) {
                    onFaces++;
                    face = 2 * k + 1;
                }
            }
            assertThat(onFaces).as("point %d lies on exactly one face", i).isEqualTo(1);
            perFace[face] += p.w()[i];
        }
        for (int k = 0; k < 3; k++) {
            assertThat(perFace[2 * k]).as("face x%d = lo", k).isCloseTo(box.faceArea(k), Offset.offset(1e-12));
            assertThat(perFace[2 * k + 1]).as("face x%d = hi", k).isCloseTo(box.faceArea(k), Offset.offset(1e-12));
        }
    }

    @Test
    void aSingleFaceAndAListOfFaces() {
        Domain.Box box = new Domain.Box(new double[] {0, 0}, new double[] {1, 2});
        SplittableRandom rng = new SplittableRandom(7);
        HostPoints t0 = Sampler.sample(box, new Region.Face(1, 0.0), Rule.MONTE_CARLO, 50, rng);
        assertThat(t0.n()).isEqualTo(50);
        assertThat(t0.weightSum()).isCloseTo(1.0, EXACT);
        for (int i = 0; i < t0.n(); i++) {
            assertThat(t0.coordinate(i, 1)).isEqualTo(0.0);
            assertThat(t0.coordinate(i, 0)).isBetween(0.0, 1.0);
        }
        HostPoints sides = Sampler.sample(box, new Region.Faces(new Region.Face(0, 0.0), new Region.Face(0, 1.0)),
                Rule.GRID, 40, rng);
        assertThat(sides.n()).isEqualTo(40);
        assertThat(sides.weightSum()).isCloseTo(4.0, EXACT);
        for (int i = 0; i < sides.n(); i++) {
            assertThat(sides.coordinate(i, 0)).isIn(0.0, 1.0);
            // Grid on a face: cell midpoints of 20 cells of [0, 2].
            double j = sides.coordinate(i, 1) / 0.1 - 0.5;
            assertThat(j).isCloseTo(Math.rint(j), Offset.offset(1e-9));
        }
        assertThatThrownBy(() -> Sampler.sample(box, new Region.Face(2, 0.0), Rule.GRID, 10, rng))
                .hasMessageContaining("axis 2");
        // 1D: the boundary is the two end points.
        HostPoints ends = Sampler.sample(Domain.Box.unit(1), Region.BOUNDARY, Rule.MONTE_CARLO, 10, rng);
        assertThat(ends.x()).containsExactly(0.0, 1.0);
    }

    @ParameterizedTest(name = "d={0} n={1} -> {2}")
    @CsvSource({"1, 37, 37", "2, 100, 100", "2, 90, 81", "2, 110, 100", "3, 1000, 1000", "3, 30, 27", "4, 1, 1"})
    void gridCountsAndMidpoints(int d, int n, int expected) {
        Domain.Box box = Domain.Box.cube(d, -1, 1);
        HostPoints p = Sampler.sample(box, Region.INTERIOR, Rule.GRID, n, new SplittableRandom(1));
        assertThat(p.n()).isEqualTo(expected);
        assertThat(p.weightSum()).isCloseTo(box.volume(), Offset.offset(1e-12));
        int m = (int) Math.round(Math.pow(expected, 1.0 / d));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < p.n(); i++) {
            StringBuilder key = new StringBuilder();
            for (int k = 0; k < d; k++) {
                // Midpoints -1 + (j + 1/2) 2 / m.
                double j = (p.coordinate(i, k) + 1) * m / 2 - 0.5;
                assertThat(j).isCloseTo(Math.rint(j), Offset.offset(1e-9));
                key.append(Math.round(j)).append(',');
            }
            seen.add(key.toString());
            assertThat(p.w()[i]).isCloseTo(box.volume() / expected, Offset.offset(1e-15));
        }
        assertThat(seen).as("grid points are distinct").hasSize(expected);
    }

    @Test
    void simpsonGridsHaveAtLeastThreePointsPerAxis() {
        HostPoints p = Sampler.sample(Domain.Box.unit(2), Region.INTERIOR, Rule.SIMPSON, 4, new SplittableRandom(1));
        assertThat(p.n()).isEqualTo(9);
        assertThat(p.weightSum()).isCloseTo(1.0, EXACT);
        assertThat(Rule.byId("Monte-Carlo")).isEqualTo(Rule.MONTE_CARLO);
        assertThatThrownBy(() -> Rule.byId("gauss")).hasMessageContaining("simpson, grid, monte-carlo");
    }
}
