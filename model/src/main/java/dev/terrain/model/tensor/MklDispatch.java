package dev.terrain.model.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process runs oneMKL's Intel kernels on an AMD CPU: {@code libterrain-mkl-dispatch.so}
 * ({@code model/src/main/native}), preloaded by {@code ./terrain}, the Docker image and the tests, makes
 * libtorch's statically linked MKL take its AVX2/AVX-512 matrix products on AMD CPUs instead of its generic
 * ones (1.3-2.5x faster products measured on an AMD EPYC). Read from {@code /proc/self/maps} and
 * {@code /proc/cpuinfo}, so what is reported is what the process has, not what was asked for.
 */
public final class MklDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(MklDispatch.class);
    /** The library's file name, as ./terrain builds and preloads it. */
    public static final String LIBRARY = "libterrain-mkl-dispatch.so";
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private MklDispatch() {}

    /** Whether the library is mapped into this process. */
    public static boolean loaded() {
        return mapped(Path.of("/proc/self/maps"));
    }

    static boolean mapped(Path maps) {
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.anyMatch(l -> l.endsWith("/" + LIBRARY));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** The CPU's vendor string ({@code AuthenticAMD}, {@code GenuineIntel}, ...), or "unknown". */
    public static String cpuVendor() {
        return vendor(Path.of("/proc/cpuinfo"));
    }

    static String vendor(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("vendor_id"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException | java.io.UncheckedIOException e) {
            return "unknown";
        }
    }

    /** One line for logs and benchmark results: loaded or not, the CPU's vendor and what that means. */
    public static String describe() {
        return describe(loaded(), cpuVendor(), switchedOff());
    }

    /** Whether the user said {@code TERRAIN_MKL_DISPATCH=off} (the launcher then preloads nothing). */
    static boolean switchedOff() {
        return "off".equals(System.getenv("TERRAIN_MKL_DISPATCH"));
    }

    static String describe(boolean loaded, String vendor, boolean switchedOff) {
        if (loaded) {
            return "on (" + LIBRARY + " preloaded; CPU " + vendor + ")";
        }
        if (!vendor.equals("AuthenticAMD")) {
            return "off (CPU " + vendor + ": not needed)";
        }
        return switchedOff
                ? "off (TERRAIN_MKL_DISPATCH=off; CPU AuthenticAMD: MKL's matrix products take their slower generic path)"
                : "off (CPU AuthenticAMD: MKL's matrix products take their slower generic path; ./terrain preloads "
                        + LIBRARY + " when a C compiler is installed)";
    }

    /**
     * Logs {@link #describe()} once per process: a warning where an AMD CPU runs without the library although
     * nobody switched it off.
     */
    public static void logOnce() {
        if (LOGGED.compareAndSet(false, true)) {
            boolean loaded = loaded();
            String vendor = cpuVendor();
            boolean off = switchedOff();
            String line = describe(loaded, vendor, off);
            if (!loaded && !off && vendor.equals("AuthenticAMD")) {
                LOG.warn("MKL CPU dispatch: {}", line);
            } else {
                LOG.info("MKL CPU dispatch: {}", line);
            }
        }
    }
}
