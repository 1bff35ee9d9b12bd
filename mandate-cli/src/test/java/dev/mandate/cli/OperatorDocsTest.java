package dev.mandate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The operator documentation teaches no habit that puts a secret where others can read it. */
class OperatorDocsTest {
  @ParameterizedTest
  @ValueSource(strings = {"README.md", "docs/operations.md", "docs/deploy.md"})
  void operatorDocs_putNoSecretOnACommandLine(String doc) throws Exception {
    String text = Files.readString(Path.of("..").resolve(doc));

    assertThat(text)
        .as("a client secret in curl's arguments")
        .doesNotContain("-u \"admin:$(cat")
        .doesNotContainPattern("-u \"[^\"]*:\\$\\(");
    assertThat(text)
        .as("a secret in a variable on the command line")
        .doesNotContain("SECRET=mndcs1_");
    assertThat(text).as("the gateway secret by hand").doesNotContain("GATEWAY_SECRET=");
    assertThat(text).as("a token in curl's arguments").doesNotContain("Bearer $(cat");
    assertThat(text)
        .as("a database password in the URL")
        .doesNotContainPattern("password=[^&\\s'\"`]+");
    assertThat(text).as("a secret read back with cat into an option").doesNotContain("--secret $(");
  }
}
