package dev.terrain.model.train;

import java.util.Map;

/** Host copies of a step's losses: each named term (unweighted), the weighted total, rel-L2 (NaN if unknown). */
public record StepReport(long step, Map<String, Double> terms, double total, double relL2) {}
