package dev.mandate.authority;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The decision log's appender in the shipped configuration: every line reaches standard error, once
 * and in order, from several threads and through a small queue that fills; none goes through the
 * root logger's appender as well.
 */
class BatchingStderrAppenderTest {
  @Test
  void everyDecisionLine_isWrittenOnce_inOrder_andOnlyByItsOwnAppender() throws Exception {
    URL shipped = AuthorityServer.class.getResource("/logback.xml");
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(shipped);
    ByteArrayOutputStream root = new ByteArrayOutputStream();
    ((OutputStreamAppender<?>)
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR"))
        .setOutputStream(root);
    Logger decisions = context.getLogger("mandate.decisions");
    BatchingStderrAppender appender = (BatchingStderrAppender) decisions.getAppender("DECISIONS");
    assertThat(appender).as("the decision log's own appender").isNotNull();
    // A small queue, so that the threads below fill it and wait for the writer.
    appender.stop();
    appender.setQueueSize(8);
    appender.start();

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream before = System.err;
    int threads = 4;
    int perThread = 2_000;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        int thread = t;
        new Thread(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    decisions
                        .atInfo()
                        .addKeyValue("thread", thread)
                        .addKeyValue("n", i)
                        .log("decision");
                  }
                  done.countDown();
                })
            .start();
      }
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      context.stop();
    } finally {
      System.setErr(before);
    }

    String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(threads * perThread);
    List<List<Integer>> seen = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      seen.add(new ArrayList<>());
    }
    for (String line : lines) {
      assertThat(line).contains("logger=decisions", "msg=\"decision\"");
      int thread = Integer.parseInt(line.replaceAll(".* thread=\"?(\\d+)\"?.*", "$1"));
      int n = Integer.parseInt(line.replaceAll(".* n=\"?(\\d+)\"?.*", "$1"));
      seen.get(thread).add(n);
    }
    for (List<Integer> ns : seen) {
      assertThat(ns).hasSize(perThread).isSorted();
    }
    assertThat(root.size()).as("nothing through the root appender").isZero();
  }

  @Test
  void withoutAnEncoder_itDoesNotStart() {
    BatchingStderrAppender appender = new BatchingStderrAppender();
    appender.setContext(new LoggerContext());
    appender.start();
    assertThat(appender.isStarted()).isFalse();
  }
}
