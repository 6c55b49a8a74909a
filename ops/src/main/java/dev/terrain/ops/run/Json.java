package dev.terrain.ops.run;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Duration;

/**
 * The JSON mapper of run files and probe/benchmark results: indented, NaN as the string "NaN", durations
 * as seconds. (Loss-surface grids use their own, see {@code LossSurfaceReport}.)
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Duration.class, new JsonSerializer<Duration>() {
                @Override
                public void serialize(Duration d, JsonGenerator gen, SerializerProvider p) throws IOException {
                    gen.writeNumber(d.toNanos() / 1e9);
                }
            }));

    private Json() {}
}
