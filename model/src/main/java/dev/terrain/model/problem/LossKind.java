package dev.terrain.model.problem;

import java.util.Locale;

/**
 * The two loss families of paper 000. {@code RESIDUAL}: squared residuals (DGM eq. (2), PINN), each
 * term the mean over its point set. {@code ENERGY}: a Ritz functional (DRM eq. (3), paper 003's
 * energies), each term an integral with the region's measure.
 */
public enum LossKind {
    RESIDUAL("residual"),
    ENERGY("energy");

    private final String id;

    LossKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Accepts the family name or the method names used in the papers (dgm, pinn, drm, ritz). */
    public static LossKind byId(String id) {
        return switch (id.toLowerCase(Locale.ROOT)) {
            case "residual", "dgm", "pinn" -> RESIDUAL;
            case "energy", "drm", "ritz" -> ENERGY;
            default -> throw new IllegalArgumentException("unknown loss '" + id
                    + "'; valid: residual (dgm, pinn), energy (drm, ritz)");
        };
    }
}
