package dev.mandate.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.caveat.Caveat;

/** Shows caveats to a person (as the options that would add them) and as JSON. */
final class CaveatText {
  private CaveatText() {}

  /** One line, close to the mint/attenuate option that adds the caveat. */
  /** The help on argument constraints, shown in the footer of mint and attenuate. */
  static final String[] ARGUMENT_HELP = {
    "",
    "Argument constraints: --arg POINTER=KIND:VALUE. POINTER is a JSON Pointer into",
    "the call's args (e.g. /path); the argument must exist and satisfy KIND:VALUE:",
    "  within:/data/x            a path that, once normalised, lies under /data/x",
    "  glob:*@example.com        a string matching the glob (*, **, ?, {a,b})",
    "  prefix:abc                a string starting with abc",
    "  regex:^[a-z]+$            a string wholly matching the RE2 expression",
    "  exact:\"read\"              equal to this JSON scalar (\"text\", 42, true)",
    "  oneof:[\"a\",\"b\"]           equal to one of these JSON scalars",
    "  range:0..100              a number in [0, 100]; range:10.. and range:..5 too",
    "  cidr:10.0.0.0/8,fd00::/8  an IP address in one of these blocks",
    "  url:https@a.example.com,*.example.org",
    "                            a URL with one of the schemes (before @; default",
    "                            https) on one of the hosts; private, loopback and",
    "                            metadata addresses are always refused",
    "  shell:ls,git              a plain command line running one of the programs",
    "  not:KIND:VALUE            present, and NOT satisfying KIND:VALUE",
    "Repeat --arg for several constraints; all must hold.",
    "",
    "Durations: 500ms, 30s, 15m, 2h, 7d, 1h30m.",
    "Instants: ISO-8601 (2030-01-01T00:00:00Z).",
    "--where takes a CEL expression over args and context: 'args.amount <= 100'.",
    "--budget takes sum(/amount)<=5000 (over the capability's life),",
    "sum(/amount)<=9000/1h or calls<=10/1m (per rolling window)."
  };

  static String describe(Caveat caveat) {
    return caveat.describe();
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
      o.put("constraint", a.text().substring(a.pointer().length() + 1));
    } else if (caveat instanceof Caveat.Condition c) {
      o.put("expression", c.expression());
    } else if (caveat instanceof Caveat.MaxDepth d) {
      o.put("blocks", d.blocks());
    } else if (caveat instanceof Caveat.MaxUses u) {
      o.put("uses", u.uses());
    } else if (caveat instanceof Caveat.ApprovalRequired a) {
      a.groups().forEach(o.putArray("groups")::add);
    } else if (caveat instanceof Caveat.Budget b) {
      o.put("pointer", b.pointer());
      o.put("limit", b.limit());
    } else if (caveat instanceof Caveat.Rate r) {
      if (r.pointer() != null) {
        o.put("pointer", r.pointer());
      }
      o.put("limit", r.limit());
      o.put("windowSeconds", r.window().getSeconds());
    }
    o.put("text", describe(caveat));
    return o;
  }
}
