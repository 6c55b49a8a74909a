package dev.terrain.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * One named parameter tensor of a network. {@code group} is the layer it belongs to (used for
 * per-layer statistics and filter-wise normalisation); weights are stored as [in, out] so that a
 * layer is {@code x W + b}, and a filter (one output unit) is a column.
 */
public record Param(String name, String group, Kind kind, NDArray array) {
    public enum Kind { WEIGHT, BIAS }

    public long size() {
        return array.getShape().size();
    }
}
