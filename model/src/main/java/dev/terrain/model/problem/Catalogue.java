package dev.terrain.model.problem;

import dev.terrain.model.problem.catalogue.Helmholtz2d;
import dev.terrain.model.problem.catalogue.MultiWell;
import dev.terrain.model.problem.catalogue.MultiscalePoisson;
import dev.terrain.model.problem.catalogue.PerturbedOde;
import dev.terrain.model.problem.catalogue.Poisson;
import dev.terrain.model.problem.catalogue.PoissonBall;
import dev.terrain.model.problem.catalogue.Regression;
import dev.terrain.model.problem.catalogue.Transport;
import dev.terrain.model.problem.catalogue.Wave1d;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The problem catalogue of SPEC section 3.3, by id. */
public final class Catalogue {
    private static final Map<String, ProblemSpec> ENTRIES = new LinkedHashMap<>();

    static {
        for (ProblemSpec s : List.of(Poisson.SPEC, PoissonBall.SPEC, Wave1d.SPEC, MultiscalePoisson.SPEC_1D, PerturbedOde.SPEC,
                MultiscalePoisson.SPEC_2D, Helmholtz2d.SPEC, Transport.SPEC, Regression.SPEC, MultiWell.DOUBLE_WELL,
                MultiWell.DOUBLE_WELL_L2, MultiWell.TWIN_2D, MultiWell.TWIN_2D_CURVATURE)) {
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
