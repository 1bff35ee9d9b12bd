package dev.mandate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.sdk.ApprovalWait;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.MandateMcpCustomizer;
import dev.mandate.sdk.Wallet;
import dev.mandate.testkit.Stack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code mandate demo --console}: the assistant saves its summary, a call its capability allows
 * only with a person's approval. The gateway denies it with {@code APPROVAL_REQUIRED} and records
 * it at the authority; the demo has made an approver account (group {@value #GROUP}, no second
 * factor) and told the person where to sign in; the assistant's runtime waits for the answer
 * ({@link ApprovalWait}, polling the request with its capability) and, once approved, retries the
 * call, which goes through once.
 *
 * <p>The account's password is random; it is written to a file only its owner may read, in the
 * demo's temporary directory, and shown on the screen only when the demo runs in a terminal. It is
 * never logged.
 */
final class ConsoleApproval {
  /**
   * The demo person's account: an operator (who also watches decisions and capabilities) who
   * approves for {@value #GROUP}.
   */
  static final String ACCOUNT = "demo";

  /** The approver group whose approval the assistant's write needs. */
  static final String GROUP = "finance";

  /** The file in the demo's directory that holds the approver's password. */
  static final String PASSWORD_FILE = "console-password";

  /** Where the assistant saves the summary (a workspace path). */
  static final String SUMMARY = "/invoices/2024/summary.txt";

  /** What the assistant's second capability allows, each call with an approval. */
  static final String WRITE_SUMMARY = "fs:write_file:" + SUMMARY;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PASSWORD_BYTES = 18;

  /**
   * How the call ended: whether it went through, whether a person's approval came first (a call
   * that goes through without one would be a hole), and what the trace says about it.
   */
  record Outcome(boolean allowed, boolean approved, String reason) {}

  private ConsoleApproval() {}

  /**
   * Makes the demo person's account and writes its password to {@link #PASSWORD_FILE} in {@code
   * dir}; returns the file.
   *
   * @throws DemoException if the account or the file cannot be made
   */
  static Path account(Stack stack, Path dir, SecureRandom random) {
    byte[] raw = new byte[PASSWORD_BYTES];
    random.nextBytes(raw);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Path file = dir.resolve(PASSWORD_FILE);
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, password + "\n");
    } catch (IOException e) {
      throw new DemoException(
          "cannot write the demo account's password file: " + e.getMessage(), e);
    }
    try {
      stack.api().createPerson(ACCOUNT, password, "operator", List.of(GROUP), null);
    } catch (RuntimeException e) {
      throw new DemoException("the authority refused the demo account: " + e.getMessage(), e);
    }
    return file;
  }

  /**
   * Calls {@code write_file} for the summary with {@code handle}; if the gateway asks for an
   * approval, waits up to {@code wait} for the person's answer and, once approved, calls again.
   */
  static Outcome saveSummary(
      Wallet wallet,
      CapabilityHandle handle,
      URI mcp,
      URI authority,
      Map<String, Object> arguments,
      Duration wait,
      TraceView view) {
    McpSyncClient client = null;
    try {
      client = connect(wallet, handle, mcp);
      Reply first = call(client, arguments);
      if (first.denial() == null) {
        return first.allowed()
            ? new Outcome(true, false, "allowed WITHOUT the approval its capability requires")
            : new Outcome(false, false, first.text());
      }
      if (!"APPROVAL_REQUIRED".equals(first.denial().path("code").asText())) {
        return new Outcome(false, false, first.text());
      }
      String id = first.denial().at("/approvalTask/id").asText("");
      view.line(
          "  The gateway denied it for want of an approval and recorded it at the authority"
              + (id.isEmpty() ? "." : " as request " + id + "."));
      view.line(
          "  "
              + view.bold("Approve it in the console now")
              + "; the assistant's runtime waits "
              + (wait.toMinutes() > 0 ? wait.toMinutes() + " min" : wait.toSeconds() + " s")
              + " for the answer, then retries once.");
      ApprovalWait approvals = ApprovalWait.of(wallet, authority, HttpClient.newHttpClient(), wait);
      if (!approvals.await(handle, first.denial())) {
        return new Outcome(false, false, "not approved (refused, expired or no answer in time)");
      }
      Reply retried = call(client, arguments);
      return retried.allowed()
          ? new Outcome(true, true, "approved by a person in the console; the retry went through")
          : new Outcome(false, true, "approved, but the retry was refused: " + retried.text());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(false, false, "interrupted while waiting for the approval");
    } catch (RuntimeException e) {
      return new Outcome(false, false, "the call failed: " + e.getMessage());
    } finally {
      if (client != null) {
        client.closeGracefully();
      }
    }
  }

  /** What one call came to: the tool's text, or the gateway's denial (its data). */
  private record Reply(boolean allowed, String text, JsonNode denial) {}

  private static McpSyncClient connect(Wallet wallet, CapabilityHandle handle, URI mcp) {
    String base = mcp.getScheme() + "://" + mcp.getRawAuthority();
    McpSyncClient client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(base)
                    .endpoint(mcp.getRawPath())
                    .httpRequestCustomizer(MandateMcpCustomizer.of(wallet, handle))
                    .build())
            .requestTimeout(Duration.ofSeconds(30))
            .initializationTimeout(Duration.ofSeconds(60))
            .build();
    client.initialize();
    return client;
  }

  private static Reply call(McpSyncClient client, Map<String, Object> arguments) {
    try {
      McpSchema.CallToolResult r =
          client.callTool(new McpSchema.CallToolRequest("write_file", arguments));
      String text =
          r.content().stream()
              .filter(c -> c instanceof McpSchema.TextContent)
              .map(c -> ((McpSchema.TextContent) c).text())
              .collect(Collectors.joining("\n"));
      JsonNode structured =
          r.structuredContent() == null ? null : JSON.valueToTree(r.structuredContent());
      boolean denied =
          Boolean.TRUE.equals(r.isError()) && structured != null && structured.has("code");
      return new Reply(!Boolean.TRUE.equals(r.isError()), text, denied ? structured : null);
    } catch (McpError e) {
      JsonNode data =
          e.getJsonRpcError() == null ? null : JSON.valueToTree(e.getJsonRpcError().data());
      return new Reply(false, e.getMessage(), data instanceof ObjectNode ? data : null);
    }
  }
}
