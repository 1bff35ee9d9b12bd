package dev.mandate.authority;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.mandate.authority.store.PersonRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One request to a console page, as its handler sees it: the signed-in person, the session's CSRF
 * token, the path, query and form parameters, and the means to answer with a page in the layout or
 * a redirect.
 *
 * @param call the underlying request, for what the helpers lack (headers, a JSON body, streaming)
 * @param person the signed-in person (role, groups)
 * @param csrf the session's CSRF token; {@link #page} puts it in the layout, every form must carry
 *     it
 * @param form the form fields of a POST, by name
 * @param section the navigation entry the page belongs to
 * @param sessionLive whether the session of this request is still live (not signed out, expired or
 *     disabled), for a stream that outlasts the request; reads the store on each call
 */
record ConsoleCall(
    Console console,
    Call call,
    PersonRecord person,
    String csrf,
    Map<String, List<String>> form,
    ConsoleNav section,
    BooleanSupplier sessionLive) {

  /** A path parameter of the page's template. */
  String path(String name) {
    return call.path(name);
  }

  /**
   * A query parameter, or null.
   *
   * @throws ApiException 400 if it is given more than once
   */
  String query(String name) {
    return call.query(name);
  }

  /** The first value of a form field (POST), or null. */
  String form(String name) {
    List<String> v = form.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Every value of a form field (POST), perhaps none. */
  List<String> formAll(String name) {
    return form.getOrDefault(name, List.of());
  }

  /** Now, by the authority's clock. */
  Instant now() {
    return console.now();
  }

  /**
   * Renders {@code template} (a file in {@code src/main/jte} taking {@code view} and {@code m})
   * inside the layout, status 200.
   *
   * @param model the page's own data, given to the template as {@code m}
   * @param scripts asset names the page loads, such as {@code live.js}
   */
  Reply page(String template, String title, Object model, String... scripts) {
    return page(200, template, title, model, scripts);
  }

  /** As {@link #page(String, String, Object, String...)} with another status. */
  Reply page(int status, String template, String title, Object model, String... scripts) {
    ConsoleView view =
        new ConsoleView(
            title,
            console.nav(person, section),
            person.name(),
            person.role().label(),
            csrf,
            List.of(scripts));
    return console.render(status, template, view, model);
  }

  /** A 303 to another console path, as after a form. */
  Reply redirect(String path) {
    return Console.redirect(path);
  }

  /** The form body as parsed, for the guard. */
  static Map<String, List<String>> parseForm(String body) {
    return URLUtils.parseParameters(body);
  }
}
