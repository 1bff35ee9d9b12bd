package dev.mandate.internal.match;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address range in CIDR notation, such as {@code 10.0.0.0/8} or {@code
 * 2001:db8::/32}.
 *
 * <p>Both ranges and candidate addresses are parsed strictly: IPv4 only as a dotted quad of decimal
 * octets without leading zeros (no octal, hex, or shortened forms), no IPv6 zone ids, no brackets
 * and never a host name (no name lookup is ever made). An IPv4-mapped IPv6 address such as {@code
 * ::ffff:10.0.0.1} is treated as the IPv4 address it maps. Instances are immutable.
 */
public final class Cidr {

  private static final int MAX_TEXT_LENGTH = 64;

  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private Cidr(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /**
   * Parses a range in CIDR notation.
   *
   * @param cidr the range, as {@code address/prefix-length}; the prefix length is a decimal number
   *     of bits, 0–32 for IPv4 and 0–128 for IPv6, and every address bit beyond it must be zero
   * @return the parsed range
   * @throws IllegalArgumentException if the text is null, malformed, uses a non-strict address
   *     form, an IPv4-mapped IPv6 base, an out-of-range prefix length, or has host bits set
   */
  public static Cidr parse(String cidr) {
    if (cidr == null) {
      throw new IllegalArgumentException("CIDR range is missing (null)");
    }
    if (cidr.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "CIDR range is longer than " + MAX_TEXT_LENGTH + " characters");
    }
    int slash = cidr.indexOf('/');
    if (slash < 0 || slash != cidr.lastIndexOf('/')) {
      throw bad(cidr, "must have the form address/prefix-length");
    }
    String addressText = cidr.substring(0, slash);
    String prefixText = cidr.substring(slash + 1);
    InetAddress address = parseStrict(addressText);
    if (address == null) {
      throw bad(cidr, "does not start with a valid IPv4 or IPv6 address");
    }
    if (address instanceof Inet4Address && addressText.indexOf(':') >= 0) {
      throw bad(cidr, "uses an IPv4-mapped IPv6 address; write IPv4 ranges in dotted form");
    }
    byte[] bytes = address.getAddress();
    int maxBits = bytes.length * 8;
    if (prefixText.isEmpty()
        || prefixText.length() > 3
        || !prefixText.chars().allMatch(ch -> ch >= '0' && ch <= '9')
        || (prefixText.length() > 1 && prefixText.charAt(0) == '0')) {
      throw bad(cidr, "has a prefix length that is not a plain decimal number");
    }
    int prefix = Integer.parseInt(prefixText);
    if (prefix > maxBits) {
      throw bad(cidr, "has a prefix length above " + maxBits);
    }
    for (int bit = prefix; bit < maxBits; bit++) {
      if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw bad(cidr, "has host bits set beyond the /" + prefix + " prefix");
      }
    }
    return new Cidr(bytes, prefix, cidr);
  }

  /**
   * Tells whether an address lies within this range.
   *
   * @param address the untrusted address text, parsed strictly (see the class description); an
   *     IPv4-mapped IPv6 address counts as its IPv4 address
   * @return true if the address parses and lies in the range; false for anything unparseable,
   *     including null, host names and non-strict forms; never throws
   */
  public boolean contains(String address) {
    InetAddress parsed = parseStrict(address);
    if (parsed == null) {
      return false;
    }
    byte[] bytes = parsed.getAddress();
    if (bytes.length != network.length) {
      return false;
    }
    for (int bit = 0; bit < prefixLength; bit++) {
      int mask = 0x80 >>> (bit % 8);
      if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** Returns the range as it was written. */
  @Override
  public String toString() {
    return text;
  }

  /**
   * Parses an IP address literal strictly, or returns null. Mapped IPv6 addresses come back as
   * {@link Inet4Address}.
   */
  static InetAddress parseStrict(String text) {
    if (text == null
        || text.isEmpty()
        || text.length() > MAX_TEXT_LENGTH
        || text.indexOf('%') >= 0
        || text.indexOf('[') >= 0) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean allowed =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F')
              || c == '.'
              || c == ':';
      if (!allowed) {
        return null;
      }
    }
    if (text.indexOf(':') < 0 && !isDottedQuad(text)) {
      return null;
    }
    try {
      return InetAddresses.isInetAddress(text) ? InetAddresses.forString(text) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** True for exactly four decimal octets 0–255 without leading zeros. */
  static boolean isDottedQuad(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
        return false;
      }
      for (int i = 0; i < part.length(); i++) {
        if (part.charAt(i) < '0' || part.charAt(i) > '9') {
          return false;
        }
      }
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(String cidr, String rule) {
    return new IllegalArgumentException("CIDR range \"" + cidr + "\" " + rule);
  }
}
