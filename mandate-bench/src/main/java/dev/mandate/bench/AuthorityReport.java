package dev.mandate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Rewrites the authority results in docs/benchmarks.md (between {@code <!-- authority:start -->}
 * and {@code <!-- authority:end -->}) from {@link AuthorityLoad}'s JSON.
 *
 * <p>Usage: {@code AuthorityReport authority-load.json benchmarks.md "command" "machine"}
 */
public final class AuthorityReport {
  static final String START = "<!-- authority:start -->";
  static final String END = "<!-- authority:end -->";
  static final double MINT_TARGET = 2000;
  static final double FEED_P99_TARGET_MS = 1000;

  private AuthorityReport() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println(
          "usage: AuthorityReport authority-load.json benchmarks.md command machine");
      System.exit(2);
    }
    JsonNode result = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    Path doc = Path.of(args[1]);
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int start = text.indexOf(START);
    int end = text.indexOf(END);
    if (start < 0 || end < start) {
      System.err.println(doc + " has no " + START + " ... " + END + " section");
      System.exit(2);
    }
    String section = render(result, args[2], args[3]);
    String updated =
        text.substring(0, start + START.length()) + "\n" + section + text.substring(end);
    Files.writeString(doc, updated, StandardCharsets.UTF_8);
  }

  static String render(JsonNode r, String command, String machine) {
    StringBuilder s = new StringBuilder();
    s.append("\nMachine: ").append(machine).append(".\n");
    s.append("Command: `")
        .append(command)
        .append("`; the authority in its own JVM, ")
        .append(r.path("clients").asInt())
        .append(" minting clients (one connection each) for ")
        .append(r.path("seconds").asInt())
        .append(" s after at least ")
        .append(r.path("warmupSeconds").asInt())
        .append(" s of warm-up (longer while the authority's JIT was still busy); ")
        .append(r.path("revocations").asInt())
        .append(" revocations posted one by one.\n\n");
    s.append(
        "| Store | Mints/s | Mint p50 / p99 (ms) | Authority CPU µs/mint | of which HTTP threads /"
            + " JIT / GC / other | Load generator CPU µs/mint | Warm-up (s) |"
            + " Load average during the run |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (JsonNode run : r.path("runs")) {
      String backend = run.path("backend").asText();
      if (run.has("skipped")) {
        s.append("| ")
            .append(backend)
            .append(" | skipped: ")
            .append(run.path("skipped").asText().replace("|", "/"))
            .append(" | | | | | | |\n");
        continue;
      }
      JsonNode m = run.path("mint");
      JsonNode t = m.path("authorityCpuByThreadMicrosPerMint");
      s.append(
          BenchDoc.row(
              backend,
              fmt(m.path("mintsPerSecond").asDouble(), 0),
              ms(m, "latencyP50Ms") + " / " + ms(m, "latencyP99Ms"),
              micros(m, "authorityCpuMicrosPerMint"),
              String.join(
                  " / ", micros(t, "http"), micros(t, "jit"), micros(t, "gc"), micros(t, "other")),
              micros(m, "loadGeneratorCpuMicrosPerMint"),
              m.path("warmupSecondsUsed").asText("?"),
              m.path("loadAverageBefore").asText("?")
                  + " → "
                  + m.path("loadAverageAfter").asText("?")));
    }
    s.append('\n');
    s.append(
        "| Store | Revocation ack p50 / p99 (ms) | Feed: ack → follower p50 / p99 / max (ms) |"
            + " Not seen |\n");
    s.append("|---|---:|---:|---:|\n");
    for (JsonNode run : r.path("runs")) {
      if (run.has("skipped")) {
        continue;
      }
      JsonNode f = run.path("feed");
      s.append(
          BenchDoc.row(
              run.path("backend").asText(),
              ms(f, "ackP50Ms") + " / " + ms(f, "ackP99Ms"),
              String.join(
                  " / ",
                  ms(f, "seenAfterAckP50Ms"),
                  ms(f, "seenAfterAckP99Ms"),
                  ms(f, "seenAfterAckMaxMs")),
              f.path("notSeenWithin30s").asInt()));
    }
    s.append('\n');
    for (JsonNode run : r.path("runs")) {
      if (run.has("skipped")) {
        continue;
      }
      String backend = run.path("backend").asText();
      double mints = run.path("mint").path("mintsPerSecond").asDouble();
      JsonNode p99 = run.path("feed").path("seenAfterAckP99Ms");
      boolean feedMet =
          !p99.isNull()
              && !p99.isMissingNode()
              && p99.asDouble() <= FEED_P99_TARGET_MS
              && run.path("feed").path("notSeenWithin30s").asInt() == 0;
      if (backend.equals("SQLite")) {
        long failed = run.path("mint").path("failed").asLong();
        s.append("- **")
            .append(mints >= MINT_TARGET && failed == 0 ? "Met" : "Not met")
            .append("**. At least 2,000 mints/s on SQLite: ")
            .append(fmt(mints, 0))
            .append(" mints/s")
            .append(failed == 0 ? "" : ", " + failed + " mint requests failed")
            .append(".\n");
      }
      s.append("- **")
          .append(feedMet ? "Met" : "Not met")
          .append("**. Revocation seen by a follower within 1 s at p99 (")
          .append(backend)
          .append("): ")
          .append(feedMet ? p99.asDouble() + " ms" : "p99 " + p99.asText())
          .append(".\n");
    }
    s.append('\n');
    return s.toString();
  }

  private static String ms(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isNull() || v.isMissingNode() ? "–" : fmt(v.asDouble(), 1);
  }

  private static String micros(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isNull() || v.isMissingNode() ? "–" : fmt(v.asDouble(), 0);
  }

  private static String fmt(double v, int places) {
    return String.format(Locale.ROOT, "%,." + places + "f", v);
  }
}
