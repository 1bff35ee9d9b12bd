package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mandate.testkit.AuthorityApi;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The shipped logging configuration ({@code logback.xml} in main resources) and what the authority
 * writes through it: the JSON switch, the quiet long-poll, and no secret in any line.
 */
class LogOutputTest {
  @TempDir Path tmp;

  @Test
  void jsonSwitch_everyLineIsJsonWithLevelLoggerAndMessage() throws Exception {
    LoggerContext context = configured("json");
    ByteArrayOutputStream out = capture(context);
    Logger log = context.getLogger("dev.mandate.authority.access");
    log.atInfo().addKeyValue("status", 200).log("request \"quoted\"\nsecond line");
    log.atWarn().log("refused");
    context.stop();

    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines).hasSize(2);
    List<JsonNode> events = new ArrayList<>();
    for (String line : lines) {
      events.add(AuthorityTests.JSON.readTree(line));
    }
    assertThat(events.get(0).get("level").asText()).isEqualTo("INFO");
    assertThat(events.get(0).get("loggerName").asText()).isEqualTo("dev.mandate.authority.access");
    assertThat(events.get(0).get("formattedMessage").asText())
        .isEqualTo("request \"quoted\"\nsecond line");
    assertThat(events.get(0).get("kvpList").toString()).contains("\"status\"");
    assertThat(events.get(1).get("level").asText()).isEqualTo("WARN");
  }

  @Test
  void textIsTheDefault_keyValueLines() throws Exception {
    LoggerContext context = configured(null);
    ByteArrayOutputStream out = capture(context);
    context.getLogger("dev.mandate.authority.access").atInfo().addKeyValue("status", 200).log("x");
    context.stop();

    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("level=INFO logger=access msg=\"x\" status=\"200\"");
  }

  @Test
  void revocationLongPoll_isLoggedAtDebugUnlessRefused() throws Exception {
    List<ILoggingEvent> events = new ArrayList<>();
    // The authority closes first: it finishes (and logs) every request before the capture ends.
    try (Capture c = new Capture(events, null);
        AuthorityServer server = AuthorityTests.start(tmp)) {
      AuthorityApi authority = AuthorityTests.api(server);
      assertThat(authority.get("/v1/revocations?since=0&wait=0").status()).isEqualTo(200);
      assertThat(authority.get("/v1/health").status()).isEqualTo(200);
      assertThat(authority.get("/v1/revocations?since=-1").status()).isEqualTo(400);
      assertThat(authority.get("/v1/clients", authority.admin()).status()).isEqualTo(200);
      // A gateway's audit uploads come every 100 ms or so; each is in the audit trail already.
      String gateway =
          Http.basic("gateway-1", authority.createClient(authority.admin(), "gateway-1"));
      String batch =
          "{\"batchId\":\"b-1\",\"events\":[{\"type\":\"decision\",\"at\":\""
              + AuthorityTests.NOW
              + "\"}]}";
      assertThat(authority.post("/v1/audit/batches", batch, gateway).status()).isEqualTo(201);
      assertThat(authority.post("/v1/audit/batches", "{}", gateway).status()).isEqualTo(400);
    }

    assertThat(accessLines(events))
        .containsExactly(
            "DEBUG GET /v1/revocations 200",
            "DEBUG GET /v1/health 200",
            "INFO GET /v1/revocations 400",
            "INFO GET /v1/clients 200",
            "INFO POST /v1/clients 201",
            "DEBUG POST /v1/audit/batches 201",
            "INFO POST /v1/audit/batches 400");
  }

  @Test
  void secretsAndTokens_neverReachTheLog() throws Exception {
    List<ILoggingEvent> events = new ArrayList<>();
    ByteArrayOutputStream rendered = new ByteArrayOutputStream();
    String admin;
    String clientSecret;
    String token;
    try (Capture c = new Capture(events, rendered);
        AuthorityServer server = AuthorityTests.start(tmp)) {
      AuthorityApi authority = AuthorityTests.api(server);
      admin = AuthorityTests.adminSecret(server);
      Reply created = authority.post("/v1/clients", "{\"clientId\":\"agent\"}", authority.admin());
      assertThat(created.status()).isEqualTo(201);
      clientSecret = created.json().get("secret").asText();
      Reply minted =
          authority.post(
              "/v1/capabilities",
              "{\"grants\":[\"fs:read_text_file:/data/invoices/2024/**\"],\"ttl\":\"15m\"}",
              Http.basic("agent", clientSecret));
      assertThat(minted.status()).as(minted.body()).isEqualTo(201);
      token = minted.json().get("token").asText();
      // A token sent where it does not belong, a wrong secret, a secret in the query string.
      authority.post("/v1/revocations", "{\"token\":\"" + token + "\"}", authority.admin());
      authority.get("/v1/clients", Http.basic("admin", "wrong-secret-4f1c"));
      authority.get("/v1/health?secret=query-secret-9d2e");
      authority.post("/v1/clients/agent/secret", "{}", Http.basic("agent", clientSecret + "x"));
    }

    String log = rendered.toString(StandardCharsets.UTF_8);
    assertThat(accessLines(events)).hasSizeGreaterThanOrEqualTo(6);
    assertThat(log).contains("/v1/capabilities").contains("/v1/clients/agent/secret");
    for (String secret :
        List.of(
            admin,
            clientSecret,
            token,
            "wrong-secret-4f1c",
            "query-secret-9d2e",
            basic64("admin", admin),
            basic64("agent", clientSecret))) {
      assertThat(log).as("the log holds a secret").doesNotContain(secret);
    }
  }

  private static String basic64(String client, String secret) {
    return Base64.getEncoder()
        .encodeToString((client + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** "LEVEL METHOD PATH STATUS" of each access-log event. */
  private static List<String> accessLines(List<ILoggingEvent> events) {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : events) {
      if (!e.getLoggerName().equals("dev.mandate.authority.access")) {
        continue;
      }
      java.util.Map<String, Object> kv = new java.util.HashMap<>();
      e.getKeyValuePairs().forEach(p -> kv.put(p.key, p.value));
      out.add(
          e.getLevel() + " " + kv.get("method") + " " + kv.get("path") + " " + kv.get("status"));
    }
    return out;
  }

  /** A context configured from the shipped logback.xml, with MANDATE_LOG_FORMAT set or not. */
  private static LoggerContext configured(String format) throws JoranException {
    URL shipped = AuthorityServer.class.getResource("/logback.xml");
    assertThat(shipped).as("logback.xml in main resources").isNotNull();
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    if (format != null) {
      context.putProperty("MANDATE_LOG_FORMAT", format);
    }
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(shipped);
    return context;
  }

  /** Points the one appender of the root logger at a buffer. */
  private static ByteArrayOutputStream capture(LoggerContext context) {
    List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
    Iterator<Appender<ILoggingEvent>> it =
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
    it.forEachRemaining(appenders::add);
    assertThat(appenders).extracting(Appender::getName).containsExactly("STDERR");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ((OutputStreamAppender<ILoggingEvent>) appenders.get(0)).setOutputStream(out);
    return out;
  }

  /**
   * Collects every event of the {@code dev.mandate} loggers, DEBUG and up, away from the console
   * while it is open, and puts the loggers back as they were when closed.
   */
  private static final class Capture implements AutoCloseable {
    private final Logger mandate;
    private final Level level;
    private final boolean additive;
    private final ListAppender<ILoggingEvent> list = new ListAppender<>();
    private final List<ILoggingEvent> sink;
    private OutputStreamAppender<ILoggingEvent> text;

    Capture(List<ILoggingEvent> sink, ByteArrayOutputStream rendered) {
      assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LoggerContext.class);
      this.sink = sink;
      this.mandate = (Logger) LoggerFactory.getLogger("dev.mandate");
      this.level = mandate.getLevel();
      this.additive = mandate.isAdditive();
      list.setContext(mandate.getLoggerContext());
      list.start();
      mandate.addAppender(list);
      mandate.setLevel(Level.DEBUG);
      mandate.setAdditive(false);
      if (rendered != null) {
        render(rendered);
      }
    }

    /** Also renders every event as text (message, key-value pairs, exception) into {@code out}. */
    private void render(ByteArrayOutputStream out) {
      PatternLayoutEncoder encoder = new PatternLayoutEncoder();
      encoder.setContext(mandate.getLoggerContext());
      encoder.setPattern("%level %logger %msg %kvp %ex%n");
      encoder.start();
      text = new OutputStreamAppender<>();
      text.setContext(mandate.getLoggerContext());
      text.setEncoder(encoder);
      text.setOutputStream(out);
      text.start();
      mandate.addAppender(text);
    }

    @Override
    public void close() {
      mandate.detachAppender(list);
      if (text != null) {
        mandate.detachAppender(text);
        text.stop();
      }
      mandate.setLevel(level);
      mandate.setAdditive(additive);
      list.stop();
      sink.addAll(list.list);
    }
  }
}
