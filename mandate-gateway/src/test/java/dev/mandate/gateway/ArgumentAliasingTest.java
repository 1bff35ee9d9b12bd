package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mandate.gateway.UrlEncodedParameters.Parameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArgumentAliasingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CheckedArguments TO =
      new CheckedArguments(false, Set.of("to"), List.of(List.of("to")));
  private static final CheckedArguments ALL = new CheckedArguments(true, Set.of(), List.of());

  /** The problem with a query string (and optionally a JSON body), as HttpProxy builds args. */
  private static String problem(String query, String jsonBody, CheckedArguments checked)
      throws Exception {
    List<Parameter> params = UrlEncodedParameters.parse(query);
    ObjectNode args = JSON.createObjectNode();
    args.put("owner", "octo");
    Map<String, ArrayNode> grouped = new LinkedHashMap<>();
    for (Parameter p : params) {
      grouped.computeIfAbsent(p.name(), k -> JSON.createArrayNode()).add(p.value());
    }
    grouped.forEach((k, v) -> args.set(k, v.size() == 1 ? v.get(0) : v));
    if (jsonBody != null) {
      JSON.readTree(jsonBody).properties().forEach(e -> args.set(e.getKey(), e.getValue()));
    }
    return ArgumentAliasing.problem(Set.of("owner"), params, List.of(), args, () -> checked);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "to=a@example.com&To=b@evil.com | 'To' could be read as the checked argument 'to'",
        "to=a@example.com&TO=b@evil.com | 'TO' could be read as the checked argument 'to'",
        "to=a@example.com&to[]=b@evil.com | 'to[]' could be read as the checked argument 'to'",
        "to=a@example.com&to[0]=b@evil.com | 'to[0]' could be read",
        "to=a@example.com&to.x=b@evil.com | 'to.x' could be read",
        "to=a@example.com&to+=b@evil.com | 'to ' could be read as the checked argument 'to'",
        "to=a@example.com&%2574o=b@evil.com | '%74o' could be read as the checked argument 'to'",
        "to=a@example.com&to%00x=b@evil.com | could be read as the checked argument 'to'",
        "to=a@example.com&+to=b@evil.com | ' to' could be read as the checked argument 'to'",
        "to=a@example.com&to=b@evil.com | 'to' is checked and given more than once",
        "t%6F=a@example.com | 'to' is checked and its name is percent-encoded",
        "to=b@evil.com;x=@example.com | 'to' holds ';'",
        "x=1;to=b@evil.com | 'x' holds ';'",
        "Owner=other | 'Owner' could be read as the checked argument 'owner'",
        "owner[]=other | 'owner[]' could be read as the checked argument 'owner'",
        "_method=DELETE | '_method' overrides the request's method",
        "_METHOD[]=DELETE | '_METHOD[]' overrides",
        "_HttpMethod=DELETE | overrides",
        "X-HTTP-Method-Override=DELETE | overrides",
        "_charset_=utf-7 | overrides the request's method or encoding",
      })
  void aliasesOfCheckedArguments_repeats_encodedNames_andOverrides_areRefused(
      String query, String reason) throws Exception {
    assertThat(problem(query, null, TO)).contains(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "to=a@example.com&state=open",
        "to=a@example.com&labels=a&labels=b",
        "to=a@example.com&labels[]=a&labels[]=b",
        "to=a@example.com&filter.state=open&State=x&state=y",
        "to=a%3Bb@example.com",
        "to=a@example.com&x=1;y=2",
        "to=a+b%40example.com",
      })
  void uncheckedArguments_passAsTheyAre(String query) throws Exception {
    assertThat(problem(query, null, TO)).isNull();
  }

  @Test
  void jsonBodyKeys_inAnyLetterCase_andOnAPointersPath_areChecked() throws Exception {
    assertThat(problem("", "{\"to\":\"a@example.com\",\"TO\":\"b@evil.com\"}", TO))
        .contains("'TO' could be read as the checked argument 'to'");
    assertThat(problem("", "{\"To\":\"b@evil.com\"}", TO)).contains("'To' could be read");
    assertThat(problem("to=a@example.com", "{\"to[]\":\"b@evil.com\"}", TO)).contains("'to[]'");
    CheckedArguments nested =
        new CheckedArguments(false, Set.of("mail"), List.of(List.of("mail", "to")));
    assertThat(problem("", "{\"mail\":{\"to\":\"a@example.com\",\"To\":\"b@evil.com\"}}", nested))
        .contains("the argument key 'To' could be read as the checked key 'to'");
    assertThat(problem("", "{\"mail\":{\"to\":\"a@example.com\",\"cc\":\"x\"}}", nested)).isNull();
    assertThat(problem("", "{\"_method\":\"DELETE\"}", CheckedArguments.NONE))
        .contains("overrides");
  }

  @Test
  void whenEveryArgumentIsChecked_noArgumentMayHaveAnotherReading() throws Exception {
    assertThat(problem("labels=a&labels=b", null, ALL)).contains("given more than once");
    assertThat(problem("labels[]=a", null, ALL)).contains("could be read as another argument");
    assertThat(problem("State=a&state=b", null, ALL)).contains("could be read as the checked");
    assertThat(problem("l%61bel=a", null, ALL)).contains("percent-encoded");
    assertThat(problem("label=a&state=open", "{\"title\":\"x\"}", ALL)).isNull();
  }

  @Test
  void withoutArguments_theCapabilityIsNotAskedFor() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    ObjectNode args = JSON.createObjectNode().put("owner", "octo");
    assertThat(
            ArgumentAliasing.problem(
                Set.of("owner"),
                List.of(),
                List.of(),
                args,
                () -> {
                  asked.incrementAndGet();
                  return ALL;
                }))
        .isNull();
    assertThat(asked).hasValue(0);
  }

  @Test
  void readings_includeTheFormsWebStacksReadANameAs() {
    assertThat(ArgumentAliasing.readings("to[a][b]")).contains("to[a][b]", "to");
    assertThat(ArgumentAliasing.readings("a.b c")).contains("a", "a_b_c");
    assertThat(ArgumentAliasing.readings("a[b")).contains("a_b", "a");
    assertThat(ArgumentAliasing.readings("%2561")).contains("%61", "a");
  }
}
