/**
 * The TEST Ed25519 key and self-signed certificate (shop.example.com, *.example.com, localhost) of
 * synthesized TLS sessions. Published on purpose: never trust it. Regenerate with
 * scripts/regenerate-tls-certificate.sh (which changes every synthesized TLS capture).
 */
export const TEST_PRIVATE_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPTkOgMu7znGBr3qknK5vwWbgWWp7rdyjJUvN/xLISd2
-----END PRIVATE KEY-----
`;

export const TEST_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIByDCCAXqgAwIBAgIIfBorPE1eb3AwBQYDK2VwMD8xGTAXBgNVBAMMEHNob3Au
ZXhhbXBsZS5jb20xIjAgBgNVBAoMGXBrdGNyYWZ0IHRlc3QgY2VydGlmaWNhdGUw
IBcNMjYxMjA0MjExNDE2WhgPMjEyNjExMTAyMTE0MTZaMD8xGTAXBgNVBAMMEHNo
b3AuZXhhbXBsZS5jb20xIjAgBgNVBAoMGXBrdGNyYWZ0IHRlc3QgY2VydGlmaWNh
dGUwKjAFBgMrZXADIQCADZB0qzIbpKwpfN8JVTVvKTDMzOMNRwoBTvylGhHNZKOB
kTCBjjAdBgNVHQ4EFgQUc8wfeGkEvEuOEZe6MVWOD2uim2MwHwYDVR0jBBgwFoAU
c8wfeGkEvEuOEZe6MVWOD2uim2MwDwYDVR0TAQH/BAUwAwEB/zA7BgNVHREENDAy
ghBzaG9wLmV4YW1wbGUuY29tgg0qLmV4YW1wbGUuY29tgglsb2NhbGhvc3SHBH8A
AAEwBQYDK2VwA0EAr0PFz6mlgBxjdnTtd8LG9Zh2FcweXW5a/nJmjzBDMNN1dCr8
lnxDSVw8H608yhbMvHmQAz14HeVM9br4yDWWDQ==
-----END CERTIFICATE-----
`;
