#!/usr/bin/env bash
# The main job: the loan scenario with DVC in a scratch git repository, step
# by step: red gate on V1, the treatment as drift B, green gate on V2, the
# evidence verified three ways, the story reconstructed from git, approval.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sei="$root/bin/sei"
work=$(mktemp -d "${TMPDIR:-/tmp}/sei-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
expect() { # expect CODE CMD...: run CMD, show its exit code, fail unless it is CODE
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  echo "(exit $got)"
  [ "$got" = "$want" ] || { echo "demo: expected exit $want from: $*" >&2; exit 1; }
}

# A throwaway signing key for the demo (CI would inject SEI_SIGNING_KEY).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem" 2>/dev/null
chmod 600 "$work/key.pem"
export SEI_SIGNING_KEY_FILE="$work/key.pem" DVC_NO_ANALYTICS=1
export GIT_AUTHOR_NAME="Demo Engineer" GIT_AUTHOR_EMAIL="demo@example.org"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

step "a fresh git repository: the loan scenario, German Credit data, DVC"
repo="$work/loan"
mkdir "$repo" && cd "$repo"
cp -r "$root/testdata/loan/." . && rm -rf treatments
"$root/scripts/loan-data.sh" .
ln -s "$root/.venv-loan" .venv
git init -q && git add -A && git commit -q -m "declare: loan-scoring system, data and pipeline"
.venv/bin/dvc init -q && git add -A && git commit -q -m "dvc init"
"$sei" compile && git add -A && git commit -q -m "compile: assessment plan"
git log --oneline

step "sei query: the real pipeline, featurize -> evaluate"
"$sei" query 'kind(stage, *)'
"$sei" query 'deps(stage:evaluate, 1)'

step "sei run on V1 (plain logistic regression): the fairness gate is red"
expect 5 "$sei" run
grep -A3 '"control_id": "unfair-credit-exclusion"' .sei/bundle.json | head -4
expect 5 "$sei" status
git add -A && git commit -q -m "run: V1 evidence (gate red)"

step "the treatment: train.py V1 -> V2 (demographic-parity-constrained)"
cp "$root/testdata/loan/treatments/train_v2.py" train.py
git commit -q -am "treatment: constrain demographic parity by sex"
expect 4 "$sei" status

step "sei run on V2: only evaluate runs, the gate is green"
expect 0 "$sei" run
grep -A9 '"treatment_events"' .sei/bundle.json | head -10
echo "-- a second run runs no tool:"
expect 0 "$sei" run
git add -A && git commit -q -m "run: V2 evidence (gate green)"

step "verify: sei, then openssl+jq alone"
expect 0 "$sei" verify
bash "$root/scripts/verify-openssl.sh" .sei | tail -2

step "reconstruct: the ISO 23894 cycle from git history"
"$sei" reconstruct

step "who may approve: the CRO's own key, in a signed .sei/approvers.json"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/cro.pem" 2>/dev/null
chmod 600 "$work/cro.pem"
SEI_SIGNING_KEY_FILE="$work/cro.pem" "$sei" pubkey > "$work/cro.pub"
SEI_SIGNING_KEY_FILE="$work/cro.pem" "$sei" approver add --name "Carla CRO" --email cro@example.org --key "$work/cro.pub"
git add -A && git commit -q -m "approvers: the CRO"

step "an approval typed by hand is not an approval"
"$sei" request
git commit -q --allow-empty -m "looks approved" -m "Sei-Approved-by: Carla CRO <cro@example.org>"
expect 0 "$sei" status

step "management approval: signed by the CRO, committed with its act file"
SEI_SIGNING_KEY_FILE="$work/cro.pem" GIT_AUTHOR_NAME="Carla CRO" GIT_AUTHOR_EMAIL=cro@example.org "$sei" approve
git log -1 --format='%s%n%n%b'
git show --stat --format= HEAD
expect 0 "$sei" status
"$sei" reconstruct | tail -4

step "a broken manifest is refused with file:line:col and changes nothing"
cp sei.lock "$work/lock.before"
sed -i 's/likelihood: LIKELY/likelihood: PROBABLE/' sei.yaml
expect 3 "$sei" run
cmp sei.lock "$work/lock.before" && echo "sei.lock unchanged"
echo
echo "demo finished"
