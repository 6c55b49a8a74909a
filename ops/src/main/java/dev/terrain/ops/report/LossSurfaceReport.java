package dev.terrain.ops.report;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.terrain.model.probe.LossSurface;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Stores a {@link LossSurface.Result} as data (JSON, the record's fields: a, b, loss[i][j] =
 * J(theta + a[i] d1 + b[j] d2), lossAtTheta, min, max, nonFiniteCount, settings, wallSeconds) next to
 * its contour PNG ({@link ContourPlot}). Non-finite losses are written as the bare tokens NaN, Infinity
 * and -Infinity, which Python's json module reads as floats, and are read back as such.
 */
public final class LossSurfaceReport {
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private LossSurfaceReport() {}

    public static void writeJson(LossSurface.Result r, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), r);
    }

    public static LossSurface.Result readJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), LossSurface.Result.class);
    }

    /** Writes {@code name}.json and {@code name}.png into {@code dir}; returns the PNG path. */
    public static Path write(LossSurface.Result r, Path dir, String name) throws IOException {
        writeJson(r, dir.resolve(name + ".json"));
        Path png = dir.resolve(name + ".png");
        ContourPlot.writePng(r, png);
        return png;
    }
}
