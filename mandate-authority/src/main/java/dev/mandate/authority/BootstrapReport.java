package dev.mandate.authority;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the first start of an authority created, and where: returned once by {@link
 * AuthorityServer#bootstrapReport()} so the caller can show it. It carries the admin client's
 * secret, which is stored only hashed and cannot be shown again; {@link #toString()} never prints
 * it.
 *
 * @param dataDir the data directory
 * @param masterKeyLocation the master key file, or the environment variable that holds it
 * @param databaseUrl the database, with any password redacted
 * @param policyFile the policy file
 * @param rootKeyId the id of the active root key
 * @param adminClientId the administrative client's id
 * @param adminSecret the administrative client's secret, or {@code null} if it existed before
 * @param url the base URL the authority listens on
 * @param created what this start created, in words, one item per entry
 */
public record BootstrapReport(
    Path dataDir,
    String masterKeyLocation,
    String databaseUrl,
    Path policyFile,
    String rootKeyId,
    String adminClientId,
    String adminSecret,
    String url,
    List<String> created) {

  /** Copies {@code created}. */
  public BootstrapReport {
    Objects.requireNonNull(dataDir, "dataDir");
    created = List.copyOf(created);
  }

  /** The admin secret, when this start created the admin client. */
  public Optional<String> adminSecretOnce() {
    return Optional.ofNullable(adminSecret);
  }

  /** Returns the same report for another base URL (the port is known only once listening). */
  BootstrapReport withUrl(String newUrl) {
    return new BootstrapReport(
        dataDir,
        masterKeyLocation,
        databaseUrl,
        policyFile,
        rootKeyId,
        adminClientId,
        adminSecret,
        newUrl,
        created);
  }

  /** Renders one screen: where everything is and what to do next. Includes the admin secret. */
  public String render() {
    StringBuilder s = new StringBuilder();
    s.append("Mandate authority initialised.\n\n");
    for (String item : created) {
      s.append("  created  ").append(item).append('\n');
    }
    s.append('\n');
    s.append("  data directory  ").append(dataDir).append('\n');
    s.append("  master key      ").append(masterKeyLocation).append('\n');
    s.append("  database        ").append(databaseUrl).append('\n');
    s.append("  policy          ").append(policyFile).append('\n');
    s.append("  root key        ").append(rootKeyId).append('\n');
    s.append("  listening on    ").append(url).append('\n');
    if (adminSecret != null) {
      s.append("\n  admin client    ").append(adminClientId).append('\n');
      s.append("  admin secret    ").append(adminSecret).append('\n');
      s.append(
          "\n  The admin secret is shown ONLY NOW and stored only as a hash. Save it in a secret\n"
              + "  store (or a file only you can read) before you close this window.\n");
    }
    s.append("\nNext:\n");
    s.append(
        "  1. Back up the master key: without it the root keys in the database are useless.\n");
    s.append("  2. Edit the policy to say which client may mint what; it reloads on save:\n");
    s.append("       ").append(policyFile).append('\n');
    s.append("  3. Point gateways at the public keys and the revocation feed:\n");
    s.append("       ").append(url).append("/v1/keys   ").append(url).append("/v1/revocations\n");
    s.append("  4. Create a credential for each client the policy names (admin only):\n");
    s.append("       mandate clients create example-agent --secret-out example-agent.secret\n");
    s.append("  5. Mint a capability as that client:\n");
    s.append("       mandate mint --authority ")
        .append(url)
        .append(" --client example-agent --secret-file FILE ...\n");
    return s.toString();
  }

  @Override
  public String toString() {
    return "BootstrapReport[dataDir="
        + dataDir
        + ", masterKey="
        + masterKeyLocation
        + ", db="
        + databaseUrl
        + ", policy="
        + policyFile
        + ", rootKeyId="
        + rootKeyId
        + ", adminClientId="
        + adminClientId
        + ", adminSecret="
        + (adminSecret == null ? "none" : "<redacted>")
        + ", url="
        + url
        + ", created="
        + created
        + "]";
  }
}
