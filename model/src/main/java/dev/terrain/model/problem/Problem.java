package dev.terrain.model.problem;

import ai.djl.ndarray.NDArray;
import dev.terrain.model.quad.Domain;
import dev.terrain.model.quad.Region;
import dev.terrain.model.tensor.Scalars;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PDE (or regression) problem as data and small functions (SPEC section 3.3): where it lives,
 * which point sets it needs, its loss terms per loss family, the theta-independent fields of a point
 * set, an optional hard boundary ansatz and the exact solution when known.
 */
public interface Problem {
    /** Catalogue id, e.g. {@code poisson}. */
    String id();

    Domain domain();

    default int inputDim() {
        return domain().dim();
    }

    default int outputDim() {
        return 1;
    }

    /** Supported loss families; the first is the default. */
    List<LossKind> lossKinds();

    /** The point sets the terms of {@code kind} read, by name, with the region each is drawn from. */
    Map<String, Region> pointSets(LossKind kind);

    /** The named loss terms of {@code kind}; the total loss is their weighted sum. */
    List<LossTerm> terms(LossKind kind);

    /** Stores the fields the terms read (source f, targets) on a freshly sampled point set. */
    void prepare(PointSet set, Scalars c);

    /** The hard-constraint ansatz u = B NN + g, when this problem (as configured) uses one. */
    default Optional<Ansatz> ansatz() {
        return Optional.empty();
    }

    /** The exact solution, for the relative L2 error, when known. */
    default Optional<Solution> exact() {
        return Optional.empty();
    }

    /** An exact solution u*(x), shape [B, outputDim] for x [B, d]. */
    @FunctionalInterface
    interface Solution {
        NDArray at(NDArray x, Scalars c);
    }
}
