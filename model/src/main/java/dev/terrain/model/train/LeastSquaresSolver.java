package dev.terrain.model.train;

/**
 * The host half of an LSGD least-squares step (paper 004 Algorithm 1, lines 3 and 6): the minimum-norm
 * solution of an assembled {@link LeastSquaresHead.LinearSystem}, shaped as {@link LeastSquaresHead#solve}'s
 * result, {W [w, outputs] flattened row-major, b [outputs]}. The system is plain immutable host data, so
 * an implementation may solve it on another thread or actor; {@link #LOCAL} solves it on the caller's.
 */
@FunctionalInterface
public interface LeastSquaresSolver {
    /** EJML's QR + SVD pseudo-inverse on the calling thread ({@link LeastSquaresHead#solve}). */
    LeastSquaresSolver LOCAL = LeastSquaresHead::solve;

    double[][] solve(LeastSquaresHead.LinearSystem system);
}
