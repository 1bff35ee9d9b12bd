package dev.mandate.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mandate.crypto.SigningKey;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * CEL is an optional dependency: on a class path without it (an agent on mandate-sdk), a condition
 * caveat is denied with the reason, and adding one to a block is refused, instead of a linkage
 * error. Runs the core in a class loader that cannot see {@code dev.cel} or protobuf.
 */
class ConditionsWithoutCelTest {
  private final SigningKey root = Fixtures.key(1);

  /** Runs in the class loader without CEL: verifies the token, then tries to add a condition. */
  public static final class WithoutCel implements Function<String, String> {
    @Override
    public String apply(String token) {
      boolean celVisible;
      try {
        Class.forName("dev.cel.compiler.CelCompilerFactory");
        celVisible = true;
      } catch (ClassNotFoundException e) {
        celVisible = false;
      }
      Request call =
          new Request(
              "gw",
              "mail",
              "send_email",
              "bob@example.com",
              JsonNodeFactory.instance.objectNode().put("to", "bob@example.com"),
              null);
      Decision d =
          Fixtures.verifier(Fixtures.key(1)).build().authorize(Presentation.of(token), call);
      String refused;
      try {
        Capability.mint(Fixtures.key(1)).where("size(args.to) < 100");
        refused = "accepted";
      } catch (IllegalStateException e) {
        refused = e.getMessage();
      }
      return celVisible + "\n" + d.code() + "\n" + d.reason() + "\n" + refused;
    }
  }

  @Test
  void withoutCel_conditionsAreDeniedAndRefused_withTheReason() throws Exception {
    String token =
        Fixtures.mint(root, 3, "mail:send_email:*@example.com")
            .where("size(args.to) < 100")
            .sign()
            .toText();

    List<URL> urls = new ArrayList<>();
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    for (String entry : classPath.split(File.pathSeparator)) {
      String unix = entry.replace(File.separatorChar, '/');
      if (!unix.contains("/dev/cel/") && !unix.contains("/com/google/protobuf/")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    String[] out;
    try (URLClassLoader withoutCel =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      @SuppressWarnings("unchecked")
      Function<String, String> probe =
          (Function<String, String>)
              withoutCel.loadClass(WithoutCel.class.getName()).getConstructor().newInstance();
      out = probe.apply(token).split("\n");
    }

    assertThat(out[0]).as("CEL is hidden").isEqualTo("false");
    assertThat(out[1]).isEqualTo("CONDITION");
    assertThat(out[2]).contains(Conditions.CEL_MISSING);
    assertThat(out[3]).isEqualTo(Conditions.CEL_MISSING);
  }
}
