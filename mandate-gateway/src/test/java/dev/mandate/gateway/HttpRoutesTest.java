package dev.mandate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

class HttpRoutesTest {
  private static GatewayConfig.HttpRoute route(String method, String path, String action) {
    return new GatewayConfig.HttpRoute(
        method, path, "api", "api", action, path, List.of("application/json"));
  }

  private final HttpRoutes routes =
      new HttpRoutes(
          List.of(
              route("GET", "/repos/{owner}/{repo}", "get_repo"),
              route("GET", "/repos/{owner}/list", "never_reached"),
              route("POST", "/repos/{owner}/{repo}", "update_repo")));

  @Test
  void firstMatchingRouteOfTheMethod_wins_withDecodedParameters() {
    HttpRoutes.Match m = routes.match("GET", "/repos/oc%20to/list");

    assertThat(m.route().action()).isEqualTo("get_repo");
    assertThat(m.params()).containsEntry("owner", "oc to").containsEntry("repo", "list");
    assertThat(routes.match("POST", "/repos/a/b").route().action()).isEqualTo("update_repo");
  }

  @Test
  void noRoute_is404_naming_thePrintableRequest() {
    Denial d = catchThrowableOfType(() -> routes.match("DELETE", "/repos/a/b\u0001"), Denial.class);

    assertThat(d.status()).isEqualTo(404);
    assertThat(d.error()).isEqualTo("not_found");
    assertThat(d.reason()).endsWith("DELETE /repos/a/b?");
  }

  @Test
  void dotSegments_andUndecodablePaths_are400() {
    for (String path : List.of("/repos/%2e%2e/b", "/repos/./b", "/repos/%ff/b", "/repos/%zz/b")) {
      Denial d = catchThrowableOfType(() -> routes.match("GET", path), Denial.class);
      assertThat(d).as(path).isNotNull();
      assertThat(d.status()).as(path).isEqualTo(400);
    }
  }
}
