#!/usr/bin/env bash
# The main job: the loan scenario in a scratch git repository, step by step.
# Today it covers the foundation (manifest, risk analysis, OSCAL plan,
# impact, conformance); sei run, status, verify and reconstruct join it as
# the engine, evidence and backend issues land.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sei="$root/bin/sei"
work=$(mktemp -d "${TMPDIR:-/tmp}/sei-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "a fresh git repository with the loan scenario's sei.yaml"
cd "$work"
git init -q
git config user.name "Demo Engineer"
git config user.email "demo@example.org"
"$sei" init
cp "$root/testdata/loan/sei.yaml" sei.yaml
git add sei.yaml
git commit -q -m "declare: loan-scoring system and risk programme"
echo "committed sei.yaml"

step "sei compile: risk section -> OSCAL 1.2.3 assessment plan"
"$sei" compile
"$sei" compile --check
head -n 12 shared_data/policies/assessment_plan.oscal.yaml

step "sei assess: 5x5 analysis per dimension, residual, proposals"
"$sei" assess

step "sei impact: decisions, affected persons, foreseeable misuse"
"$sei" impact

step "sei conformance: clause catalogues of the applicable standards"
"$sei" conformance
ls .sei/conformance

step "a broken manifest is refused with file:line:col and changes nothing"
cp shared_data/policies/assessment_plan.oscal.yaml /tmp/plan.before.$$
sed -i 's/likelihood: LIKELY/likelihood: PROBABLE/' sei.yaml
if "$sei" compile; then echo "expected a failure" >&2; exit 1; else echo "exit code $?"; fi
cmp shared_data/policies/assessment_plan.oscal.yaml /tmp/plan.before.$$ && echo "plan unchanged"
rm -f /tmp/plan.before.$$
echo
echo "demo finished"
