package dev.mandate.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Reports CPU time per operation, in µs/op:
 *
 * <ul>
 *   <li>{@code cpu.thread.norm}: CPU time of the JMH worker thread(s), the work of the call itself
 *       (garbage collection by GC threads is not included);
 *   <li>{@code cpu.process.norm}: CPU time of the whole benchmark JVM (includes GC and JIT);
 *   <li>{@code cpu.authority.norm}: CPU time of an in-process authority's threads (its HTTP
 *       threads, tasks and store: the "authority" column of {@code bin/bench-hop}), reported only
 *       when the benchmark runs one, and not for an iteration in which it stopped.
 * </ul>
 *
 * Unlike wall time these hardly move when other processes compete for the cores, which makes them
 * the steadier figures on a shared machine. Enable with {@code -prof
 * dev.mandate.bench.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** Thread name prefixes of the authority, as {@code GatewayLoad} counts them. */
  private static final List<String> AUTHORITY_THREADS =
      List.of("mandate-http", "mandate-authority-tasks", "mandate-store");

  private final Map<Long, Long> workerStart = new HashMap<>();
  private final Map<Long, Long> authorityStart = new HashMap<>();
  private long processStart;

  @Override
  public String getDescription() {
    return "CPU time per operation (JMH worker threads, and the whole JVM)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    workerStart.clear();
    workerStart.putAll(workerCpu());
    authorityStart.clear();
    authorityStart.putAll(authorityCpu());
    processStart = os.getProcessCpuTime();
  }

  @Override
  public Collection<? extends Result> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long process = os.getProcessCpuTime() - processStart;
    long worker = 0;
    for (Map.Entry<Long, Long> e : workerCpu().entrySet()) {
      // A worker first seen now started during this iteration: count from zero.
      worker += e.getValue() - workerStart.getOrDefault(e.getKey(), 0L);
    }
    Map<Long, Long> authorityNow = authorityCpu();
    long authority = 0;
    for (Map.Entry<Long, Long> e : authorityNow.entrySet()) {
      authority += e.getValue() - authorityStart.getOrDefault(e.getKey(), 0L);
    }
    // The last iteration ends with the benchmark's trial tear-down, which stops the authority: the
    // CPU of its threads is gone with them, so that iteration says nothing about the authority.
    boolean authorityWhole =
        !authorityStart.isEmpty() && authorityNow.keySet().containsAll(authorityStart.keySet());
    long ops = result.getMetadata().getAllOps();
    List<Result> out = new ArrayList<>();
    if (ops > 0) {
      out.add(
          new ScalarResult("cpu.thread.norm", worker / 1e3 / ops, "us/op", AggregationPolicy.AVG));
      out.add(
          new ScalarResult(
              "cpu.process.norm", process / 1e3 / ops, "us/op", AggregationPolicy.AVG));
      if (authorityWhole) {
        out.add(
            new ScalarResult(
                "cpu.authority.norm", authority / 1e3 / ops, "us/op", AggregationPolicy.AVG));
      }
    }
    return out;
  }

  private Map<Long, Long> workerCpu() {
    return cpu(name -> name.contains("jmh-worker"));
  }

  private Map<Long, Long> authorityCpu() {
    return cpu(name -> AUTHORITY_THREADS.stream().anyMatch(name::startsWith));
  }

  private Map<Long, Long> cpu(java.util.function.Predicate<String> threadName) {
    Map<Long, Long> cpu = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && threadName.test(info.getThreadName())) {
        long t = threads.getThreadCpuTime(info.getThreadId());
        if (t >= 0) {
          cpu.put(info.getThreadId(), t);
        }
      }
    }
    return cpu;
  }
}
