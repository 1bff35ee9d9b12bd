package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mandate.server.ServerLimits;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Await;
import dev.mandate.testkit.ConsoleBrowser;
import dev.mandate.testkit.ConsoleBrowser.EventStream;
import dev.mandate.testkit.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approval streams and long-polls (an approver's live inbox, an agent's task stream and {@code
 * wait}) wait without a thread and outside the server's queue, so open ones cannot starve the API;
 * each holds a watcher's slot until it ends.
 */
class ApprovalStreamsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String POLICY =
      """
      version: 1
      clients:
        agent:
          grants: ["mail:*:*"]
          maxTtl: 1h
        ops-desk:
          approves: [ops]
          maxTtl: 5m
        gateway-1:
          role: gateway
      """;

  @TempDir Path tmp;
  private ConsoleTests console;
  private AuthorityApi api;
  private String agent;
  private String gateway;
  private String opsDesk;

  @BeforeEach
  void start() throws Exception {
    Files.writeString(tmp.resolve("policy.yaml"), POLICY);
    // Eight threads for requests that queue; more streams than that stay open.
    console =
        new ConsoleTests(
            tmp,
            b ->
                b.serverLimits(
                    ServerLimits.builder()
                        .maxThreads(16)
                        .protectedThreads(8)
                        .queueTimeout(Duration.ofSeconds(2))
                        .build()));
    api = console.api;
    agent = api.clientAuth("agent");
    gateway = api.clientAuth("gateway-1");
    opsDesk = api.clientAuth("ops-desk");
    console.person("alice", "approver", "ops");
  }

  @AfterEach
  void stop() {
    console.close();
  }

  @Test
  void openInboxStreams_doNotTakeTheThreadsTheApiNeeds() throws Exception {
    ConsoleBrowser alice = console.signedIn("alice");
    List<EventStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < 12; i++) {
        EventStream s = alice.events(ApprovalsPage.EVENTS, Map.of());
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.next("inbox", WAIT)).isPresent();
        open.add(s);
      }
      assertThat(console.authority.approvalChanges().watching()).isEqualTo(12);

      CompletableFuture<Integer> page =
          CompletableFuture.supplyAsync(() -> alice.get(ApprovalsPage.PATH).status());
      assertThat(api.get("/v1/audit?limit=1", api.admin()).status()).isEqualTo(200);
      assertThat(page.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);

      // And every open stream still hears of a new request.
      recordEmail();
      for (EventStream s : open) {
        assertThat(s.next("inbox", WAIT).orElseThrow().data()).contains("\"pending\":1");
      }
    } finally {
      open.forEach(EventStream::close);
    }
  }

  @Test
  void anAgentsLongPollAndTaskStream_holdASlotUntilTheyEnd() throws Exception {
    AuthorityApi.Minted m = mintNeedingOps();
    String id = recordEmail(m);
    CompletableFuture<Reply> poll =
        CompletableFuture.supplyAsync(() -> api.approvalTask(id, m.token(), 25_000));
    ConsoleBrowser agentSide = console.browser();
    try (EventStream task =
        agentSide.events(
            ApprovalRequestEndpoints.PATH + "/" + id + ApprovalRequestEndpoints.TASK_PATH,
            Map.of("Authorization", "Bearer " + m.token()))) {
      assertThat(task.status()).isEqualTo(200);
      assertThat(task.next("task", WAIT).orElseThrow().data()).contains("\"status\":\"pending\"");
      Await.until(WAIT, () -> console.authority.approvalChanges().watching() == 2);

      api.answerApprovalRequest(opsDesk, id, true, null);

      assertThat(poll.get(WAIT.toSeconds(), TimeUnit.SECONDS).json().at("/task/status").asText())
          .isEqualTo("approved");
      assertThat(task.next("task", WAIT).orElseThrow().data()).contains("\"status\":\"approved\"");
      assertThat(task.ended(WAIT)).isTrue();
    }
    Await.until(WAIT, () -> console.authority.approvalChanges().watching() == 0);
  }

  private AuthorityApi.Minted mintNeedingOps() {
    return api.mint(agent, "1h", "gw-1", "\"requireApproval\":[\"ops\"]", "mail:*:*");
  }

  private String recordEmail() {
    return recordEmail(mintNeedingOps());
  }

  private String recordEmail(AuthorityApi.Minted m) {
    return ApprovalsPageTest.record(
        api, gateway, m, ApprovalsPageTest.email("bob@example.com", "hi"), "ops");
  }
}
