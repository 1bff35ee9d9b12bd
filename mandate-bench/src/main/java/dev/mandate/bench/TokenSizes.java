package dev.mandate.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.token.Capability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Writes the sizes of the benchmark's tokens (same content in every system, see {@link Fixtures})
 * to a JSON file: {@code TokenSizes [out.json]} (default {@code
 * mandate-bench/target/token-sizes.json}).
 */
public final class TokenSizes {
  private TokenSizes() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "mandate-bench/target/token-sizes.json");
    Fixtures f = new Fixtures().selfCheck();
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    mandate(
        root, "mandate", "Mandate, bearer (3 blocks + attenuation secret)", f.mandateCapability);
    mandate(
        root,
        "mandateHolderBound",
        "Mandate, holder-bound (3 blocks, no secret)",
        f.mandateBoundCapability);
    entry(
        root,
        "mandateProof",
        "Mandate holder proof (per call)",
        Base64.getUrlDecoder()
            .decode(f.proofs[0].text().substring(dev.mandate.token.Proof.TEXT_PREFIX.length()))
            .length,
        f.proofs[0].text().length(),
        "binary; text form mndp2_ + base64url");
    entry(
        root,
        "biscuit",
        "biscuit-java 4.0.1 (3 blocks)",
        f.biscuitToken.length,
        f.biscuitTokenB64.length(),
        "Biscuit.serialize() protobuf; serialize_b64url()");
    entry(
        root,
        "macaroons",
        "jmacaroons 0.5.0 (3 caveats)",
        Base64.getUrlDecoder().decode(f.macaroonToken).length,
        f.macaroonToken.length(),
        "V1 packets; Macaroon.serialize() base64url");
    String[] parts = f.jwtToken.split("\\.");
    int jwtBinary = 0;
    for (String p : parts) {
      jwtBinary += Base64.getUrlDecoder().decode(p).length;
    }
    entry(
        root,
        "jwt",
        "nimbus-jose-jwt EdDSA JWT (1 scope, no attenuation)",
        jwtBinary,
        f.jwtToken.length(),
        "decoded header+claims+signature; compact serialization");
    Files.createDirectories(out.toAbsolutePath().getParent());
    json.writeValue(out.toFile(), root);
    System.out.println(json.writeValueAsString(root));
  }

  private static void mandate(ObjectNode root, String key, String label, Capability c) {
    entry(
        root,
        key,
        label,
        c.toBytes().length,
        c.toText().length(),
        "binary form; text form mnd1_ + base64url");
  }

  private static void entry(
      ObjectNode root, String key, String label, int binary, int text, String how) {
    root.putObject(key)
        .put("label", label)
        .put("binaryBytes", binary)
        .put("textBytes", text)
        .put("how", how);
  }
}
