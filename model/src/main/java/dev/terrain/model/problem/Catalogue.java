package dev.terrain.model.problem;

import dev.terrain.model.problem.catalogue.Poisson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The problem catalogue of SPEC section 3.3, by id. */
public final class Catalogue {
    private static final Map<String, ProblemSpec> ENTRIES = new LinkedHashMap<>();

    static {
        for (ProblemSpec s : List.of(Poisson.SPEC)) {
            ENTRIES.put(s.id(), s);
        }
    }

    private Catalogue() {}

    public static List<ProblemSpec> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /** The entry named {@code id}; the message lists the valid ids. */
    public static ProblemSpec byId(String id) {
        ProblemSpec s = ENTRIES.get(id);
        if (s == null) {
            throw new IllegalArgumentException("unknown problem '" + id + "'; valid: "
                    + ENTRIES.keySet().stream().collect(Collectors.joining(", ")));
        }
        return s;
    }
}
