package dev.mandate.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the image that Jib wrote to {@code target/mandate-image.tar}: its layers are unpacked into a
 * root file system, and its entrypoint, user and environment, read from the image's own config, run
 * an authority, the CLI and a gateway. Where this test may make a mount namespace (as root, the way
 * CI runs), each process runs inside that root file system ({@code unshare --root}, with {@code
 * /proc} and the few device nodes a container runtime provides), so the image's JRE and C libraries
 * are what runs. Elsewhere the same entrypoint runs with the image's JRE and class path on this
 * host's C library, which checks the layout but not the image's libraries.
 */
class ImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final List<String> DEVICES = List.of("null", "zero", "random", "urandom");

  private static Path root;
  private static JsonNode config;
  private static boolean isolated;
  private static final List<Process> processes = new ArrayList<>();
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void unpack() throws Exception {
    Path tar = Path.of(System.getProperty("mandate.image.tar", "target/mandate-image.tar"));
    assertThat(tar).as("the image tarball built by Jib").exists();
    Path work = tar.resolveSibling("image-it");
    run(List.of("rm", "-rf", work.toString()));
    Path unpacked = Files.createDirectories(work.resolve("tar"));
    root = Files.createDirectories(work.resolve("rootfs"));
    run(List.of("tar", "-xf", tar.toString(), "-C", unpacked.toString()));
    JsonNode manifest = JSON.readTree(unpacked.resolve("manifest.json").toFile()).get(0);
    config =
        JSON.readTree(unpacked.resolve(manifest.get("Config").asText()).toFile()).get("config");
    for (JsonNode layer : manifest.get("Layers")) {
      run(
          List.of(
              "tar",
              "-xzf",
              unpacked.resolve(layer.asText()).toString(),
              "-C",
              root.toString(),
              "--same-permissions"));
    }
    for (String dir : List.of("proc", "dev")) {
      Files.createDirectories(root.resolve(dir));
    }
    for (String node : DEVICES) {
      Files.write(root.resolve("dev").resolve(node), new byte[0]);
    }
    isolated = canIsolate();
    Files.writeString(work.resolve("mode.txt"), isolated ? "isolated\n" : "host C library\n");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    // The image's process runs under unshare; switching to the image's user clears the signal that
    // would end it with its parent, so each process tree is stopped from the leaves up.
    List<ProcessHandle> all = new ArrayList<>();
    for (Process p : processes) {
      p.descendants().forEach(all::add);
      all.add(p.toHandle());
    }
    for (ProcessHandle h : all) {
      h.destroy();
    }
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        h.destroyForcibly();
      }
    }
  }

  @Test
  void image_runsAuthorityCliAndGateway() throws Exception {
    assertThat(config.get("User").asText()).isEqualTo("65532:65532");
    assertThat(root.resolve("opt/java/bin/java")).isExecutable();
    assertThat(root.resolve("opt/java/lib/security/cacerts")).isRegularFile();

    int authorityPort = freePort();
    String authority = "http://127.0.0.1:" + authorityPort;
    Process server =
        start(
            "authority",
            Map.of("MANDATE_MASTER_KEY_FILE", "master.key"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(authorityPort),
            "--data",
            "data",
            "--admin-secret-out",
            "admin.secret");
    HttpResponse<String> health = awaitUp(server, authority + "/v1/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(root.resolve("var/lib/mandate/admin.secret")).isRegularFile();

    Process create =
        start(
            "clients-create",
            Map.of(
                "MANDATE_AUTHORITY", authority,
                "MANDATE_CLIENT", "admin",
                "MANDATE_SECRET_FILE", "admin.secret"),
            "clients",
            "create",
            "gateway-1",
            "--secret-out",
            "gateway.secret");
    assertThat(create.waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(create.exitValue()).as(output("clients-create")).isZero();

    int gatewayPort = freePort();
    Files.writeString(
        root.resolve("var/lib/mandate/gateway.yaml"),
        """
        listen: {host: 127.0.0.1, port: %d}
        audience: gateway-1
        authority: {url: %s, clientId: gateway-1, clientSecretFile: gateway.secret}
        spool: {dir: spool}
        """
            .formatted(gatewayPort, authority));
    Process gateway = start("gateway", Map.of(), "gateway", "--config", "gateway.yaml");
    HttpResponse<String> gatewayHealth =
        awaitUp(gateway, "http://127.0.0.1:" + gatewayPort + "/health");
    assertThat(gatewayHealth.statusCode()).as(gatewayHealth.body()).isEqualTo(200);
    assertThat(JSON.readTree(gatewayHealth.body()).get("audience").asText()).isEqualTo("gateway-1");
  }

  /**
   * Starts the image's entrypoint with these arguments, as its user, in its root and working
   * directory (paths in arguments are relative to it, so they mean the same in both modes).
   */
  private static Process start(String name, Map<String, String> env, String... args)
      throws IOException {
    List<String> entrypoint = new ArrayList<>();
    config.get("Entrypoint").forEach(n -> entrypoint.add(n.asText()));
    String workDir = config.get("WorkingDir").asText();
    List<String> command = new ArrayList<>();
    if (isolated) {
      String[] user = config.get("User").asText().split(":");
      StringBuilder script =
          new StringBuilder("r=$0; wd=$1; g=$2; u=$3; shift 3; mount -t proc proc \"$r/proc\"");
      for (String node : DEVICES) {
        script.append(" && mount --bind /dev/%1$s \"$r/dev/%1$s\"".formatted(node));
      }
      script.append(
          " && exec unshare --root=\"$r\" --wd=\"$wd\" --setgid=\"$g\" --setuid=\"$u\" -- \"$@\"");
      command.addAll(
          List.of(
              "unshare",
              "--mount",
              "--kill-child",
              "sh",
              "-c",
              script.toString(),
              root.toString(),
              workDir,
              user[1],
              user[0]));
      command.addAll(entrypoint);
    } else {
      for (String part : entrypoint) {
        command.add(part.startsWith("/") ? root + part : part.replace("/app/", root + "/app/"));
      }
    }
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    for (JsonNode e : config.withArray("Env")) {
      String[] kv = e.asText().split("=", 2);
      pb.environment()
          .put(kv[0], isolated ? kv[1] : kv[1].replace("/var/lib/", root + "/var/lib/"));
    }
    pb.environment().putAll(env);
    pb.directory(isolated ? null : root.resolve(workDir.substring(1)).toFile());
    pb.redirectErrorStream(true);
    pb.redirectOutput(root.getParent().resolve(name + ".log").toFile());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private static HttpResponse<String> awaitUp(Process process, String url) throws Exception {
    Instant deadline = Instant.now().plus(STARTUP);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError("exited with " + process.exitValue() + ": " + lastOutput());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return r;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not up within " + STARTUP + ": " + url + " (" + last + ")");
  }

  private static String lastOutput() throws IOException {
    StringBuilder all = new StringBuilder();
    try (var logs = Files.list(root.getParent())) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
        all.append(log.getFileName()).append(": ").append(Files.readString(log)).append('\n');
      }
    }
    return all.toString();
  }

  private static String output(String name) throws IOException {
    return Files.readString(root.getParent().resolve(name + ".log"), StandardCharsets.UTF_8);
  }

  /**
   * Whether this process may make a mount namespace and change its root, as a container runtime
   * does: tries {@code mandate --version} that way.
   */
  private static boolean canIsolate() throws InterruptedException {
    isolated = true;
    try {
      Process p = start("probe", Map.of(), "--version");
      return p.waitFor(STARTUP.toSeconds(), TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } finally {
      isolated = false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new AssertionError(String.join(" ", command) + ": " + out);
    }
  }
}
