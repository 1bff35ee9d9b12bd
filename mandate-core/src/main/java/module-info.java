/**
 * Mandate's token library: capabilities (mint, attenuate, decode, verify), caveats and keys. Only
 * the API packages are exported; {@code dev.mandate.internal.*} is not API (the matchers are shared
 * with the authority's policy compiler, the path normalisation with the gateway, which normalises
 * resource URIs by the same rules, and strict UTF-8 decoding with both).
 */
module dev.mandate.core {
  requires transitive com.fasterxml.jackson.databind;
  requires com.github.benmanes.caffeine;
  requires org.bouncycastle.provider;
  requires com.google.common;
  requires static com.google.protobuf; // with CEL, optional
  requires re2j;
  requires static cel; // only condition caveats need it
  requires java.json.canonicalization;
  requires com.nimbusds.jose.jwt;

  exports dev.mandate.token;
  exports dev.mandate.caveat;
  exports dev.mandate.crypto;
  exports dev.mandate.wire;
  exports dev.mandate.config;
  exports dev.mandate.internal to
      dev.mandate.authority,
      dev.mandate.gateway;
  exports dev.mandate.internal.match to
      dev.mandate.authority,
      dev.mandate.gateway;
}
