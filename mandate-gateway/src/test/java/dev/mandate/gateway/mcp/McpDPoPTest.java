package dev.mandate.gateway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import dev.mandate.testkit.Http;
import dev.mandate.testkit.Reply;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MCP endpoint used with a DPoP-bound capability (spec §7.2) by a client whose proofs come from
 * the OAuth SDK's DPoP proof factory, in front of the real filesystem server; and the endpoint as
 * an OAuth protected resource (RFC 9728, MCP authorization).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpDPoPTest {
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
          + "\"clientInfo\":{\"name\":\"dpop\",\"version\":\"1\"}}}";
  private static final String INITIALIZED =
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  @TempDir static Path tmp;
  private McpTestBed bed;
  private ECKey key;
  private DefaultDPoPProofFactory dpop;

  @BeforeAll
  void start() throws Exception {
    bed = McpTestBed.start(tmp);
    key = new ECKeyGenerator(Curve.P_256).generate();
    dpop = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
  }

  @AfterAll
  void stop() {
    bed.close();
  }

  private String proof(String token) throws Exception {
    return dpop.createDPoPJWT("POST", URI.create(bed.url("/mcp/fs")), new DPoPAccessToken(token))
        .serialize();
  }

  private static Map<String, String> headers(
      String scheme, String token, String proof, String session) {
    Map<String, String> h = new HashMap<>();
    h.put("Content-Type", "application/json");
    h.put("Accept", "application/json, text/event-stream");
    h.put("Authorization", scheme + " " + token);
    if (proof != null) {
      h.put("DPoP", proof);
    }
    if (session != null) {
      h.put("Mcp-Session-Id", session);
      h.put("MCP-Protocol-Version", "2025-11-25");
    }
    return h;
  }

  private String read(String relative) {
    return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
        + "\"name\":\"read_text_file\",\"arguments\":{\"path\":\""
        + bed.files
        + "/"
        + relative
        + "\"}}}";
  }

  @Test
  void sessionAndCalls_withDPoPProofs_replayAndBearerUseRefused() throws Exception {
    String token =
        bed.mintWith(
                "\"holderJkt\":\"" + key.computeThumbprint() + "\"",
                "fs:read_text_file:/data/invoices/2024/**")
            .token();
    HttpResponse<String> init =
        bed.rawPost("/mcp/fs", headers("DPoP", token, proof(token), null), INITIALIZE);
    assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    assertThat(
            bed.rawPost("/mcp/fs", headers("DPoP", token, proof(token), session), INITIALIZED)
                .statusCode())
        .isEqualTo(202);

    String call = read("data/invoices/2024/inv-001.txt");
    String callProof = proof(token);
    HttpResponse<String> allowed =
        bed.rawPost("/mcp/fs", headers("DPoP", token, callProof, session), call);
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    assertThat(allowed.body()).contains("invoice 2024-001");

    HttpResponse<String> replayed =
        bed.rawPost("/mcp/fs", headers("DPoP", token, callProof, session), call);
    assertThat(replayed.statusCode()).isEqualTo(403);
    assertThat(replayed.body()).contains("PROOF_REPLAYED");
    assertThat(replayed.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("invalid_dpop_proof");

    HttpResponse<String> asBearer =
        bed.rawPost("/mcp/fs", headers("Bearer", token, null, session), call);
    // Sent as Bearer, the denial is the JSON-RPC error the Mandate and MCP SDKs read.
    assertThat(asBearer.statusCode()).isEqualTo(200);
    assertThat(asBearer.body()).contains("PROOF_REQUIRED").doesNotContain("invoice 2024-001");

    ECKey thief = new ECKeyGenerator(Curve.P_256).generate();
    String thiefProof =
        new DefaultDPoPProofFactory(thief, JWSAlgorithm.ES256)
            .createDPoPJWT("POST", URI.create(bed.url("/mcp/fs")), new DPoPAccessToken(token))
            .serialize();
    HttpResponse<String> stolen =
        bed.rawPost("/mcp/fs", headers("DPoP", token, thiefProof, null), INITIALIZE);
    assertThat(stolen.statusCode()).isEqualTo(401);
    assertThat(stolen.headers().allValues("WWW-Authenticate"))
        .anySatisfy(c -> assertThat(c).startsWith("DPoP ").contains("invalid_token"));

    HttpResponse<String> outside =
        bed.rawPost(
            "/mcp/fs",
            headers("DPoP", token, proof(token), session),
            read("data/invoices/2023/inv-900.txt"));
    assertThat(outside.statusCode()).isEqualTo(403);
    assertThat(outside.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("DPoP error=\"insufficient_scope\"")
        .contains("scope=\"fs:read_text_file:/data/invoices/2023/inv-900.txt\"")
        .contains("/.well-known/oauth-protected-resource/mcp/fs");
  }

  @Test
  void endpointWithoutToken_is401NamingItsMetadata_whichNamesTheAuthority() throws Exception {
    Map<String, String> none = new HashMap<>();
    none.put("Content-Type", "application/json");
    none.put("Accept", "application/json, text/event-stream");
    HttpResponse<String> r = bed.rawPost("/mcp/fs", none, INITIALIZE);
    assertThat(r.statusCode()).isEqualTo(401);
    String metadata = bed.url("/.well-known/oauth-protected-resource/mcp/fs");
    assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"mandate\"")
        .contains("resource_metadata=\"" + metadata + "\"");
    Reply m = Http.get(metadata, null);
    assertThat(m.status()).isEqualTo(200);
    JsonNode json = m.json();
    assertThat(json.get("resource").asText()).isEqualTo(bed.url("/mcp/fs"));
    assertThat(json.get("authorization_servers").get(0).asText()).isEqualTo(bed.authority.url());
  }
}
