package dev.mandate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/** {@code mandate version}: this build's version, and the Java runtime it runs on. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the version of mandate and of the Java runtime it runs on.")
final class VersionCommand extends CliCommand {

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  /** The version Maven wrote into the build, e.g. {@code 0.1.0-SNAPSHOT}. */
  static String version() {
    try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      // Unfiltered (an IDE build): say so rather than print the placeholder.
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  static String runtime() {
    return "Java "
        + System.getProperty("java.version")
        + " ("
        + System.getProperty("java.vendor")
        + "), "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.arch");
  }

  @Override
  public Integer call() {
    Terminal t = terminal();
    if (json) {
      Map<String, String> o = new LinkedHashMap<>();
      o.put("version", version());
      o.put("java", System.getProperty("java.version"));
      o.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
      t.out().println(JsonOut.line(o));
    } else {
      t.out().println("mandate " + version());
      t.out().println(runtime());
    }
    return Mandate.OK;
  }

  /** The same text for {@code mandate --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"mandate " + version(), runtime()};
    }
  }
}
