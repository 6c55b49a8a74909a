package dev.terrain.ops.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * One sample of where this process's memory is, for the soak benchmarks: the kernel's view
 * ({@code VmRSS} split into anonymous and file-backed pages, from /proc/self/status), the JVM's heap and
 * non-heap, its thread count, and, where the JVM runs with {@code -XX:NativeMemoryTracking=summary}, the
 * total it tracks. Anonymous RSS minus what the JVM tracks is what native libraries (libtorch) hold.
 */
final class MemorySample {
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final double MIB = 1024.0 * 1024.0;

    private MemorySample() {}

    /** The fields of one sample, in MiB where a size; fields the platform cannot give are left out. */
    static Map<String, Object> take() {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, Long> status = procStatusKib();
        put(s, "rss_mib", status.get("VmRSS"));
        put(s, "rss_anon_mib", status.get("RssAnon"));
        put(s, "rss_file_mib", status.get("RssFile"));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        s.put("heap_used_mib", memory.getHeapMemoryUsage().getUsed() / MIB);
        s.put("heap_committed_mib", memory.getHeapMemoryUsage().getCommitted() / MIB);
        s.put("nonheap_committed_mib", memory.getNonHeapMemoryUsage().getCommitted() / MIB);
        s.put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
        Long nmt = nmtCommittedKib();
        if (nmt != null) {
            s.put("jvm_tracked_mib", nmt / 1024.0);
        }
        return s;
    }

    private static void put(Map<String, Object> s, String key, Long kib) {
        s.put(key, kib == null ? Double.NaN : kib / 1024.0);
    }

    private static Map<String, Long> procStatusKib() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.endsWith("kB")) {
                    m.put(line.substring(0, colon), Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return m;
        }
        return m;
    }

    /** NMT's total committed KiB, or null when native memory tracking is off or unavailable. */
    private static Long nmtCommittedKib() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
            Matcher m = NMT_TOTAL.matcher(String.valueOf(out));
            return m.find() ? Long.parseLong(m.group(2)) : null;
        } catch (JMException | RuntimeException e) {
            return null;
        }
    }
}
