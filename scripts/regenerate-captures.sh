#!/usr/bin/env bash
# Regenerates the committed sample captures under captures/ (or the directory given as $1) from the
# built-in journey scenarios. Deterministic: the same code gives byte-identical files, and
# test/oracle/journey-captures.test.ts fails when the committed files differ from a fresh run.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-captures}"
journey() { npx tsx src/cli/main.ts journey --quiet --out "$out" "$@" >/dev/null; }
journey                                            # HTTPS: order-journey.pcapng + order-journey/NN-hop.pcapng, key log in a DSB
journey --plain-http --name order-journey-plain-http # the lesson: the same order in plain HTTP (NN-hop.pcap)
journey --retry --name order-journey-retry         # the idempotent retry (first connection reset)
journey --5g --name order-journey-5g               # N3/N9 with the PDU Session Container (QFI)
# --- j-dc: the race lesson ---
journey --lesson race --name order-journey-race    # two phones, the last item: optimistic lock, one 201, one 409
# --- end j-dc ---
echo "regenerated $out/order-journey*.pcapng and $out/order-journey*/"
