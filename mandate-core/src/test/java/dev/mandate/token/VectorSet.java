package dev.mandate.token;

import static dev.mandate.token.Fixtures.NOW;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.mandate.caveat.Caveat;
import dev.mandate.caveat.Constraint;
import dev.mandate.crypto.InsecureSecretKeyAccess;
import dev.mandate.crypto.SigningKey;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates the test vectors of docs/vectors/v1 deterministically: fixed keys, fixed clock, seeded
 * randomness. The committed file must equal what this produces (see {@link VectorsTest}).
 */
final class VectorSet {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final Map<String, SigningKey> keys = new LinkedHashMap<>();
  private final ArrayNode cases = F.arrayNode();
  private long seed = 1000;

  private VectorSet() {
    keys.put("root", Fixtures.key(1));
    keys.put("other-root", Fixtures.key(2));
    keys.put("agent", Fixtures.key(9));
    keys.put("sub-agent", Fixtures.key(11));
    keys.put("thief", Fixtures.key(10));
  }

  static ObjectNode generate() {
    VectorSet v = new VectorSet();
    v.all();
    ObjectNode root = F.objectNode();
    root.put("format", "mandate-test-vectors");
    root.put("version", 1);
    root.put(
        "description",
        "Mandate token format v1 test vectors. For each case: trust the listed root keys, set the"
            + " clock to 'time', treat 'revoked' as revoked revocation ids, authorize 'request'"
            + " with 'token', 'proof' (over 'call', the call as received; a DPoP proof with"
            + " 'proofHttp', the HTTP request it came with) and 'approval', with a fresh use"
            + " counter and budget ledger (each case is one call), and compare with 'expected' (decision, code, block,"
            + " caveat). 'revocationIds' lists the token's block revocation ids when it decodes."
            + " Reasons are informative; codes are normative. See docs/spec.md.");
    ObjectNode keyNode = root.putObject("keys");
    v.keys.forEach(
        (name, k) -> {
          ObjectNode kn = keyNode.putObject(name);
          kn.put("keyId", k.verifyingKey().keyId());
          kn.put("public", k.verifyingKey().toText());
          kn.put("private", k.toText(InsecureSecretKeyAccess.get()));
        });
    root.set("cases", v.cases);
    return root;
  }

  private SigningKey k(String name) {
    return keys.get(name);
  }

  private Capability.Minter mint() {
    return Capability.mint(k("root")).clock(Fixtures.clock()).random(Fixtures.random(seed++));
  }

  private Capability.Attenuator fixed(Capability.Attenuator spec) {
    return spec.clock(Fixtures.clock()).random(Fixtures.random(seed++));
  }

  private static ObjectNode req(String service, String action, String resource, ObjectNode args) {
    ObjectNode r = F.objectNode();
    r.put("service", service);
    r.put("action", action);
    r.put("resource", resource);
    r.set("args", args == null ? F.objectNode() : args);
    return r;
  }

  private static ObjectNode read(String path) {
    return req("fs", "read_text_file", path, F.objectNode().put("path", path));
  }

  private static ObjectNode args(Object... kv) {
    ObjectNode a = F.objectNode();
    for (int i = 0; i < kv.length; i += 2) {
      a.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
    }
    return a;
  }

  static Request toRequest(JsonNode r) {
    return new Request(
        r.hasNonNull("audience") ? r.get("audience").asText() : null,
        r.get("service").asText(),
        r.get("action").asText(),
        r.get("resource").asText(),
        (ObjectNode) r.get("args"),
        null,
        r.has("moreResources")
            ? JSON.convertValue(
                r.get("moreResources"),
                new com.fasterxml.jackson.core.type.TypeReference<List<String>>() {})
            : null);
  }

  /** The MCP tools/call a gateway maps to the request: its action as the tool, its args. */
  private static ObjectNode callOf(JsonNode request) {
    ObjectNode c = F.objectNode();
    if (request.hasNonNull("audience")) {
      c.put("audience", request.get("audience").asText());
    }
    c.put("protocol", "mcp");
    c.put("service", request.get("service").asText());
    c.put("method", "POST tools/call");
    c.put("target", request.get("action").asText());
    c.set("args", request.get("args").deepCopy());
    return c;
  }

  static Call toCall(JsonNode c) {
    return new Call(
        c.hasNonNull("audience") ? c.get("audience").asText() : null,
        Call.Protocol.valueOf(c.get("protocol").asText().toUpperCase(java.util.Locale.ROOT)),
        c.get("service").asText(),
        c.get("method").asText(),
        c.get("target").asText(),
        (ObjectNode) c.get("args"));
  }

  /**
   * Makes the case present, with the call a gateway received for its request, a proof by {@code
   * key} over {@code signed} (a call as JSON) made at {@code time}.
   */
  private void prove(ObjectNode c, SigningKey key, ObjectNode signed, Instant time) {
    c.set("call", callOf(c.get("request")));
    c.put(
        "proof",
        Proof.create(key, c.get("token").asText(), toCall(signed), time, Fixtures.random(seed++))
            .text());
  }

  private ObjectNode add(String id, String description, String token, ObjectNode request) {
    ObjectNode c = cases.addObject();
    c.put("id", String.format("%03d-%s", cases.size(), id));
    c.put("description", description);
    c.put("token", token);
    ArrayNode trusted = c.putArray("trustedKeys");
    trusted.add("root");
    c.put("time", NOW.toString());
    c.put("clockSkewSeconds", 30);
    c.put("proofWindowSeconds", 60);
    c.set("request", request);
    c.putNull("call");
    c.putNull("proof");
    c.putNull("approval");
    c.putArray("revoked");
    return c;
  }

  /** Completes a case by running Mandate's verifier and recording what it decides. */
  private void finish(ObjectNode c) {
    List<SigningKey> trusted = new ArrayList<>();
    c.get("trustedKeys").forEach(n -> trusted.add(k(n.asText())));
    List<String> revoked = new ArrayList<>();
    c.get("revoked").forEach(n -> revoked.add(n.asText()));
    Decision d = VectorsTest.decide(c, trusted, revoked);
    ObjectNode e = c.putObject("expected");
    e.put("decision", d.allowed() ? "allow" : "deny");
    e.put("code", d.code().name());
    if (d instanceof Decision.Deny deny) {
      e.put("block", deny.block());
      e.put("caveat", deny.check().label());
    } else {
      e.put("block", -1);
      e.putNull("caveat");
    }
    e.put("reason", d.reason());
    ArrayNode limits = e.putArray("useLimits");
    if (d instanceof Decision.Allow allow) {
      // The max-uses caveats the verifier counted this call against.
      for (Block b : allow.capability().blocks()) {
        for (Caveat cav : b.caveats()) {
          if (cav instanceof Caveat.MaxUses u) {
            limits.addObject().put("revocationId", b.revocationId()).put("maxUses", u.uses());
          }
        }
      }
    }
    try {
      Capability cap = Capability.decode(c.get("token").asText());
      c.put("tokenId", cap.tokenId());
      ArrayNode ids = c.putArray("revocationIds");
      cap.revocationIds().forEach(ids::add);
    } catch (InvalidTokenException ex) {
      c.putNull("tokenId");
      c.putNull("revocationIds");
    }
  }

  private void simple(String id, String description, Capability cap, ObjectNode request) {
    finish(add(id, description, cap.toText(), request));
  }

  private static String text(byte[] binary) {
    return "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(binary);
  }

  /** Builds and signs a token by hand, to express chains the builders refuse to make. */
  private String handBuilt(List<byte[]> payloads, List<SigningKey> signers, byte[] secret) {
    List<byte[]> sigs = new ArrayList<>();
    byte[] previous = new byte[32];
    for (int i = 0; i < payloads.size(); i++) {
      byte[] message = Chain.message(previous, payloads.get(i));
      sigs.add(signers.get(i).sign(message));
      previous = Chain.sha256(message);
    }
    return text(Chain.assemble(payloads, sigs, secret));
  }

  private byte[] authorityPayload(List<Caveat> extra, SigningKey next, int flags) {
    List<Caveat> caveats = new ArrayList<>(extra);
    return Chain.payload(
        0,
        new byte[16],
        k("root").verifyingKey().keyId(),
        NOW,
        List.of(Grant.parse("fs:*:/data/**")),
        caveats,
        next.verifyingKey().bytes(),
        commitmentFor(next, flags),
        flags);
  }

  private static byte[] commitmentFor(SigningKey next, int flags) {
    return flags == 0
        ? Chain.commitment(next.seed(InsecureSecretKeyAccess.get()))
        : Chain.NO_COMMITMENT;
  }

  private void all() {
    Capability base =
        mint()
            .allow("fs:{read_text_file,list_directory}:/data/invoices/**")
            .ttl(Duration.ofHours(1))
            .sign();
    simple("allow-basic", "a grant covers the request", base, read("/data/invoices/2024/jan.pdf"));
    simple(
        "allow-brace-action",
        "a brace set in the action matches list_directory",
        base,
        req("fs", "list_directory", "/data/invoices/2024", args("path", "/data/invoices/2024")));
    simple(
        "deny-other-action",
        "write_file is not granted",
        base,
        req("fs", "write_file", "/data/invoices/2024/x", args("path", "/data/invoices/2024/x")));
    simple(
        "deny-other-service",
        "the grant names service fs only",
        base,
        req("mail", "read_text_file", "/data/invoices/2024/x", null));
    simple("deny-outside-path", "a path outside the grant", base, read("/data/hr/salaries.csv"));
    simple(
        "deny-traversal",
        "'..' is resolved before matching",
        base,
        read("/data/invoices/../hr/salaries.csv"));
    simple(
        "deny-traversal-above-root",
        "'..' above the root is refused",
        base,
        read("/data/invoices/../../../../etc/passwd"));
    simple(
        "deny-encoded-separator",
        "%2f is refused in path resources",
        base,
        read("/data/invoices/..%2f..%2fhr/salaries.csv"));
    simple(
        "deny-encoded-dots",
        "%2e%2e is refused in path resources",
        base,
        read("/data/invoices/%2e%2e/hr/salaries.csv"));
    simple(
        "deny-backslash",
        "a backslash is refused in path resources",
        base,
        read("/data/invoices/..\\hr\\salaries.csv"));
    simple(
        "deny-fullwidth-solidus",
        "compatibility characters (NFKC) are refused",
        base,
        read("/data/invoices/2024\uff0f..\uff0f..\uff0fhr"));
    simple(
        "deny-case-variant",
        "matching is case-sensitive",
        base,
        read("/data/INVOICES/2024/jan.pdf"));
    simple(
        "deny-dotless-i",
        "no Unicode case folding: U+0131 is not i",
        base,
        read("/data/\u0131nvoices/2024/jan.pdf"));
    simple("allow-double-slash", "'//' collapses", base, read("/data//invoices/./2024/jan.pdf"));

    Capability two =
        fixed(base.attenuate())
            .allow("fs:read_text_file:/data/invoices/2024/**")
            .ttl(Duration.ofMinutes(10))
            .sign();
    Capability three =
        fixed(two.attenuate()).allow("fs:read_text_file:/data/invoices/2024/q1/**").sign();
    simple(
        "allow-three-blocks",
        "every block's grants cover the request",
        three,
        read("/data/invoices/2024/q1/jan.pdf"));
    simple(
        "deny-three-blocks-last",
        "the last block narrows further",
        three,
        read("/data/invoices/2024/q2/apr.pdf"));
    Capability widened = fixed(two.attenuate()).allow("fs:*:**").allow("mail:send:*").sign();
    simple(
        "deny-widening",
        "an attenuation cannot widen: 2023 stays denied",
        widened,
        read("/data/invoices/2023/dec.pdf"));
    simple(
        "deny-widening-service",
        "an attenuation cannot add a service",
        widened,
        req("mail", "send", "bob@example.com", null));

    ObjectNode c =
        add(
            "deny-expired",
            "authority expiry passed (beyond 30 s skew)",
            base.toText(),
            read("/data/invoices/2024/jan.pdf"));
    c.put("time", NOW.plus(Duration.ofHours(1)).plusSeconds(31).toString());
    finish(c);
    c =
        add(
            "allow-within-skew",
            "20 s past expiry is within 30 s skew",
            base.toText(),
            read("/data/invoices/2024/jan.pdf"));
    c.put("time", NOW.plus(Duration.ofHours(1)).plusSeconds(20).toString());
    finish(c);
    c =
        add(
            "deny-expired-attenuation",
            "block 1's shorter lifetime passed",
            two.toText(),
            read("/data/invoices/2024/jan.pdf"));
    c.put("time", NOW.plus(Duration.ofMinutes(20)).toString());
    finish(c);
    c =
        add(
            "deny-expired-zero-skew",
            "no skew configured",
            base.toText(),
            read("/data/invoices/2024/jan.pdf"));
    c.put("time", NOW.plus(Duration.ofHours(1)).plusSeconds(1).toString());
    c.put("clockSkewSeconds", 0);
    finish(c);

    simple(
        "deny-not-yet-valid",
        "not-before in the future",
        mint()
            .allow("fs:*:/data/**")
            .ttl(Duration.ofHours(2))
            .notBefore(NOW.plusSeconds(600))
            .sign(),
        read("/data/a"));

    Capability aud =
        mint().allow("fs:*:/data/**").ttl(Duration.ofHours(1)).audience("gw-eu", "gw-us").sign();
    ObjectNode r = read("/data/a");
    r.put("audience", "gw-us");
    simple("allow-audience", "the audience is listed", aud, r);
    r = read("/data/a");
    r.put("audience", "gw-asia");
    simple("deny-audience", "the audience is not listed", aud, r);
    simple("deny-audience-missing", "an audience caveat needs an audience", aud, read("/data/a"));

    Capability exact =
        mint()
            .allow("db:query:*")
            .ttl(Duration.ofHours(1))
            .constrain("/mode", new Constraint.Exact(TextNode.valueOf("read")))
            .sign();
    simple(
        "allow-arg-exact",
        "exact string",
        exact,
        req("db", "query", "orders", args("mode", "read")));
    simple(
        "deny-arg-exact",
        "exact string differs",
        exact,
        req("db", "query", "orders", args("mode", "write")));
    simple(
        "deny-arg-missing",
        "a constrained argument must be present",
        exact,
        req("db", "query", "orders", null));
    Capability oneOf =
        mint()
            .allow("db:query:*")
            .ttl(Duration.ofHours(1))
            .constrain(
                "/limit",
                new Constraint.OneOf(List.of(JSON.valueToTree(10), JSON.valueToTree(100))))
            .sign();
    simple(
        "allow-arg-one-of-number",
        "numbers compare by value (100.0 = 100)",
        oneOf,
        req("db", "query", "orders", args("limit", new BigDecimal("100.0"))));
    simple(
        "deny-arg-one-of-string",
        "a string is not a number",
        oneOf,
        req("db", "query", "orders", args("limit", "10")));
    Capability glob =
        mint()
            .allow("mail:send:*")
            .ttl(Duration.ofHours(1))
            .constrain("/to", new Constraint.Glob("*@example.com"))
            .sign();
    simple(
        "allow-arg-glob",
        "glob over an email",
        glob,
        req("mail", "send", "outbox", args("to", "bob@example.com")));
    simple(
        "deny-arg-glob",
        "exfiltration address",
        glob,
        req("mail", "send", "outbox", args("to", "eve@evil.example")));
    Capability prefix =
        mint()
            .allow("kv:get:*")
            .ttl(Duration.ofHours(1))
            .constrain("/key", new Constraint.Prefix("tenant-42/"))
            .sign();
    simple("deny-arg-prefix", "prefix", prefix, req("kv", "get", "k", args("key", "tenant-43/x")));
    Capability regex =
        mint()
            .allow("issue:get:*")
            .ttl(Duration.ofHours(1))
            .constrain("/id", new Constraint.Regex("[A-Z]+-[0-9]{1,6}"))
            .sign();
    simple(
        "allow-arg-regex",
        "whole-string RE2 match",
        regex,
        req("issue", "get", "x", args("id", "SEC-42")));
    simple(
        "deny-arg-regex-partial",
        "the regex must match the whole value",
        regex,
        req("issue", "get", "x", args("id", "SEC-42; drop")));
    Capability range =
        mint()
            .allow("bank:transfer:*")
            .ttl(Duration.ofHours(1))
            .constrain("/amount", new Constraint.Range(BigDecimal.ZERO, new BigDecimal("100")))
            .sign();
    simple(
        "allow-arg-range",
        "within range",
        range,
        req("bank", "transfer", "acct-1", args("amount", 99.5)));
    simple(
        "deny-arg-range",
        "above range",
        range,
        req("bank", "transfer", "acct-1", args("amount", 100.01)));
    Capability cidr =
        mint()
            .allow("net:connect:*")
            .ttl(Duration.ofHours(1))
            .constrain("/ip", new Constraint.CidrSet(List.of("203.0.113.0/24")))
            .sign();
    simple(
        "allow-arg-cidr",
        "inside the block",
        cidr,
        req("net", "connect", "x", args("ip", "203.0.113.7")));
    simple(
        "deny-arg-cidr-octal",
        "octal IPv4 forms are not addresses",
        cidr,
        req("net", "connect", "x", args("ip", "0313.0.113.7")));
    Capability within =
        mint()
            .allow("fs:write_file:**")
            .ttl(Duration.ofHours(1))
            .constrain("/path", new Constraint.PathWithin("/work/out"))
            .sign();
    simple(
        "allow-arg-path-within",
        "inside the base",
        within,
        req("fs", "write_file", "/work/out/a.txt", args("path", "/work/out/a.txt")));
    simple(
        "deny-arg-path-within-traversal",
        "traversal out of the base",
        within,
        req("fs", "write_file", "/work/out/a.txt", args("path", "/work/out/../../etc/cron.d/x")));
    Capability url =
        mint()
            .allow("http:fetch:*")
            .ttl(Duration.ofHours(1))
            .constrain("/url", new Constraint.Url(List.of("https"), List.of("api.example.com")))
            .sign();
    simple(
        "allow-arg-url",
        "allowed scheme and host",
        url,
        req("http", "fetch", "x", args("url", "https://api.example.com/v1/items")));
    simple(
        "deny-arg-url-metadata",
        "cloud metadata address",
        url,
        req("http", "fetch", "x", args("url", "https://169.254.169.254/latest/meta-data/")));
    simple(
        "deny-arg-url-userinfo",
        "userinfo tricks",
        url,
        req("http", "fetch", "x", args("url", "https://api.example.com@evil.example/")));
    Capability shell =
        mint()
            .allow("sh:run:*")
            .ttl(Duration.ofHours(1))
            .constrain("/cmd", new Constraint.Shell(List.of("ls", "git")))
            .sign();
    simple(
        "allow-arg-shell",
        "allowed program, plain words",
        shell,
        req("sh", "run", "x", args("cmd", "git log --oneline 'a b'")));
    simple(
        "deny-arg-shell-metachar",
        "command substitution",
        shell,
        req("sh", "run", "x", args("cmd", "ls $(curl evil.example)")));
    simple(
        "deny-arg-shell-program",
        "program not on the list",
        shell,
        req("sh", "run", "x", args("cmd", "rm -rf /")));
    Capability combo =
        mint()
            .allow("mail:send:*")
            .ttl(Duration.ofHours(1))
            .constrain(
                "/to",
                new Constraint.AllOf(
                    List.of(
                        new Constraint.AnyOf(
                            List.of(
                                new Constraint.Glob("*@example.com"),
                                new Constraint.Glob("*@example.org"))),
                        new Constraint.Not(
                            new Constraint.Exact(TextNode.valueOf("ceo@example.com"))))))
            .sign();
    simple(
        "allow-arg-combinators",
        "any-of and not",
        combo,
        req("mail", "send", "o", args("to", "ann@example.org")));
    simple(
        "deny-arg-combinators-not",
        "the negated value",
        combo,
        req("mail", "send", "o", args("to", "ceo@example.com")));

    Capability cond =
        mint()
            .allow("bank:transfer:*")
            .ttl(Duration.ofHours(1))
            .where("args.amount <= 100 && args.currency == 'EUR'")
            .sign();
    simple(
        "allow-condition",
        "CEL condition true",
        cond,
        req("bank", "transfer", "a", args("amount", 20, "currency", "EUR")));
    simple(
        "deny-condition",
        "CEL condition false",
        cond,
        req("bank", "transfer", "a", args("amount", 20, "currency", "USD")));
    simple(
        "deny-condition-missing-key",
        "a missing key fails closed",
        cond,
        req("bank", "transfer", "a", args("amount", 20)));

    Capability uses = mint().allow("fs:*:/data/**").ttl(Duration.ofHours(1)).maxUses(3).sign();
    simple(
        "allow-max-uses-reported",
        "max uses is reported for the gateway to count",
        uses,
        read("/data/a"));

    ObjectNode revokedCase =
        add(
            "deny-revoked-parent",
            "revoking block 0 cascades to every descendant",
            three.toText(),
            read("/data/invoices/2024/q1/jan.pdf"));
    ((ArrayNode) revokedCase.get("revoked")).add(three.revocationIds().get(0));
    finish(revokedCase);
    revokedCase =
        add(
            "deny-revoked-middle",
            "revoking block 1",
            three.toText(),
            read("/data/invoices/2024/q1/jan.pdf"));
    ((ArrayNode) revokedCase.get("revoked")).add(three.revocationIds().get(1));
    finish(revokedCase);

    c =
        add(
            "deny-unknown-root",
            "signed by an untrusted root key",
            Capability.mint(k("other-root"))
                .clock(Fixtures.clock())
                .random(Fixtures.random(seed++))
                .allow("fs:*:/data/**")
                .ttl(Duration.ofHours(1))
                .sign()
                .toText(),
            read("/data/a"));
    finish(c);

    byte[] flipped = three.toBytes();
    int sigAt = 4 + (((flipped[2] & 0xFF) << 8) | (flipped[3] & 0xFF)) + 10;
    flipped[sigAt] ^= 0x40;
    finish(
        add(
            "deny-bad-signature",
            "one bit of block 0's signature flipped",
            text(flipped),
            read("/data/invoices/2024/q1/jan.pdf")));
    byte[] grantEdit = three.toBytes();
    String asLatin = new String(grantEdit, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = asLatin.indexOf("/q1/");
    grantEdit[at + 2] = '2';
    finish(
        add(
            "deny-edited-grant",
            "block 2's grant edited from q1 to q2",
            text(grantEdit),
            read("/data/invoices/2024/q2/apr.pdf")));

    Chain ch = three.chain();
    finish(
        add(
            "deny-block-removed",
            "the last block removed; the old secret no longer matches",
            text(
                Chain.assemble(
                    List.of(ch.payloadOf(0), ch.payloadOf(1)),
                    List.of(ch.links.get(0).signature(), ch.links.get(1).signature()),
                    ch.secret)),
            read("/data/invoices/2024/q2/apr.pdf")));
    finish(
        add(
            "deny-blocks-reordered",
            "blocks 1 and 2 swapped",
            text(
                Chain.assemble(
                    List.of(ch.payloadOf(0), ch.payloadOf(2), ch.payloadOf(1)),
                    List.of(
                        ch.links.get(0).signature(),
                        ch.links.get(2).signature(),
                        ch.links.get(1).signature()),
                    ch.secret)),
            read("/data/invoices/2024/q1/jan.pdf")));
    Capability otherBase = mint().allow("fs:*:/data/**").ttl(Duration.ofHours(1)).sign();
    finish(
        add(
            "deny-spliced",
            "block 1 of one token spliced onto another token's authority block",
            text(
                Chain.assemble(
                    List.of(otherBase.chain().payloadOf(0), ch.payloadOf(1)),
                    List.of(
                        otherBase.chain().links.get(0).signature(), ch.links.get(1).signature()),
                    two.chain().secret)),
            read("/data/invoices/2024/jan.pdf")));

    byte[] v2 = base.toBytes();
    v2[0] = 2;
    finish(
        add(
            "deny-unknown-version",
            "format version 2 is unknown",
            text(v2),
            read("/data/invoices/a")));

    SigningKey eph = SigningKey.generate(Fixtures.random(seed++));
    byte[] unknownCaveat =
        authorityPayload(List.of(new Caveat.Expiry(NOW.plusSeconds(3600))), eph, 0);
    // Append a caveat of unknown kind 99 by rewriting the caveat count and body.
    unknownCaveat = withExtraCaveat(unknownCaveat, 99);
    finish(
        add(
            "deny-unknown-caveat",
            "caveat kind 99 is unknown, so the token is denied",
            handBuilt(
                List.of(unknownCaveat),
                List.of(k("root")),
                eph.seed(InsecureSecretKeyAccess.get())),
            read("/data/a")));

    byte[] noExpiry = authorityPayload(List.of(), eph, 0);
    finish(
        add(
            "deny-no-expiry",
            "an authority block without expiry is malformed",
            handBuilt(
                List.of(noExpiry), List.of(k("root")), eph.seed(InsecureSecretKeyAccess.get())),
            read("/data/a")));

    byte[] depthZero =
        authorityPayload(
            List.of(new Caveat.Expiry(NOW.plusSeconds(3600)), new Caveat.MaxDepth(0)), eph, 0);
    SigningKey eph2 = SigningKey.generate(Fixtures.random(seed++));
    byte[] extra =
        Chain.payload(
            1,
            null,
            null,
            null,
            List.of(),
            List.of(),
            eph2.verifyingKey().bytes(),
            commitmentFor(eph2, 0),
            0);
    finish(
        add(
            "deny-max-depth",
            "max-depth 0 in block 0 but a block follows",
            handBuilt(
                List.of(depthZero, extra),
                List.of(k("root"), eph),
                eph2.seed(InsecureSecretKeyAccess.get())),
            read("/data/a")));

    byte[] sealedPayload =
        authorityPayload(List.of(new Caveat.Expiry(NOW.plusSeconds(3600))), eph, Chain.FLAG_SEALED);
    finish(
        add(
            "deny-block-after-seal",
            "a block follows a sealed block",
            handBuilt(
                List.of(sealedPayload, extra),
                List.of(k("root"), eph),
                eph2.seed(InsecureSecretKeyAccess.get())),
            read("/data/a")));
    simple(
        "allow-sealed",
        "a sealed token still authorizes",
        fixed(base.attenuate()).seal().sign(),
        read("/data/invoices/a"));

    String b = base.toText();
    finish(
        add(
            "deny-truncated",
            "the text form cut short",
            b.substring(0, b.length() - 7),
            read("/data/invoices/a")));
    finish(
        add("deny-padded-base64", "padding is not canonical", b + "=", read("/data/invoices/a")));
    finish(
        add("deny-wrong-prefix", "not a Mandate token", "Bearer " + b, read("/data/invoices/a")));

    SigningKey agent = k("agent");
    Capability bound =
        mint()
            .allow("fs:read_text_file:/data/**")
            .ttl(Duration.ofHours(1))
            .bindTo(agent.verifyingKey())
            .sign();
    simple("deny-holder-no-proof", "a bound token needs a proof", bound, read("/data/a.txt"));
    ObjectNode pr = read("/data/a.txt");
    c = add("allow-holder-proof", "a fresh proof by the holder", bound.toText(), pr);
    prove(c, agent, callOf(pr), NOW.minusSeconds(5));
    finish(c);
    c =
        add(
            "deny-holder-proof-other-args",
            "a proof for other arguments",
            bound.toText(),
            read("/data/b.txt"));
    prove(c, agent, callOf(pr), NOW);
    finish(c);
    // A proof for the same call but one signed field changed: another tool, MCP method,
    // protocol, gateway or service.
    String[][] others = {
      {"target", "write_file", "a proof for another tool"},
      {"method", "POST prompts/get", "a proof for another MCP method"},
      {"protocol", "http", "a proof for the same names over another protocol"},
      {"audience", "other-gateway", "a proof for another gateway"},
      {"service", "mail", "a proof for another service"},
    };
    for (String[] other : others) {
      c = add("deny-holder-proof-other-" + other[0], other[2], bound.toText(), pr);
      prove(c, agent, callOf(pr).put(other[0], other[1]), NOW);
      finish(c);
    }
    c = add("deny-holder-proof-stale", "a proof older than the window", bound.toText(), pr);
    prove(c, agent, callOf(pr), NOW.minusSeconds(200));
    finish(c);
    c = add("deny-holder-proof-thief", "a proof by another key", bound.toText(), pr);
    prove(c, k("thief"), callOf(pr), NOW);
    finish(c);
    c =
        add(
            "deny-holder-proof-without-call",
            "a proof presented without the call it signs",
            bound.toText(),
            pr);
    prove(c, agent, callOf(pr), NOW);
    c.putNull("call");
    finish(c);
    c =
        add(
            "deny-holder-proof-call-for-other-service",
            "the call presented is for another service than the request decided",
            bound.toText(),
            pr);
    prove(c, agent, callOf(pr).put("service", "mail"), NOW);
    ((ObjectNode) c.get("call")).put("service", "mail");
    finish(c);
    c =
        add(
            "deny-holder-proof-version-1",
            "a version 1 proof (mndp1_), which signed the mapped request",
            bound.toText(),
            pr);
    prove(c, agent, callOf(pr), NOW);
    c.put("proof", "mndp1_" + c.get("proof").asText().substring(Proof.TEXT_PREFIX.length()));
    finish(c);

    Capability invoices =
        mint()
            .allow("billing:get_invoice:/invoices/**")
            .ttl(Duration.ofHours(1))
            .audience("gw-1")
            .bindTo(agent.verifyingKey())
            .sign();
    ObjectNode invoice =
        req("billing", "get_invoice", "/invoices/42", args("id", "42", "full", "1"))
            .put("audience", "gw-1");
    ObjectNode httpCall = F.objectNode();
    httpCall.put("audience", "gw-1");
    httpCall.put("protocol", "http");
    httpCall.put("service", "billing");
    httpCall.put("method", "GET");
    httpCall.put("target", "/invoices/42?full=1");
    httpCall.putObject("args");
    c =
        add(
            "allow-holder-proof-http",
            "an HTTP call signed as sent (method, path and query, body arguments); the gateway maps"
                + " it to the route's request",
            invoices.toText(),
            invoice);
    prove(c, agent, httpCall, NOW);
    c.set("call", httpCall);
    finish(c);
    c =
        add(
            "deny-holder-proof-http-other-path",
            "an HTTP proof for another path",
            invoices.toText(),
            invoice);
    prove(c, agent, httpCall.deepCopy().put("target", "/invoices/43?full=1"), NOW);
    c.set("call", httpCall);
    finish(c);

    Capability delegated =
        fixed(bound.attenuate())
            .allow("fs:read_text_file:/data/invoices/**")
            .bindTo(k("sub-agent").verifyingKey())
            .sign(agent);
    ObjectNode dr = read("/data/invoices/a.pdf");
    c = add("allow-delegated", "the sub-agent proves with its own key", delegated.toText(), dr);
    prove(c, k("sub-agent"), callOf(dr), NOW);
    finish(c);
    c =
        add(
            "deny-delegated-parent-key",
            "the parent's key is no longer the holder",
            delegated.toText(),
            dr);
    prove(c, agent, callOf(dr), NOW);
    finish(c);

    byte[] rebind =
        Chain.payload(
            1,
            null,
            null,
            null,
            List.of(),
            List.of(),
            k("thief").verifyingKey().bytes(),
            Chain.NO_COMMITMENT,
            Chain.FLAG_HOLDER);
    String rebound =
        handBuilt(
            List.of(bound.chain().payloadOf(0), rebind), List.of(k("root"), k("thief")), null);
    c = add("deny-rebind-by-thief", "a thief re-binds a stolen token to its own key", rebound, pr);
    prove(c, k("thief"), callOf(pr), NOW);
    finish(c);

    Capability moves =
        mint()
            .allow("fs:move_file:/data/inbox/**")
            .allow("fs:move_file:/data/archive/**")
            .ttl(Duration.ofHours(1))
            .sign();
    simple(
        "allow-more-resources",
        "a move whose source and destination are each covered, through different grants",
        moves,
        move("/data/inbox/a.txt", "/data/archive/a.txt"));
    simple(
        "deny-more-resources-outside",
        "a move whose destination (a further resource) no grant covers",
        moves,
        move("/data/inbox/a.txt", "/tmp/exfil/a.txt"));
    simple(
        "deny-more-resources-traversal",
        "further resources are normalised like the first: .. climbs out of the grant",
        moves,
        move("/data/inbox/a.txt", "/data/archive/../../etc/a.txt"));

    Capability approvals =
        mint()
            .allow("mail:send_email:*@example.com")
            .ttl(Duration.ofHours(1))
            .requireApproval("finance")
            .sign();
    ObjectNode pay =
        req("mail", "send_email", "bob@example.com", args("to", "bob@example.com", "amount", 40));
    simple(
        "deny-approval-required",
        "an approval caveat and no approval with the call",
        approvals,
        pay);
    Approval approved =
        Approval.issue(
            k("root"),
            approvals.tokenId(),
            toRequest(pay),
            "finance",
            NOW.plus(Duration.ofMinutes(5)),
            Fixtures.random(seed++));
    c =
        add(
            "allow-approval",
            "an approval of exactly this call by the named group",
            approvals.toText(),
            pay);
    c.put("approval", approved.text());
    finish(c);
    ObjectNode more =
        req("mail", "send_email", "bob@example.com", args("to", "bob@example.com", "amount", 4000));
    c =
        add(
            "deny-approval-other-call",
            "the approval was for other arguments",
            approvals.toText(),
            more);
    c.put("approval", approved.text());
    finish(c);
    c =
        add(
            "deny-approval-other-group",
            "the approval is by a group the caveat does not name",
            approvals.toText(),
            pay);
    c.put(
        "approval",
        Approval.issue(
                k("root"),
                approvals.tokenId(),
                toRequest(pay),
                "interns",
                NOW.plus(Duration.ofMinutes(5)),
                Fixtures.random(seed++))
            .text());
    finish(c);
    grantCaveats();
    budgets();
    dpop();
    budgets();
  }

  /**
   * Spec 7.2: capabilities bound to a DPoP key. The proofs are EdDSA (deterministic); 'proof' holds
   * the DPoP JWT and 'proofHttp' the method and URI of the HTTP request it came with.
   */
  private void dpop() {
    DPoPClient client = DPoPClient.ed25519(k("agent"));
    Capability bound =
        mint()
            .allow("fs:read_text_file:/data/**")
            .audience("gw-1")
            .ttl(Duration.ofHours(1))
            .bindToDPoPKey(client.jkt())
            .sign();
    String token = bound.toText();
    String url = "https://gw.example/mcp/fs";
    ObjectNode pr = read("/data/a.txt").put("audience", "gw-1");
    ObjectNode c = add("deny-dpop-no-proof", "a DPoP-bound token needs a DPoP proof", token, pr);
    c.set("call", callOf(pr));
    finish(c);
    String[][] cases = {
      {"allow-dpop-proof", "a DPoP proof by the key the token names", "POST", url, token, "0"},
      {"deny-dpop-other-method", "a DPoP proof for another HTTP method", "GET", url, token, "0"},
      {
        "deny-dpop-other-uri",
        "a DPoP proof for another URI",
        "POST",
        "https://gw.example/mcp/mail",
        token,
        "0"
      },
      {
        "deny-dpop-other-token",
        "a DPoP proof whose ath hashes another token",
        "POST",
        url,
        mint()
            .allow("fs:read_text_file:/data/**")
            .ttl(Duration.ofHours(1))
            .bindToDPoPKey(client.jkt())
            .sign()
            .toText(),
        "0"
      },
      {"deny-dpop-stale", "a DPoP proof older than the window", "POST", url, token, "-200"},
    };
    for (String[] d : cases) {
      c = add(d[0], d[1], token, pr);
      c.set("call", callOf(pr));
      c.put(
          "proof",
          client.proof(d[2], d[3], d[4], NOW.plusSeconds(Long.parseLong(d[5])), "jti-" + d[0]));
      c.putObject("proofHttp").put("method", "POST").put("uri", url);
      finish(c);
    }
    c = add("deny-dpop-thief", "a DPoP proof by another key", token, pr);
    c.set("call", callOf(pr));
    c.put("proof", DPoPClient.ed25519(k("thief")).proof("POST", url, token, NOW, "jti-thief"));
    c.putObject("proofHttp").put("method", "POST").put("uri", url);
    finish(c);
    c = add("deny-dpop-mandate-proof", "a Mandate proof for a DPoP-bound token", token, pr);
    prove(c, k("agent"), callOf(pr), NOW);
    finish(c);

    SigningKey eph = SigningKey.generate(Fixtures.random(seed++));
    finish(
        add(
            "deny-jkt-without-holder",
            "the JKT flag without the HOLDER flag",
            handBuilt(
                List.of(
                    authorityPayload(
                        List.of(new Caveat.Expiry(NOW.plusSeconds(3600))), eph, Chain.FLAG_JKT)),
                List.of(k("root")),
                null),
            read("/data/a")));
    byte[] jktBound =
        authorityPayload(
            List.of(new Caveat.Expiry(NOW.plusSeconds(3600))),
            eph,
            Chain.FLAG_HOLDER | Chain.FLAG_JKT);
    byte[] after =
        Chain.payload(
            1,
            null,
            null,
            null,
            List.of(),
            List.of(),
            eph.verifyingKey().bytes(),
            Chain.NO_COMMITMENT,
            Chain.FLAG_HOLDER);
    finish(
        add(
            "deny-block-after-jkt",
            "a block follows a block bound to a DPoP key",
            handBuilt(List.of(jktBound, after), List.of(k("root"), eph), null),
            read("/data/a")));
  }

  /** Spec 5.3: a grant's own argument constraints and conditions. */
  private void grantCaveats() {
    Capability bank =
        mint()
            .allow(
                Grant.parse("bank:send_money:*")
                    .constrain("/amount", new Constraint.Exact(JSON.valueToTree(4)))
                    .where("args.recipient == 'GB29NWBK60161331926819'"))
            .allow("bank:get_balance:*")
            .ttl(Duration.ofHours(1))
            .sign();
    simple(
        "allow-grant-caveats",
        "send_money's own constraints hold: amount exactly 4 to the one recipient",
        bank,
        req(
            "bank",
            "send_money",
            "acct-1",
            args("amount", 4, "recipient", "GB29NWBK60161331926819")));
    simple(
        "allow-grant-caveats-other-grant",
        "get_balance has no amount, and send_money's constraints do not apply to it",
        bank,
        req("bank", "get_balance", "acct-1", args()));
    simple(
        "deny-grant-caveat-argument",
        "the one grant that matches send_money requires amount 4",
        bank,
        req(
            "bank",
            "send_money",
            "acct-1",
            args("amount", 9000, "recipient", "GB29NWBK60161331926819")));
    simple(
        "deny-grant-caveat-condition",
        "the matching grant's condition names another recipient",
        bank,
        req("bank", "send_money", "acct-1", args("amount", 4, "recipient", "attacker")));
    simple(
        "deny-grant-caveat-argument-missing",
        "the matching grant's argument is missing",
        bank,
        req("bank", "send_money", "acct-1", args("recipient", "GB29NWBK60161331926819")));
    Capability either =
        mint()
            .allow(
                Grant.parse("bank:send_money:*")
                    .constrain("/amount", new Constraint.Range(null, new BigDecimal("100"))))
            .allow(
                Grant.parse("bank:send_money:acct-savings")
                    .constrain("/amount", new Constraint.Range(null, new BigDecimal("5000"))))
            .ttl(Duration.ofHours(1))
            .sign();
    simple(
        "allow-grant-caveats-any-matching-grant",
        "two grants match; the second one's constraint holds",
        either,
        req("bank", "send_money", "acct-savings", args("amount", 4000)));
    simple(
        "deny-grant-caveats-every-matching-grant-fails",
        "no matching grant's constraint holds; the first one's failure is reported",
        either,
        req("bank", "send_money", "acct-1", args("amount", 4000)));
    Capability lifted =
        fixed(bank.attenuate()).allow("bank:send_money:*").allow("bank:get_balance:*").sign();
    simple(
        "deny-grant-caveats-attenuation-cannot-lift",
        "a later block's unconstrained grant does not lift the authority block's constraint",
        lifted,
        req(
            "bank",
            "send_money",
            "acct-1",
            args("amount", 9000, "recipient", "GB29NWBK60161331926819")));

    SigningKey eph = SigningKey.generate(Fixtures.random(seed++));
    byte[] expiry = caveatBytes(new Caveat.Expiry(NOW.plusSeconds(3600)));
    byte[] argument = caveatBytes(new Caveat.Argument("/path", new Constraint.Prefix("/data/")));
    byte[] maxDepth = caveatBytes(new Caveat.MaxDepth(2));
    malformed(
        "deny-grant-caveat-no-such-grant",
        "a grant caveat names grant 1 of a block with one grant",
        eph,
        expiry,
        grantCaveatBytes(1, argument));
    malformed(
        "deny-grant-caveat-of-a-block-kind",
        "a grant caveat may hold an argument constraint or a condition only, not an expiry",
        eph,
        expiry,
        grantCaveatBytes(0, expiry));
    malformed(
        "deny-grant-caveat-before-block-caveat",
        "a block caveat after a grant caveat: grant caveats come last, so one binary form",
        eph,
        expiry,
        grantCaveatBytes(0, argument),
        maxDepth);
  }

  /** Budgets and rates (kinds 10 and 11, spec 6.3): one call against a fresh ledger each. */
  private void budgets() {
    Capability budget =
        mint().allow("bank:*:*").ttl(Duration.ofHours(1)).budget("sum(/amount)<=5000").sign();
    simple(
        "allow-budget-fits",
        "a call within the budget is allowed and debited",
        budget,
        req("bank", "send_money", "acct-1", args("amount", 4999.5)));
    simple(
        "deny-budget-one-call-over",
        "one call above the whole budget has no room",
        budget,
        req("bank", "send_money", "acct-1", args("amount", 5001)));
    simple(
        "deny-budget-amount-missing",
        "a missing amount is denied, never counted as zero",
        budget,
        req("bank", "get_balance", "acct-1", null));
    simple(
        "deny-budget-amount-a-string",
        "an amount must be a JSON number",
        budget,
        req("bank", "send_money", "acct-1", args("amount", "100")));
    simple(
        "deny-budget-amount-negative",
        "a negative amount would refill the budget: out of range",
        budget,
        req("bank", "send_money", "acct-1", args("amount", -100)));
    simple(
        "deny-budget-amount-too-precise",
        "amounts are counted in millionths: a seventh digit after the point is out of range",
        budget,
        req("bank", "send_money", "acct-1", args("amount", new BigDecimal("0.0000001"))));
    Capability raised = fixed(budget.attenuate()).budget("sum(/amount)<=9000").sign();
    simple(
        "deny-budget-child-cannot-raise",
        "a child's larger budget does not lift its parent's: block 0 refuses",
        raised,
        req("bank", "send_money", "acct-1", args("amount", 6000)));
    Capability lowered = fixed(budget.attenuate()).budget("sum(/amount)<=100").sign();
    simple(
        "deny-budget-child-lowers",
        "a child may lower the budget: block 1 refuses",
        lowered,
        req("bank", "send_money", "acct-1", args("amount", 101)));
    Capability perGrant =
        mint()
            .allow(Grant.parse("bank:send_money:*").budget("sum(/amount)<=100/1d"))
            .allow("bank:get_balance:*")
            .ttl(Duration.ofHours(1))
            .sign();
    simple(
        "allow-budget-of-another-grant",
        "a grant's budget applies only to the calls that grant covers",
        perGrant,
        req("bank", "get_balance", "acct-1", null));
    simple(
        "deny-rate-of-a-grant",
        "a grant's rate: 101 in a day of at most 100",
        perGrant,
        req("bank", "send_money", "acct-1", args("amount", 101)));
    Capability calls =
        mint().allow("bank:*:*").ttl(Duration.ofHours(1)).budget("calls<=1/1m").sign();
    simple(
        "allow-rate-of-calls",
        "a rate of calls needs no argument",
        calls,
        req("bank", "get_balance", "acct-1", null));

    SigningKey eph = SigningKey.generate(Fixtures.random(seed++));
    byte[] expiry = caveatBytes(new Caveat.Expiry(NOW.plusSeconds(3600)));
    malformed(
        "deny-budget-limit-not-canonical",
        "a budget's limit is plain digits without trailing zeros: 5000.0 is refused",
        eph,
        expiry,
        rawCaveat(CaveatCodec.BUDGET, new ByteWriter().str("/amount").str("5000.0").toByteArray()));
    malformed(
        "deny-budget-limit-zero",
        "a budget's limit is above zero",
        eph,
        expiry,
        rawCaveat(CaveatCodec.BUDGET, new ByteWriter().str("/amount").str("0").toByteArray()));
    malformed(
        "deny-rate-window-zero",
        "a rate's window is at least one second",
        eph,
        expiry,
        rawCaveat(CaveatCodec.RATE, new ByteWriter().str("").str("10").u32(0).toByteArray()));
    malformed(
        "deny-rate-of-calls-fractional",
        "a rate of calls is a whole number of calls",
        eph,
        expiry,
        rawCaveat(CaveatCodec.RATE, new ByteWriter().str("").str("1.5").u32(60).toByteArray()));
  }

  /** A caveat of this kind around these content bytes, whatever they are. */
  private static byte[] rawCaveat(int kind, byte[] content) {
    return new ByteWriter().u8(kind).lengthPrefixed(content).toByteArray();
  }

  /** One caveat in its binary form. */
  private static byte[] caveatBytes(Caveat caveat) {
    ByteWriter out = new ByteWriter(true);
    CaveatCodec.write(out, caveat);
    return out.toByteArray();
  }

  /** A grant caveat (kind 9) around an inner caveat's bytes, whatever they are. */
  private static byte[] grantCaveatBytes(int grant, byte[] inner) {
    byte[] body = new ByteWriter().u16(grant).raw(inner).toByteArray();
    return new ByteWriter().u8(CaveatCodec.GRANT_CAVEAT).lengthPrefixed(body).toByteArray();
  }

  /** A case whose authority block (grant fs:*:/data/**) holds exactly these caveat bytes. */
  private void malformed(String id, String description, SigningKey next, byte[]... caveats) {
    byte[] payload = authorityPayload(List.of(), next, 0);
    for (byte[] caveat : caveats) {
      payload = withExtraCaveat(payload, caveat);
    }
    finish(
        add(
            id,
            description,
            handBuilt(
                List.of(payload), List.of(k("root")), next.seed(InsecureSecretKeyAccess.get())),
            read("/data/a")));
  }

  private static ObjectNode move(String source, String destination) {
    ObjectNode r =
        req("fs", "move_file", source, args("source", source, "destination", destination));
    r.putArray("moreResources").add(destination);
    return r;
  }

  /** Returns the payload with one more caveat of the given unknown kind (empty body). */
  private static byte[] withExtraCaveat(byte[] payload, int kind) {
    return withExtraCaveat(payload, new ByteWriter().u8(kind).u16(0).toByteArray());
  }

  /** Returns the payload with these caveat bytes appended to its caveats. */
  private static byte[] withExtraCaveat(byte[] payload, byte[] caveat) {
    // Authority payload layout: kind(1) tokenId(16) keyId(str) issuedAt(8) grants caveats
    // nextKey(32) flags(1).
    ByteReader in = new ByteReader(payload, 0, payload.length);
    in.u8("kind");
    in.raw(16, "id");
    in.str("kid");
    in.i64("iat");
    int grants = in.u16("grants");
    for (int i = 0; i < grants; i++) {
      in.str("grant");
    }
    int countAt = in.position();
    int count = payload[countAt] & 0xFF;
    byte[] tail = new byte[49];
    System.arraycopy(payload, payload.length - 49, tail, 0, 49);
    ByteWriter out = new ByteWriter();
    out.raw(java.util.Arrays.copyOfRange(payload, 0, countAt));
    out.u8(count + 1);
    out.raw(java.util.Arrays.copyOfRange(payload, countAt + 1, payload.length - 49));
    out.raw(caveat);
    out.raw(tail);
    return out.toByteArray();
  }

  static Instant time(JsonNode c) {
    return Instant.parse(c.get("time").asText());
  }
}
