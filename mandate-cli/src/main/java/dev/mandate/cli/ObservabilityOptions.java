package dev.mandate.cli;

import dev.mandate.authority.AuthorityConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * What {@code serve} adds for operators watching the authority: {@code --metrics-token-file FILE}
 * (or {@value #ENV_METRICS_TOKEN_FILE}), the bearer token {@code GET /metrics} then requires, and
 * {@code --otlp-endpoint URL} (or {@value #ENV_OTLP_ENDPOINT}), where trace spans are exported.
 */
final class ObservabilityOptions {
  static final String ENV_METRICS_TOKEN_FILE = "MANDATE_METRICS_TOKEN_FILE";
  static final String ENV_OTLP_ENDPOINT = "MANDATE_OTLP_ENDPOINT";

  @Option(
      names = "--metrics-token-file",
      paramLabel = "FILE",
      description =
          "Require 'Authorization: Bearer TOKEN' on GET /metrics, TOKEN (at least 16 characters)"
              + " read from FILE (mode 0600). Default: $MANDATE_METRICS_TOKEN_FILE; without"
              + " either, the metrics are public.")
  Path metricsTokenFile;

  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      description =
          "Export a trace span per request over OTLP/HTTP to URL, such as"
              + " http://127.0.0.1:4318/v1/traces. Default: $MANDATE_OTLP_ENDPOINT; without"
              + " either, tracing is off.")
  String otlpEndpoint;

  /**
   * Applies both settings to the configuration.
   *
   * @throws BadInputException if the token file is unusable or too short, or the URL is not one
   */
  void apply(CommandSpec spec, AuthorityConfig.Builder b) {
    Terminal t = Mandate.terminalOf(spec);
    String option = "--metrics-token-file";
    Path file = metricsTokenFile;
    if (file == null && t.env(ENV_METRICS_TOKEN_FILE) != null) {
      file = Path.of(t.env(ENV_METRICS_TOKEN_FILE));
      option = ENV_METRICS_TOKEN_FILE;
    }
    if (file != null) {
      String token = SecretFiles.read(file, option, "; write the metrics token there (mode 0600)");
      if (token.length() < AuthorityConfig.MIN_METRICS_TOKEN) {
        throw new BadInputException(
            option
                + ": the metrics token must be at least "
                + AuthorityConfig.MIN_METRICS_TOKEN
                + " characters long");
      }
      b.metricsToken(token.toCharArray());
    }
    String url = otlpEndpoint;
    String urlOption = "--otlp-endpoint";
    if (url == null && t.env(ENV_OTLP_ENDPOINT) != null) {
      url = t.env(ENV_OTLP_ENDPOINT);
      urlOption = ENV_OTLP_ENDPOINT;
    }
    if (url != null) {
      try {
        b.tracing(new URI(url), null);
      } catch (URISyntaxException e) {
        throw new BadInputException(urlOption + ": not a URL: " + e.getReason());
      } catch (IllegalArgumentException e) {
        throw new BadInputException(urlOption + ": " + e.getMessage());
      }
    }
  }
}
