package dev.terrain.model.quad;

/** Which part of a domain a point set is drawn from. */
public sealed interface Region {
    /** The open domain. */
    record Interior() implements Region {}

    /** The whole boundary (every face of a box, the sphere of a ball). */
    record Boundary() implements Region {}

    /** One face of a box: coordinate {@code axis} equal to {@code value} (e.g. t = 0). */
    record Face(int axis, double value) implements Region {}

    /** Several faces of a box, e.g. x = 0 and x = 1 of a space-time box. */
    record Faces(Face... faces) implements Region {}

    Region INTERIOR = new Interior();
    Region BOUNDARY = new Boundary();
}
