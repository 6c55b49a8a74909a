package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The launcher, the Docker image and the processes Terrain starts itself use the same allocator settings. */
class MallocSettingsTest {
    @Test
    void launcherAndDockerImageExportTheSameValues() throws Exception {
        String launcher = Files.readString(Path.of("../terrain"));
        String dockerfile = Files.readString(Path.of("../docker/Dockerfile"));
        assertThat(MallocSettings.LAUNCHER).hasSize(3);
        MallocSettings.LAUNCHER.forEach((name, value) -> {
            assertThat(launcher).as("./terrain").contains("export " + name + "=\"${" + name + ":-" + value + "}\"");
            assertThat(dockerfile).as("docker/Dockerfile").containsPattern("ENV .*\\b" + name + "=" + value + "\\b");
        });
    }

    /** The image preloads the library its build stage made, as ./terrain does. */
    @Test
    void dockerImagePreloadsTheMklDispatchLibrary() throws Exception {
        String dockerfile = Files.readString(Path.of("../docker/Dockerfile"));
        String lib = dev.terrain.model.tensor.MklDispatch.LIBRARY;
        assertThat(dockerfile).contains("COPY --from=build /src/model/target/native/" + lib + " /opt/terrain/lib/" + lib)
                .containsPattern("ENV LD_PRELOAD=/opt/terrain/lib/" + java.util.regex.Pattern.quote(lib) + "\\n")
                .containsPattern("apt-get install [^\\n]*\\bgcc\\b");
    }
}
