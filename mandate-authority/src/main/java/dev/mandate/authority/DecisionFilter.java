package dev.mandate.authority;

/**
 * Which decisions a person watches; a null field matches everything.
 *
 * @param clientId decisions on capabilities this client minted
 * @param tokenId decisions on this capability (every block of it)
 * @param service decisions on calls to this service
 * @param decision {@code allow} or {@code deny}
 */
record DecisionFilter(String clientId, String tokenId, String service, String decision) {
  static final DecisionFilter ALL = new DecisionFilter(null, null, null, null);
  private static final int MAX_FIELD = 256;

  /**
   * Builds a filter from a form's values: blank is "any".
   *
   * @throws ApiException 400 naming a value that cannot match anything
   */
  static DecisionFilter of(String clientId, String tokenId, String service, String decision) {
    String d = blankToNull(decision);
    if (d != null && !d.equals("allow") && !d.equals("deny")) {
      throw ApiException.badRequest("invalid_parameter", "decision must be allow or deny");
    }
    return new DecisionFilter(
        bounded("client", clientId),
        Ids.check("capability", blankToNull(tokenId)),
        bounded("service", service),
        d);
  }

  boolean matches(LiveDecision d) {
    return (clientId == null || clientId.equals(d.clientId()))
        && (tokenId == null || tokenId.equals(d.tokenId()))
        && (service == null || service.equals(d.service()))
        && (decision == null || decision.equals(d.decision()));
  }

  /** Whether only the store's indexed columns are filtered (token, client). */
  boolean indexedOnly() {
    return service == null && decision == null;
  }

  private static String bounded(String name, String value) {
    String v = blankToNull(value);
    if (v != null && v.length() > MAX_FIELD) {
      throw ApiException.badRequest(
          "invalid_parameter", name + " is longer than " + MAX_FIELD + " characters");
    }
    return v;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
