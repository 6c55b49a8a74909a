package dev.terrain.ops.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Duration;

/** The CLI's JSON writer: indented, NaN as the string "NaN", durations as seconds. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Duration.class, new JsonSerializer<Duration>() {
                @Override
                public void serialize(Duration d, JsonGenerator gen, SerializerProvider p) throws IOException {
                    gen.writeNumber(d.toNanos() / 1e9);
                }
            }));

    private Json() {}
}
