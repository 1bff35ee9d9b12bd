package dev.mandate.authority.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The chain's hash is the documented encoding, written here independently with DataOutput. */
class AuditChainTest {
  @Test
  void hash_isSha256OfTheDocumentedEncoding_withNullsApartFromEmptyStrings() throws Exception {
    assertThat(
            AuditChain.hash(
                7, AuditChain.GENESIS, "decision", "gw", "t1", null, 1_700_000_000_123L, "{}"))
        .isEqualTo(
            reference(
                7, AuditChain.GENESIS, "decision", "gw", "t1", null, 1_700_000_000_123L, "{}"));
    assertThat(AuditChain.hash(-1, "", "", "ä€😀", null, "", Long.MIN_VALUE, null))
        .isEqualTo(reference(-1, "", "", "ä€😀", null, "", Long.MIN_VALUE, null));
    assertThat(AuditChain.hash(1, "p", "t", "a", null, "c", 0, "{}"))
        .isNotEqualTo(AuditChain.hash(1, "p", "t", "a", "", "c", 0, "{}"));
  }

  @Test
  void hash_isTheSameOnEveryThreadAndCall() throws Exception {
    String first = AuditChain.hash(1, "p", "t", "a", "k", "c", 5, "{\"x\":1}");
    String[] other = new String[1];
    Thread t =
        new Thread(() -> other[0] = AuditChain.hash(1, "p", "t", "a", "k", "c", 5, "{\"x\":1}"));
    t.start();
    t.join();
    assertThat(other[0]).isEqualTo(first);
    assertThat(AuditChain.hash(1, "p", "t", "a", "k", "c", 5, "{\"x\":1}")).isEqualTo(first);
  }

  private static String reference(
      long sequence,
      String previous,
      String type,
      String actor,
      String tokenId,
      String clientId,
      long at,
      String detail)
      throws IOException, java.security.NoSuchAlgorithmException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    field(out, "mandate.audit.v1");
    out.writeLong(sequence);
    field(out, previous);
    field(out, type);
    field(out, actor);
    field(out, tokenId);
    field(out, clientId);
    out.writeLong(at);
    field(out, detail);
    out.flush();
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
  }

  private static void field(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }
}
