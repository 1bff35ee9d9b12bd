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
    StringBuilder s = new StringBuilder("Mandate authority initialised.\n\n");
    for (String item : created) {
      s.append("  created  ").append(item).append('\n');
    }
    s.append(
        """

          data directory  %s
          master key      %s
          database        %s
          policy          %s
          root key        %s
          listening on    %s
        """
            .formatted(dataDir, masterKeyLocation, databaseUrl, policyFile, rootKeyId, url));
    if (adminSecret != null) {
      s.append(
          """

            admin client    %s
            admin secret    %s

            The admin secret is shown ONLY NOW and stored only as a hash. Save it in a secret
            store (or a file only you can read) before you close this window.
          """
              .formatted(adminClientId, adminSecret));
    }
    s.append(
        """

        Next:
          1. Back up the master key: without it the root keys in the database are useless.
          2. Edit the policy to say which client may mint what; it reloads on save:
               %s
          3. Point gateways at the public keys and the revocation feed:
               %s/v1/keys   %s/v1/revocations
          4. Create a credential for each client the policy names (admin only):
               mandate clients create example-agent --secret-out example-agent.secret
          5. Mint a capability as that client:
               mandate mint --authority %s --client example-agent --secret-file FILE ...
        """
            .formatted(policyFile, url, url, url));
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
