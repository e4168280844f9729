#!/usr/bin/env bash
# Regenerates src/tls/test-certificate.ts: the Ed25519 key and self-signed certificate that the TLS
# session synthesizer signs its CertificateVerify with and that the tcp-client lab test gives to
# `openssl s_server`. A TEST key, published on purpose: never use it for anything real.
# Running this changes every synthesized TLS capture (a new key, a new certificate).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
openssl genpkey -algorithm ed25519 -out "$dir/key.pem"
openssl req -new -x509 -key "$dir/key.pem" -out "$dir/cert.pem" -days 36500 \
  -subj "/CN=shop.example.com/O=pktcraft test certificate" \
  -addext "subjectAltName=DNS:shop.example.com,DNS:*.example.com,DNS:localhost,IP:127.0.0.1" \
  -set_serial 0x7c1a2b3c4d5e6f70 2>/dev/null
{
  echo '/**'
  echo ' * The TEST Ed25519 key and self-signed certificate (shop.example.com, *.example.com, localhost) of'
  echo ' * synthesized TLS sessions. Published on purpose: never trust it. Regenerate with'
  echo ' * scripts/regenerate-tls-certificate.sh (which changes every synthesized TLS capture).'
  echo ' */'
  echo "export const TEST_PRIVATE_KEY_PEM = \`$(cat "$dir/key.pem")"
  echo '`;'
  echo ''
  echo "export const TEST_CERTIFICATE_PEM = \`$(cat "$dir/cert.pem")"
  echo '`;'
} > src/tls/test-certificate.ts
echo "wrote src/tls/test-certificate.ts"
