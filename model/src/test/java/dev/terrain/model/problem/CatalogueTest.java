package dev.terrain.model.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogueTest {
    static final List<String> IDS = List.of("poisson", "poisson-ball", "wave1d", "poisson1d-multiscale", "perturbed-ode",
            "poisson2d-multiscale", "helmholtz2d", "transport", "regression", "energy-doublewell",
            "energy-doublewell-l2", "energy-2d", "energy-2d-curvature");

    @Test
    void idsAreUniqueAndInSpecOrder() {
        List<String> ids = Catalogue.entries().stream().map(ProblemSpec::id).toList();
        assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
        assertThat(ids).containsExactlyElementsOf(IDS);
    }

    @Test
    void unknownIdListsTheValidIds() {
        assertThatThrownBy(() -> Catalogue.byId("poison"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'poison'")
                .hasMessageContaining(String.join(", ", IDS));
    }

    @Test
    void unknownParameterIsNamed() {
        assertThatThrownBy(() -> Catalogue.byId("perturbed-ode").create(Map.of("epsilon", 0.01)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'epsilon'")
                .hasMessageContaining("eps, hardBoundary");
        assertThatThrownBy(() -> Catalogue.byId("transport").create(Map.of("speed", "quadratic")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("problem.speed");
        assertThatThrownBy(() -> Catalogue.byId("regression").create(Map.of("k", "four")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("problem.k must be an integer");
    }

    @Test
    void everyEntryIsConsistentWithDefaults() {
        for (ProblemSpec s : Catalogue.entries()) {
            Problem p = s.create(Map.of());
            assertThat(p.id()).isEqualTo(s.id());
            assertThat(p.lossKinds()).as(s.id()).isNotEmpty();
            assertThat(s.source()).as(s.id()).startsWith("paper");
            for (LossKind kind : p.lossKinds()) {
                Set<String> names = new HashSet<>();
                for (LossTerm t : p.terms(kind)) {
                    assertThat(names.add(t.name())).as(s.id() + " duplicate term " + t.name()).isTrue();
                    assertThat(p.pointSets(kind)).as(s.id() + " term " + t.name()).containsKey(t.pointSet());
                    assertThat(t.order()).isBetween(0, 2);
                }
            }
            boolean energyOnly = s.id().startsWith("energy-");
            assertThat(p.exact().isPresent()).as(s.id()).isEqualTo(!energyOnly);
        }
    }

    @Test
    void parametersAreOverridable() {
        assertThat(Catalogue.byId("regression").create(Map.of("target", "legendre", "k", 6)).outputDim()).isEqualTo(6);
        assertThat(Catalogue.byId("regression").create(Map.of()).outputDim()).isEqualTo(1);
        assertThat(Catalogue.byId("poisson-ball").create(Map.of("dim", 2)).inputDim()).isEqualTo(2);
        assertThat(Catalogue.byId("perturbed-ode").defaults()).containsEntry("eps", 2.0);
        assertThat(Catalogue.byId("energy-2d-curvature").defaults()).containsEntry("eps", 0.1 / 16)
                .containsEntry("penalty", 500.0);
        assertThat(Catalogue.byId("helmholtz2d").defaults()).containsEntry("a1", 1.0).containsEntry("a2", 4.0)
                .containsEntry("k", 1.0);
        assertThat(Catalogue.byId("energy-2d").create(Map.of()).lossKinds()).containsExactly(LossKind.ENERGY);
    }
}
