package dev.mandate.gateway.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.gateway.Secret;
import dev.mandate.gateway.TokenRedaction;
import dev.mandate.gateway.mcp.McpConfig.Stdio;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MCP server run as a child process, speaking newline-delimited JSON-RPC on stdin and stdout.
 * The child gets only {@code PATH} and the configured variables, not the gateway's environment
 * (which may hold the gateway's own secrets). Its stderr is logged at debug level, line by line.
 */
final class StdioUpstream implements UpstreamConnection {
  private static final Logger LOG = LoggerFactory.getLogger(StdioUpstream.class);
  private static final int MAX_STDERR_LINE = 500;

  private final String service;
  private final Process process;
  private final OutputStream stdin;
  private final Listener listener;
  private final long maxMessageBytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private StdioUpstream(String service, Process process, Listener listener, long maxMessageBytes) {
    this.service = service;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.listener = listener;
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Starts the child.
   *
   * @throws UpstreamUnavailableException if it cannot be started
   */
  static StdioUpstream start(
      String service, Stdio config, Listener listener, long maxMessageBytes) {
    List<String> command = new ArrayList<>();
    command.add(config.command());
    command.addAll(config.args());
    ProcessBuilder builder = new ProcessBuilder(command);
    if (config.workingDir() != null) {
      builder.directory(config.workingDir().toFile());
    }
    Map<String, String> env = builder.environment();
    String path = env.get("PATH");
    env.clear();
    if (path != null) {
      env.put("PATH", path);
    }
    for (Map.Entry<String, Secret> e : config.env().entrySet()) {
      env.put(e.getKey(), e.getValue().revealForUse());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UpstreamUnavailableException(
          "upstream " + service + " could not be started: " + e.getMessage(), e);
    }
    StdioUpstream upstream = new StdioUpstream(service, process, listener, maxMessageBytes);
    upstream.startThreads();
    LOG.debug("started upstream {} (pid {})", service, process.pid());
    return upstream;
  }

  private void startThreads() {
    Thread out = new Thread(this::readStdout, "mcp-" + service + "-stdout-" + process.pid());
    out.setDaemon(true);
    out.start();
    Thread err = new Thread(this::readStderr, "mcp-" + service + "-stderr-" + process.pid());
    err.setDaemon(true);
    err.start();
  }

  @Override
  public void send(JsonNode message) {
    byte[] line = (JsonRpc.write(message) + "\n").getBytes(StandardCharsets.UTF_8);
    synchronized (stdin) {
      if (closed.get()) {
        throw new UpstreamUnavailableException("upstream " + service + " has exited");
      }
      try {
        stdin.write(line);
        stdin.flush();
      } catch (IOException e) {
        throw new UpstreamUnavailableException(
            "upstream " + service + " is not accepting input", e);
      }
    }
  }

  @Override
  public boolean alive() {
    return !closed.get() && process.isAlive();
  }

  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    try {
      stdin.close();
    } catch (IOException ignored) {
      // The child is being stopped anyway.
    }
    process.destroy();
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LOG.debug("stopped upstream {} (pid {})", service, process.pid());
  }

  private void readStdout() {
    String why;
    try (InputStream in = process.getInputStream()) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      byte[] buffer = new byte[16 * 1024];
      int n;
      outer:
      while ((n = in.read(buffer)) >= 0) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            line.write(buffer, start, i - start);
            deliver(line.toByteArray());
            line.reset();
            start = i + 1;
          }
        }
        line.write(buffer, start, n - start);
        if (line.size() > maxMessageBytes) {
          LOG.warn(
              "upstream {} sent a message over {} bytes; stopping it", service, maxMessageBytes);
          break outer;
        }
      }
      why = exitDescription();
    } catch (IOException e) {
      why = "its output could not be read";
    }
    boolean wasOpen = !closed.get();
    close();
    if (wasOpen) {
      LOG.warn("upstream {} (pid {}) ended: {}", service, process.pid(), why);
    }
    listener.onClosed(why);
  }

  private String exitDescription() {
    try {
      if (process.waitFor(1, TimeUnit.SECONDS)) {
        return "the process exited with status " + process.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "the process closed its output";
  }

  private void deliver(byte[] line) {
    if (line.length == 0 || (line.length == 1 && line[0] == '\r')) {
      return;
    }
    JsonNode message;
    try {
      message = JsonRpc.parse(line);
    } catch (IOException e) {
      LOG.debug("upstream {} wrote a line that is not JSON; ignored", service);
      return;
    }
    if (message.isArray()) {
      message.forEach(listener::onMessage);
    } else {
      listener.onMessage(message);
    }
  }

  private void readStderr() {
    try (BufferedReader err =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      StringBuilder line = new StringBuilder();
      boolean truncated = false;
      int c;
      while ((c = err.read()) >= 0) {
        if (c == '\n') {
          logStderr(line, truncated);
          line.setLength(0);
          truncated = false;
        } else if (line.length() < MAX_STDERR_LINE) {
          line.append((char) c);
        } else {
          truncated = true;
        }
      }
      if (line.length() > 0) {
        logStderr(line, truncated);
      }
    } catch (IOException ignored) {
      // The child is gone; stdout's reader reports that.
    }
  }

  private void logStderr(CharSequence line, boolean truncated) {
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "upstream {} stderr: {}{}",
          service,
          TokenRedaction.redact(line.toString()),
          truncated ? "..." : "");
    }
  }
}
