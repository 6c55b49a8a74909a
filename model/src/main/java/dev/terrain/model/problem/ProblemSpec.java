package dev.terrain.model.problem;

import java.util.Map;
import java.util.function.Function;

/** A catalogue entry: id, one-line summary, source paper, parameter defaults and a factory. */
public record ProblemSpec(String id, String summary, String source, Map<String, Object> defaults,
        Function<ProblemParams, Problem> factory) {

    /** Builds the problem with the run's parameter overrides. */
    public Problem create(Map<String, Object> overrides) {
        return factory.apply(new ProblemParams(id, defaults, overrides));
    }
}
