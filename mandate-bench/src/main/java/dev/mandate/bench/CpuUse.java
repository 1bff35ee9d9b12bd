package dev.mandate.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a load benchmark reads of the CPU: the machine's load average (how much else competed for
 * the cores), and the CPU time of this JVM, in all and by thread role, in nanoseconds.
 */
final class CpuUse {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private CpuUse() {}

  /** The 1, 5 and 15 minute load averages from /proc/loadavg, or {@code unknown}. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** CPU time of this JVM so far. */
  static long process() {
    return OS.getProcessCpuTime();
  }

  /** CPU time of this JVM's live threads so far, by {@link #threadRole}. */
  static Map<String, Long> byThreadRole() {
    Map<String, Long> byRole = new TreeMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      ThreadInfo info = THREADS.getThreadInfo(id);
      if (t > 0 && info != null) {
        byRole.merge(threadRole(info.getThreadName()), t, Long::sum);
      }
    }
    return byRole;
  }

  /** A thread's role: its name without the numbers that tell threads of one pool apart. */
  static String threadRole(String name) {
    return name.replaceAll("-?\\d+", "");
  }

  /**
   * {@link #process} and {@link #byThreadRole} as {@code {"process": N, "threads": {ROLE: N}}}:
   * what a peer process answers when its load generator asks for its CPU time.
   */
  static ObjectNode sample() {
    ObjectNode sample = JsonNodeFactory.instance.objectNode();
    sample.put("process", process());
    ObjectNode threads = sample.putObject("threads");
    byThreadRole().forEach(threads::put);
    return sample;
  }
}
