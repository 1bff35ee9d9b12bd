package dev.mandate.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;

/** Shows caveats to a person (as the options that would add them) and as JSON. */
final class CaveatText {
  private CaveatText() {}

  /** One line, close to the mint/attenuate option that adds the caveat. */
  static String describe(Caveat caveat) {
    if (caveat instanceof Caveat.Expiry e) {
      return "expires " + e.notAfter();
    } else if (caveat instanceof Caveat.NotBefore n) {
      return "not before " + n.notBefore();
    } else if (caveat instanceof Caveat.Audience a) {
      return "audience " + String.join(", ", a.audiences());
    } else if (caveat instanceof Caveat.Argument a) {
      return "arg " + a.pointer() + "=" + ArgumentSyntax.format(a.constraint());
    } else if (caveat instanceof Caveat.Condition c) {
      return "where " + c.expression();
    } else if (caveat instanceof Caveat.MaxDepth d) {
      return "max depth " + d.blocks() + " further block" + (d.blocks() == 1 ? "" : "s");
    } else if (caveat instanceof Caveat.MaxUses u) {
      return "max uses " + u.uses();
    } else if (caveat instanceof Caveat.ApprovalRequired a) {
      return "approval by " + String.join(", ", a.groups());
    }
    return caveat.kind();
  }

  /** A JSON object with the caveat's {@code kind}, its fields, and {@code text} (as above). */
  static ObjectNode toJson(Caveat caveat) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("kind", caveat.kind());
    if (caveat instanceof Caveat.Expiry e) {
      o.put("notAfter", e.notAfter().toString());
    } else if (caveat instanceof Caveat.NotBefore n) {
      o.put("notBefore", n.notBefore().toString());
    } else if (caveat instanceof Caveat.Audience a) {
      a.audiences().forEach(o.putArray("audiences")::add);
    } else if (caveat instanceof Caveat.Argument a) {
      o.put("pointer", a.pointer());
      o.put("constraint", ArgumentSyntax.format(a.constraint()));
    } else if (caveat instanceof Caveat.Condition c) {
      o.put("expression", c.expression());
    } else if (caveat instanceof Caveat.MaxDepth d) {
      o.put("blocks", d.blocks());
    } else if (caveat instanceof Caveat.MaxUses u) {
      o.put("uses", u.uses());
    } else if (caveat instanceof Caveat.ApprovalRequired a) {
      a.groups().forEach(o.putArray("groups")::add);
    }
    o.put("text", describe(caveat));
    return o;
  }
}
