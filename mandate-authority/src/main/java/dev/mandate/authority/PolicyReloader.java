package dev.mandate.authority;

import dev.mandate.policy.Policy;
import dev.mandate.policy.PolicyException;
import dev.mandate.policy.PolicyHolder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the policy in force current with the policy file. A valid change takes effect and is
 * audited as {@code policy.reload}; an invalid one is refused loudly (an ERROR log line and a
 * {@code policy.reload.failed} audit record, once per distinct bad content) and the previous policy
 * stays in force.
 */
final class PolicyReloader {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);
  private static final int MAX_PROBLEM_CHARS = 8000;

  private final PolicyHolder holder;
  private final AuditTrail audit;

  PolicyReloader(Path file, Clock clock, AuditTrail audit) {
    try {
      this.holder = PolicyHolder.load(file, clock);
    } catch (PolicyException e) {
      throw new AuthorityStartupException(
          "the policy file "
              + file
              + " is invalid; fix it (mandate policy check) and start"
              + " again:\n"
              + e.getMessage());
    }
    this.audit = audit;
    holder.current().warnings().forEach(w -> LOG.warn("policy warning: {}", w));
  }

  Policy current() {
    return holder.current();
  }

  /** Checks the file once. Never throws: it runs on a schedule that must keep running. */
  void reloadIfChanged() {
    try {
      PolicyHolder.Reload result = holder.reloadIfChanged();
      switch (result.outcome()) {
        case RELOADED -> {
          LOG.info("policy reloaded: {}", result.message());
          result.policy().warnings().forEach(w -> LOG.warn("policy warning: {}", w));
          audit.record("policy.reload", AuditTrail.SYSTEM, null, null, detail(result));
        }
        case REJECTED -> {
          LOG.error("policy reload FAILED, keeping the previous policy: {}", result.message());
          Map<String, Object> detail = detail(result);
          String problems = result.message();
          detail.put(
              "problems",
              problems.length() > MAX_PROBLEM_CHARS
                  ? problems.substring(0, MAX_PROBLEM_CHARS) + "..."
                  : problems);
          audit.record("policy.reload.failed", AuditTrail.SYSTEM, null, null, detail);
        }
        case UNCHANGED -> {}
      }
    } catch (RuntimeException e) {
      LOG.error("policy reload check failed: {}", e.toString(), e);
    }
  }

  private Map<String, Object> detail(PolicyHolder.Reload result) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("file", holder.file().toString());
    detail.put("previousDigest", result.previousDigest());
    detail.put("fileDigest", result.fileDigest());
    detail.put("inForce", result.policy().digest());
    return detail;
  }
}
