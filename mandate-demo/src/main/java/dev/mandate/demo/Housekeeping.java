package dev.mandate.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * What the demo and the scenario suite do around a run: keep the servers' log lines out of the
 * printed trace, and remove the temporary directory afterwards.
 */
public final class Housekeeping {
  private Housekeeping() {}

  /**
   * Keeps INFO and WARN lines on standard error out of the output while a run prints its own trace;
   * errors still show, except from loggers whose names start with one of {@code silencedPrefixes},
   * which are dropped at every level. Returns what undoes it.
   */
  public static Runnable quietLogs(String... silencedPrefixes) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return () -> {};
    }
    List<String> silenced = List.of(silencedPrefixes);
    TurboFilter filter =
        new TurboFilter() {
          @Override
          public FilterReply decide(
              Marker marker,
              ch.qos.logback.classic.Logger logger,
              Level level,
              String format,
              Object[] params,
              Throwable t) {
            boolean quiet =
                !level.isGreaterOrEqual(Level.ERROR)
                    || silenced.stream().anyMatch(logger.getName()::startsWith);
            return quiet ? FilterReply.DENY : FilterReply.NEUTRAL;
          }
        };
    filter.start();
    context.addTurboFilter(filter);
    return () -> context.getTurboFilterList().remove(filter);
  }

  /** Deletes {@code dir} and everything in it; a directory left behind is harmless. */
  public static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // The OS cleans its temporary directory.
    }
  }
}
