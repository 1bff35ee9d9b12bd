package dev.mandate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measured phase of a load benchmark ({@link GatewayLoad}, {@link McpLoad}): a target loaded in
 * one mode. Latencies in milliseconds; CPU in µs per call, in total, by process and, in the
 * gateway's process, by thread role.
 */
record Phase(
    String target,
    String mode,
    long calls,
    long errors,
    double seconds,
    double throughput,
    double p50Ms,
    double p90Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    double cpuMicrosPerCall,
    Map<String, Double> cpuMicrosPerCallByProcess,
    Map<String, Double> gatewayCpuMicrosPerCallByThread) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A phase of {@code calls} over {@code seconds}, its latencies (ns) in {@code latency}. */
  static Phase measured(
      String target,
      String mode,
      long calls,
      long errors,
      double seconds,
      Histogram latency,
      double cpuMicrosPerCall,
      Map<String, Double> cpuMicrosPerCallByProcess,
      Map<String, Double> gatewayCpuMicrosPerCallByThread) {
    return new Phase(
        target,
        mode,
        calls,
        errors,
        round(seconds, 2),
        round(calls / seconds, 0),
        ms(latency.getValueAtPercentile(50)),
        ms(latency.getValueAtPercentile(90)),
        ms(latency.getValueAtPercentile(99)),
        ms(latency.getValueAtPercentile(99.9)),
        ms(latency.getMaxValue()),
        cpuMicrosPerCall,
        cpuMicrosPerCallByProcess,
        gatewayCpuMicrosPerCallByThread);
  }

  /** Calls per second of the fixed-rate phases ({@code bench.rate}). */
  static final int RATE = Integer.getInteger("bench.rate", 1000);

  /** Length of a fixed-rate phase ({@code bench.fixedSeconds}). */
  static final int FIXED_SECONDS = Integer.getInteger("bench.fixedSeconds", 20);

  /** Length of a saturation phase ({@code bench.saturationSeconds}). */
  static final int SATURATION_SECONDS = Integer.getInteger("bench.saturationSeconds", 15);

  /** Closed-loop connections of a saturation phase ({@code bench.connections}). */
  static final int CONNECTIONS = Integer.getInteger("bench.connections", 16);

  /** Warm-up before each phase ({@code bench.warmupSeconds}). */
  static final int WARMUP_SECONDS = Integer.getInteger("bench.warmupSeconds", 5);

  /**
   * The settings and conditions of a load run, as its JSON report opens: when, the rate, the
   * phases' lengths, the connections ({@code extra}: more settings, after them), the warm-up and
   * the load average before and after.
   */
  static ObjectNode settings(Map<String, Integer> extra, String loadBefore, String loadAfter) {
    ObjectNode out = JSON.createObjectNode();
    out.put("generatedAt", java.time.Instant.now().toString());
    out.put("rate", RATE);
    out.put("fixedSeconds", FIXED_SECONDS);
    out.put("saturationSeconds", SATURATION_SECONDS);
    out.put("connections", CONNECTIONS);
    extra.forEach(out::put);
    out.put("warmupSeconds", WARMUP_SECONDS);
    out.put("loadAverageBefore", loadBefore);
    out.put("loadAverageAfter", loadAfter);
    return out;
  }

  /** CPU time spent on {@code calls}, in µs per call to one decimal. */
  static double microsPerCall(long nanos, long calls) {
    return round(nanos / 1e3 / calls, 1);
  }

  /** The first phase of {@code target} whose mode starts with {@code modePrefix}. */
  static Phase find(List<Phase> phases, String target, String modePrefix) {
    return phases.stream()
        .filter(p -> p.target().equals(target) && p.mode().startsWith(modePrefix))
        .findFirst()
        .orElseThrow();
  }

  /** The markdown table of the phases: calls, errors, throughput, latencies and CPU per call. */
  static String table(List<Phase> phases) {
    StringBuilder md = new StringBuilder();
    md.append(
        "| Target | Mode | Calls | Errors | Throughput (calls/s) | p50 ms | p90 ms | p99 ms | p99.9 ms"
            + " | max ms | CPU µs/call |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Phase p : phases) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %d | %.0f | %.3f | %.3f | %.3f | %.3f | %.1f | %.1f |%n",
              p.target(),
              p.mode(),
              p.calls(),
              p.errors(),
              p.throughput(),
              p.p50Ms(),
              p.p90Ms(),
              p.p99Ms(),
              p.p999Ms(),
              p.maxMs(),
              p.cpuMicrosPerCall()));
    }
    return md.toString();
  }

  /**
   * The "Gateway minus direct" markdown table: for each target other than {@code direct}, what it
   * adds over direct at the fixed rate {@code rate} (p50, p99, CPU per call) and at saturation
   * (throughput as a share of direct's, CPU per call). With {@code named}, a first column names the
   * target.
   */
  static String overhead(List<Phase> phases, int rate, boolean named) {
    StringBuilder md = new StringBuilder("\nGateway minus direct:\n\n");
    md.append(named ? "| Gateway " : "")
        .append("| added p50 at ")
        .append(rate)
        .append("/s (ms) | added p99 at ")
        .append(rate)
        .append(
            "/s (ms) | throughput ratio at saturation | added CPU µs/call (fixed rate) |"
                + " added CPU µs/call (saturation) |\n");
    md.append(named ? "|---" : "").append("|---:|---:|---:|---:|---:|\n");
    Phase directFixed = find(phases, "direct", "fixed");
    Phase directSat = find(phases, "direct", "saturation");
    for (Phase p : phases) {
      if (p.target().equals("direct") || !p.mode().startsWith("fixed")) {
        continue;
      }
      Phase sat = find(phases, p.target(), "saturation");
      md.append(named ? "| " + p.target() + " " : "")
          .append(
              String.format(
                  Locale.ROOT,
                  "| %.3f | %.3f | %.0f %% | %.1f | %.1f |%n",
                  p.p50Ms() - directFixed.p50Ms(),
                  p.p99Ms() - directFixed.p99Ms(),
                  sat.throughput() / directSat.throughput() * 100,
                  p.cpuMicrosPerCall() - directFixed.cpuMicrosPerCall(),
                  sat.cpuMicrosPerCall() - directSat.cpuMicrosPerCall()));
    }
    return md.toString();
  }

  /**
   * Writes a run's raw results to {@code json}, pretty-printed: {@code run} (its settings and load
   * averages) with the phases added under {@code phases}.
   */
  static void writeJson(Path json, ObjectNode run, List<Phase> phases) throws IOException {
    ArrayNode list = run.putArray("phases");
    for (Phase p : phases) {
      list.add(JSON.valueToTree(p));
    }
    Files.createDirectories(json.toAbsolutePath().getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), run);
  }

  private static double ms(long nanos) {
    return round(nanos / 1e6, 3);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
