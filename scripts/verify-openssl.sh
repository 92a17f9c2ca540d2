#!/usr/bin/env bash
# Verifies a sei evidence directory with openssl, jq, xxd and sha256sum only:
# no Go, no sei. Usage: verify-openssl.sh [DIR [LOCK]] (default .sei and the
# sei.lock beside it, when there is one). TRUSTED_KEYS (files, ':'-separated,
# hex SEC1 or PEM) pins the evidence keys; default: DIR/PUBKEY.txt as first
# committed on HEAD's first-parent history, or the work tree's (trust on
# first use). Keys endorsed in DIR/keys/*.json by a trusted key are trusted
# too; acts (DIR/acts/*) and DIR/approvers.json are checked against the keys
# approvers.json lists (a request also against the evidence keys). Checks, as sei verify does:
#  - each X.sig is a DSSE envelope whose signature verifies with a trusted key
#    (DER, or the original engine's raw r||s) and whose Statement has exactly
#    one subject: X, by its repository-relative path (or, for the original
#    engine's predicate type only, its path inside DIR), with X's SHA-256;
#  - every JSON file (any case of the extension) has its X.sig; anything that
#    is not a regular file or a directory is an error;
#  - PUBKEY.txt names a trusted key; the bundle's signed predicate agrees with
#    bundle.json's verdict and binding; the lock anchors bundle.json.sig and
#    agrees with the binding.
# It does not recompute the tree's digests (BLAKE3 over sei's graph): whether
# the evidence is this system's and describes the current tree is sei's check.
set -euo pipefail
dir=${1:-.sei}
lock=${2:-$dir/../sei.lock}
[ -n "${2:-}" ] || [ -f "$lock" ] || lock=
lock=${lock:+$(cd "$(dirname "$lock")" && pwd)/$(basename "$lock")}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "$*" >&2; exit 1; }
[ -d "$dir" ] && [ ! -L "$dir" ] || fail "$dir: not a directory"
abs=$(cd "$dir" && pwd -P)
root=$(git -C "$abs" rev-parse --show-toplevel 2>/dev/null || dirname "$abs")
rel=$(realpath --relative-to="$root" "$abs")
cd "$abs"
SPKI=3059301306072a8648ce3d020106082a8648ce3d030107034200
# pem FILE OUT: a key given as hex SEC1 (PUBKEY.txt) or PEM, as SPKI PEM
pem() {
  if grep -q 'BEGIN PUBLIC KEY' "$1"; then cp "$1" "$2"
  else { printf %s "$SPKI"; tr -d ' \n' < "$1"; } | xxd -r -p | openssl pkey -pubin -inform DER -out "$2"; fi
}
# default trust: PUBKEY.txt as first committed on HEAD's first-parent
# history (trust on first use), else the work tree's
if [ -z "${TRUSTED_KEYS:-}" ]; then
  first=$(git -C "$abs" rev-list --first-parent --reverse HEAD -- ":(top)$rel/PUBKEY.txt" 2>/dev/null | head -1 || true)
  if [ -n "$first" ]; then
    git -C "$abs" show "$first:$rel/PUBKEY.txt" > "$T/first.pub"; TRUSTED_KEYS=$T/first.pub
  else
    TRUSTED_KEYS=PUBKEY.txt
  fi
fi
n=0
for k in $(echo "$TRUSTED_KEYS" | tr ':' ' '); do
  n=$((n + 1)); pem "$k" "$T/ev$n.pem"
done
# verify ENVELOPE NAME KEYS...: signature, one subject naming NAME, its digest
verify() {
  local f=$1 name=$2; shift 2
  local pt; pt=$(jq -r .payloadType "$f")
  [ "$pt" = "application/vnd.in-toto+json" ] || fail "$f: payloadType $pt"
  jq -r .payload "$f" | base64 -d > "$T/payload.bin"
  { printf 'DSSEv1 %d %s %d ' "${#pt}" "$pt" "$(wc -c < "$T/payload.bin")"; cat "$T/payload.bin"; } > "$T/pae.bin"
  local ok= i sigs; sigs=$(jq '.signatures | length' "$f")
  for ((i = 0; i < sigs; i++)); do
    jq -r ".signatures[$i].sig" "$f" | base64 -d > "$T/sig.bin"
    if [ "$(wc -c < "$T/sig.bin")" -eq 64 ] && [ "$(head -c 1 "$T/sig.bin" | xxd -p)" != "30" ]; then
      printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
        "$(head -c 32 "$T/sig.bin" | xxd -p -c 64)" "$(tail -c 32 "$T/sig.bin" | xxd -p -c 64)" > "$T/sig.cnf"
      openssl asn1parse -genconf "$T/sig.cnf" -out "$T/sig.der" -noout
    else
      cp "$T/sig.bin" "$T/sig.der"
    fi
    for key in "$@"; do
      if openssl dgst -sha256 -verify "$key" -signature "$T/sig.der" "$T/pae.bin" >/dev/null 2>&1; then ok=$key; break 2; fi
    done
  done
  [ -n "$ok" ] || fail "$f: no signature verifies with a trusted key"
  # from the verified payload only: one subject, this file, its digest
  local st ptype subj sname
  st=$(jq -r ._type "$T/payload.bin"); [ "$st" = "https://in-toto.io/Statement/v1" ] || fail "$f: statement type $st"
  ptype=$(jq -r .predicateType "$T/payload.bin")
  subj=$(jq '.subject | length' "$T/payload.bin"); [ "$subj" -eq 1 ] || fail "$f: $subj subjects, want exactly one"
  sname=$(jq -r '.subject[0].name' "$T/payload.bin")
  case "$ptype" in
    https://seigarrena.dev/attestation/v1) [ "$sname" = "$rel/$name" ] || [ "$rel" = . -a "$sname" = "$name" ] || fail "$f: signs $sname, not $rel/$name" ;;
    https://venturalitica.ai/attestation/v1) [ "$sname" = "$rel/$name" ] || [ "$sname" = "$name" ] || fail "$f: signs $sname, not $name" ;;
    *) fail "$f: predicate type $ptype" ;;
  esac
  [ -f "$name" ] && [ ! -L "$name" ] || fail "$f: $name is missing or not a regular file"
  [ "$(jq -r '.subject[0].digest.sha256' "$T/payload.bin")" = "$(sha256sum < "$name" | cut -d' ' -f1)" ] \
    || fail "$f: $name: subject digest does not match the file"
  echo "$f: Verified OK"
}
odd=$(find . -path ./cache -prune -o ! -type f ! -type d -print)
[ -z "$odd" ] || fail "not regular files: $odd"
while IFS= read -r -d '' j; do
  [ -f "$j.sig" ] || fail "$j: not signed ($j.sig is missing)"
done < <(find . -path ./cache -prune -o -type f -iname '*.json' -print0)
evkeys=("$T"/ev*.pem)
# key rotation: an endorsement signed by a trusted key adds its key
if [ -d keys ]; then
  for e in keys/*.json; do
    [ -e "$e" ] || continue
    verify "$e.sig" "${e#./}" "${evkeys[@]}"
    jq -r .key "$e" > "$T/endorsed.hex"; pem "$T/endorsed.hex" "$T/ev-$(basename "$e").pem"
    evkeys+=("$T/ev-$(basename "$e").pem")
  done
fi
# PUBKEY.txt must name a trusted (or endorsed) key
if [ -f PUBKEY.txt ]; then
  pem PUBKEY.txt "$T/own.pem"; ok=
  for k in "${evkeys[@]}"; do cmp -s <(openssl pkey -pubin -in "$k" -outform DER) <(openssl pkey -pubin -in "$T/own.pem" -outform DER) && ok=1; done
  [ -n "$ok" ] || fail "PUBKEY.txt: names a key no trusted key endorses"
fi
apkeys=()
if [ -f approvers.json ]; then
  i=0
  for k in $(jq -r '.approvers[].key' approvers.json); do
    i=$((i + 1)); echo "$k" > "$T/ap$i.hex"; pem "$T/ap$i.hex" "$T/ap$i.pem"; apkeys+=("$T/ap$i.pem")
  done
fi
n=0
while IFS= read -r -d '' f; do
  name=${f#./}; name=${name%.sig}
  case "$name" in
    keys/*) ;;  # verified above
    acts/*-request.json) verify "$f" "$name" "${evkeys[@]}" ${apkeys[@]+"${apkeys[@]}"} ;;  # the engineer asks
    acts/*|approvers.json) [ ${#apkeys[@]} -gt 0 ] || fail "$f: no approvers.json to check it against"; verify "$f" "$name" "${apkeys[@]}" ;;
    *) verify "$f" "$name" "${evkeys[@]}" ;;
  esac
  n=$((n + 1))
done < <(find . -path ./cache -prune -o -name '*.sig' -print0 | sort -z)
[ "$n" -gt 0 ] || fail "no *.sig under $dir"
echo "$n envelope(s) verified"
# the signed predicate agrees with bundle.json (sei's bundles)
if [ -f bundle.json.sig ]; then
  jq -r .payload bundle.json.sig | base64 -d > "$T/payload.bin"
  if [ "$(jq -r .predicateType "$T/payload.bin")" = https://seigarrena.dev/attestation/v1 ]; then
    want=$(jq -r 'if [(.control_results // [])[] | select(.enforcement_mode == "block" and .verdict != "PASS")] | length > 0 then "FAILED" else "PASSED" end' bundle.json)
    [ "$(jq -r .predicate.result "$T/payload.bin")" = "$want" ] || fail "bundle.json.sig: the signed result disagrees with bundle.json"
    [ "$(jq -r .predicate.commit "$T/payload.bin")" = "$(jq -r .computed_from.commit bundle.json)" ] || fail "bundle.json.sig: the signed commit disagrees with bundle.json"
  fi
fi
# the lock anchors the bundle: sha256 of the envelope (sei), or the envelope
# itself (the original engine); and agrees with what the bundle signs
if [ -n "$lock" ]; then
  want=$(jq -r .signed_bundle_digest "$lock")
  [ -f bundle.json.sig ] || fail "$lock: records a run, but bundle.json.sig is missing"
  got="sha256:$(sha256sum < bundle.json.sig | cut -d' ' -f1)"
  [ -n "$want" ] || fail "$lock: signed_bundle_digest is empty, but evidence exists"
  if [ "$want" != "$got" ] && [ "$want" != "$(cat bundle.json.sig)" ]; then
    fail "$lock: signed_bundle_digest $want does not anchor bundle.json.sig ($got)"
  fi
  if jq -e .computed_from bundle.json >/dev/null; then
    a=$(jq -S '{program_uid, commit: .triple.code, sections, inputs}' "$lock")
    b=$(jq -S '.computed_from | {program_uid, commit, sections, inputs}' bundle.json)
    [ "$a" = "$b" ] || fail "$lock: disagrees with the bundle it anchors"
  fi
  echo "$lock: anchors bundle.json.sig"
fi
