/**
 * {@code mandate demo}: {@link dev.mandate.demo.Demo} runs an authority, a gateway and the npm
 * filesystem MCP server on loopback, and two LangChain4j agents (scripted models, real tool loop)
 * that summarise a user's 2024 invoices while one invoice tries to hijack them; it returns a {@link
 * dev.mandate.demo.DemoReport} of every {@link dev.mandate.demo.DemoCall} and its decision.
 *
 * <p>The npm servers live in {@code mandate-demo/src/main/node} and are installed by the Maven
 * build ({@code npm ci} in generate-resources, so also by the jar build {@code bin/mandate} runs);
 * the build records that directory in {@code build.properties}, and the demo also looks beside the
 * running jar and in the working directory ({@code MANDATE_NODE_DIR} overrides).
 */
package dev.mandate.demo;
