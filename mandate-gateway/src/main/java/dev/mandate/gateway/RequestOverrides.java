package dev.mandate.gateway;

import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * The stage that refuses (400) a request carrying a method or URL override. Common web stacks let a
 * header or a parameter replace the request's method or path: a {@code GET} the capability allows
 * becomes a {@code DELETE}, or {@code /public} becomes {@code /admin}, after the gateway decided
 * the call by what it saw. The gateway decides on the method and path of the request line, so it
 * never passes an override on; a client that means another method or path sends it.
 *
 * <ul>
 *   <li>Method override headers: {@code X-HTTP-Method-Override} (Express method-override, Rack,
 *       Laravel/Symfony, ASP.NET Web API, Google APIs), {@code X-HTTP-Method} (OData, SharePoint),
 *       {@code X-Method-Override}, {@code X-Original-Method}.
 *   <li>URL override headers: {@code X-Original-URL} and {@code X-Rewrite-URL} (IIS URL Rewrite,
 *       Symfony, Zend/Laminas), {@code X-Original-URI}, {@code X-Override-URL}, {@code
 *       X-Rewrite-Path}, {@code X-Envoy-Original-Path}, {@code X-Envoy-Original-URL}, {@code
 *       X-Request-URI}, {@code X-Request-URL}, {@code X-Real-URL}, {@code X-Real-URI}, {@code
 *       X-Proxy-URL}, {@code X-HTTP-DestinationURL}. ({@code X-Forwarded-Uri}, {@code -Path},
 *       {@code -Prefix} and {@code -Method} are dropped with every other client {@code
 *       X-Forwarded-*}: see {@link ForwardedHeaders}.)
 *   <li>Override parameters, in the query or a body, in any letter case or alias form ({@code
 *       _method[]}): {@code _method} (Rails, Laravel, Symfony, Spring's HiddenHttpMethodFilter,
 *       Express method-override), {@code _HttpMethod} (Salesforce), {@code X-HTTP-Method-Override},
 *       {@code X-HTTP-Method}, {@code X-Method-Override}, and {@code _charset_} (HTML's override of
 *       the encoding the other fields are decoded with).
 * </ul>
 */
final class RequestOverrides {
  /** Headers that replace the request's method, lower case. */
  static final Set<String> METHOD_HEADERS =
      Set.of("x-http-method-override", "x-http-method", "x-method-override", "x-original-method");

  /** Headers that replace the request's path or URL, lower case. */
  static final Set<String> URL_HEADERS =
      Set.of(
          "x-original-url",
          "x-rewrite-url",
          "x-original-uri",
          "x-override-url",
          "x-rewrite-path",
          "x-envoy-original-path",
          "x-envoy-original-url",
          "x-request-uri",
          "x-request-url",
          "x-real-url",
          "x-real-uri",
          "x-proxy-url",
          "x-http-destinationurl");

  /** Parameter names that replace the method or the decoding of the other fields, lower case. */
  static final Set<String> PARAMETERS =
      Set.of(
          "_method",
          "_httpmethod",
          "x-http-method-override",
          "x-http-method",
          "x-method-override",
          "_charset_");

  private RequestOverrides() {}

  /** Why the request's headers are refused, or null if they carry no override. */
  static String headerProblem(HttpFields headers) {
    for (HttpField f : headers) {
      String name = f.getLowerCaseName();
      if (METHOD_HEADERS.contains(name)) {
        return "the header "
            + f.getName()
            + " overrides the request's method at common web stacks; the gateway decides on the"
            + " method of the request line, so send the request with the method you mean";
      }
      if (URL_HEADERS.contains(name)) {
        return "the header "
            + f.getName()
            + " overrides the request's URL at common web stacks; the gateway decides on the path"
            + " of the request line, so send the request to the path you mean";
      }
    }
    return null;
  }

  /** Whether a header is one this stage refuses (never forwarded either). */
  static boolean isOverrideHeader(String lowerName) {
    return METHOD_HEADERS.contains(lowerName) || URL_HEADERS.contains(lowerName);
  }

  /**
   * Why a parameter is refused as an override, or null: {@code name} (decoded) or any name an
   * upstream may read it as ({@link ArgumentAliasing#readings}) is an override parameter.
   */
  static String parameterProblem(String name) {
    for (String reading : ArgumentAliasing.readings(name)) {
      if (PARAMETERS.contains(reading.toLowerCase(Locale.ROOT))) {
        return "the parameter '"
            + Denial.printable(name)
            + "' overrides the request's method or encoding at common web stacks; the gateway"
            + " refuses it";
      }
    }
    return null;
  }
}
