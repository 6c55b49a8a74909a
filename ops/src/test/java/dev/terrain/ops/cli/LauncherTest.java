package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.model.tensor.MklDispatch;
import dev.terrain.ops.metrics.Binaries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's preloading of {@code libterrain-mkl-dispatch.so}: the real {@code ./terrain} and
 * {@code build.sh} copied into a scratch root, with stand-ins for {@code mvn} (builds nothing) and
 * {@code java} (prints the environment it was started with) first on PATH, and the system C compiler.
 */
class LauncherTest {
    @TempDir
    Path root;

    private Path library;

    @BeforeEach
    void copyTheLauncher() throws IOException {
        Path native_ = Files.createDirectories(root.resolve("model/src/main/native"));
        for (String f : new String[] {"build.sh", "terrain-mkl-dispatch.c"}) {
            Files.copy(Path.of("../model/src/main/native", f), native_.resolve(f));
        }
        Files.copy(Path.of("../terrain"), root.resolve("terrain"), StandardCopyOption.COPY_ATTRIBUTES);
        Path bin = Files.createDirectories(root.resolve("fakebin"));
        script(bin.resolve("mvn"), "#!/bin/sh\nexit 0\n");
        script(bin.resolve("java"), "#!/bin/sh\necho \"LD_PRELOAD=${LD_PRELOAD:-}\"\necho \"args=$*\"\n");
        library = root.resolve("model/target/native/" + MklDispatch.LIBRARY);
    }

    @Test
    void preloadsTheLibraryItBuildsAheadOfTheUsersOwn() throws Exception {
        assumeCompiler();
        Result r = launch(Map.of());
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).contains("LD_PRELOAD=" + library + "\n").contains("args=-Dterrain.home=" + root);
        byte[] head = Arrays.copyOf(Files.readAllBytes(library), 4);
        assertThat(head).as("an ELF shared object").containsExactly(0x7f, 'E', 'L', 'F');

        r = launch(Map.of("LD_PRELOAD", "/opt/other/libx.so"));
        assertThat(r.output).contains("LD_PRELOAD=" + library + ":/opt/other/libx.so\n");
    }

    @Test
    void offLeavesTheEnvironmentAloneAndBuildsNothing() throws Exception {
        Result r = launch(Map.of("TERRAIN_MKL_DISPATCH", "off", "LD_PRELOAD", "/opt/other/libx.so"));
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).contains("LD_PRELOAD=/opt/other/libx.so\n");
        assertThat(library).doesNotExist();
    }

    @Test
    void withoutACompilerItRunsWithoutTheLibrary() throws Exception {
        Result r = launch(Map.of("CC", "/nonexistent/cc"));
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).contains("LD_PRELOAD=\n");
        assertThat(library).doesNotExist();
    }

    @Test
    void aBrokenCompilerIsReportedAndTheRunGoesOn() throws Exception {
        script(root.resolve("fakebin/badcc"), "#!/bin/sh\necho 'badcc: internal error' >&2\nexit 1\n");
        Result r = launch(Map.of("CC", "badcc"));
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).contains("badcc could not build").contains("LD_PRELOAD=\n");
        assertThat(library).doesNotExist();
        try (var files = Files.list(library.getParent())) {
            assertThat(files).as("no half-written library left behind").isEmpty();
        }
    }

    /** ld.so splits LD_PRELOAD at spaces: a checkout under such a path runs without the library, and says so. */
    @Test
    void aPathWithASpaceIsNotPreloaded() throws Exception {
        assumeCompiler();
        Path spaced = Files.createDirectories(root.resolve("my runs"));
        for (String f : new String[] {"terrain", "model", "fakebin"}) {
            Files.move(root.resolve(f), spaced.resolve(f));
        }
        root = spaced;
        library = root.resolve("model/target/native/" + MklDispatch.LIBRARY);
        Result r = launch(Map.of());
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).contains("cannot name a path with a space").contains("LD_PRELOAD=\n");
    }

    @Test
    void anUnknownSettingIsRefused() throws Exception {
        Result r = launch(Map.of("TERRAIN_MKL_DISPATCH", "yes"));
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.output).contains("TERRAIN_MKL_DISPATCH must be on or off, not 'yes'").doesNotContain("LD_PRELOAD=");
    }

    private static void assumeCompiler() {
        Assumptions.assumeTrue(Binaries.onPath("cc") != null, "no C compiler (cc) on PATH: apt-get install gcc");
    }

    private record Result(int exit, String output) {}

    private Result launch(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("terrain").toString(), "train", "x.conf")
                .redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove("TERRAIN_MKL_DISPATCH");
        pb.environment().remove("CC");
        pb.environment().put("PATH", root.resolve("fakebin") + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
