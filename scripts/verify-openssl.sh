#!/usr/bin/env bash
# Verifies every signed artefact of a sei evidence directory with openssl, jq,
# xxd and sha256sum only: no Go, no sei. Usage: verify-openssl.sh [DIR [LOCK]]
# (default .sei and the sei.lock beside it, when there is one).
# Accepts DER signatures (sei) and raw r||s (the original engine).
set -euo pipefail
dir=${1:-.sei}
lock=${2:-$dir/../sei.lock}
[ -n "${2:-}" ] || [ -f "$lock" ] || lock=
lock=${lock:+$(cd "$(dirname "$lock")" && pwd)/$(basename "$lock")}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$dir"
# PUBKEY.txt (65-byte SEC1 point, hex) -> SPKI PEM via the fixed P-256 SPKI prefix
{ printf '3059301306072a8648ce3d020106082a8648ce3d030107034200'; tr -d '\n' < PUBKEY.txt; } \
  | xxd -r -p | openssl pkey -pubin -inform DER -out "$T/pub.pem"
n=0
while IFS= read -r -d '' f; do
  pt=$(jq -r .payloadType "$f")
  [ "$pt" = "application/vnd.in-toto+json" ] || { echo "$f: payloadType $pt" >&2; exit 1; }
  jq -r .payload "$f" | base64 -d > "$T/payload.bin"
  jq -r '.signatures[0].sig' "$f" | base64 -d > "$T/sig.bin"
  # DSSE PAE rebuilt by hand
  { printf 'DSSEv1 %d %s %d ' "${#pt}" "$pt" "$(wc -c < "$T/payload.bin")"; cat "$T/payload.bin"; } > "$T/pae.bin"
  if [ "$(wc -c < "$T/sig.bin")" -eq 64 ] && [ "$(head -c 1 "$T/sig.bin" | xxd -p)" != "30" ]; then
    printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
      "$(head -c 32 "$T/sig.bin" | xxd -p -c 64)" "$(tail -c 32 "$T/sig.bin" | xxd -p -c 64)" > "$T/sig.cnf"
    openssl asn1parse -genconf "$T/sig.cnf" -out "$T/sig.der" -noout
  else
    cp "$T/sig.bin" "$T/sig.der"
  fi
  echo "$f:"
  openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig.der" "$T/pae.bin"
  # subjects from the verified payload only
  jq -r '.subject[] | "\(.digest.sha256)  \(.name)"' "$T/payload.bin" | sha256sum -c -
  n=$((n + 1))
done < <(find . -name '*.sig' -not -path './cache/*' -print0 | sort -z)
[ "$n" -gt 0 ] || { echo "no *.sig under $dir" >&2; exit 1; }
echo "$n envelope(s) verified"
# the lock anchors the bundle: sha256 of the envelope (sei), or the envelope
# itself (the original engine)
if [ -n "$lock" ]; then
  want=$(jq -r .signed_bundle_digest "$lock")
  got="sha256:$(sha256sum < bundle.json.sig | cut -d' ' -f1)"
  if [ "$want" != "$got" ] && [ "$want" != "$(cat bundle.json.sig)" ]; then
    echo "$lock: signed_bundle_digest $want does not anchor bundle.json.sig ($got)" >&2; exit 1
  fi
  echo "$lock: anchors bundle.json.sig"
fi
