package dev.terrain.model.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** The weighted total loss and each named term (unweighted), as device scalars of one step. */
public record LossValues(NDArray total, Map<String, NDArray> terms) {}
