/**
 * Policy-as-code for the authority: which client may mint which grants, for how long and with which
 * caveats. {@link dev.mandate.policy.Policy} parses the YAML file and decides {@link
 * dev.mandate.policy.MintRequest}s; {@link dev.mandate.policy.PolicyHolder} reloads a changed file
 * and keeps the old policy when the new one is invalid; {@link dev.mandate.policy.PolicyTestRunner}
 * runs a policy's test cases for {@code mandate policy test}.
 */
package dev.mandate.policy;
