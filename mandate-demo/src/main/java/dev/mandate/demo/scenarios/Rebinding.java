package dev.mandate.demo.scenarios;

import dev.mandate.crypto.SigningKey;
import dev.mandate.token.Capability;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A thief's attempt to re-bind a stolen holder-bound capability to its own key. The token library
 * refuses to sign such a block ({@link Capability.Attenuator#sign(SigningKey)} wants the current
 * holder's key), so the thief writes the block by hand from the format in docs/spec.md §3–4: an
 * empty attenuation block whose next key is the thief's, with the HOLDER flag, signed by the thief.
 * The gateway must refuse it, because only the current holder's key may sign the next block.
 */
final class Rebinding {
  private static final byte FLAG_HOLDER = 1;

  private Rebinding() {}

  /** The stolen token with the thief's binding block appended, in text form. */
  static String forge(String stolenToken, SigningKey thief) {
    byte[] token = Capability.decode(stolenToken).toBytes();
    ByteBuffer in = ByteBuffer.wrap(token);
    int version = in.get() & 0xff;
    int count = in.get() & 0xff;
    List<byte[]> payloads = new ArrayList<>();
    List<byte[]> signatures = new ArrayList<>();
    byte[] digest = new byte[32];
    for (int i = 0; i < count; i++) {
      byte[] payload = new byte[in.getShort() & 0xffff];
      in.get(payload);
      byte[] signature = new byte[64];
      in.get(signature);
      payloads.add(payload);
      signatures.add(signature);
      digest = sha256(message(digest, payload));
    }
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(1); // an attenuation block
    block.write(0); // no grants (u16)
    block.write(0);
    block.write(0); // no caveats (u8)
    block.writeBytes(thief.verifyingKey().bytes());
    block.writeBytes(new byte[16]); // no secret commitment: a holder-bound block carries none
    block.write(FLAG_HOLDER);
    byte[] payload = block.toByteArray();
    payloads.add(payload);
    signatures.add(thief.sign(message(digest, payload)));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(version);
    out.write(count + 1);
    for (int i = 0; i < payloads.size(); i++) {
      out.write(payloads.get(i).length >>> 8);
      out.write(payloads.get(i).length & 0xff);
      out.writeBytes(payloads.get(i));
      out.writeBytes(signatures.get(i));
    }
    out.write(0); // trailer NONE: a holder-bound chain carries no secret
    return "mnd1_" + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  private static byte[] message(byte[] previousDigest, byte[] payload) {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.writeBytes("mandate/v1/block".getBytes(StandardCharsets.US_ASCII));
    m.write(0);
    m.writeBytes(previousDigest);
    m.writeBytes(payload);
    return m.toByteArray();
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
