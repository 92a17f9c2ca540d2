#!/usr/bin/env bash
# sei in CI: the script behind the GitHub composite action (action.yml) and
# the GitLab template (ci/gitlab/sei.gitlab-ci.yml). It installs sei, runs
# the freshness gate (`sei status`) and `sei run` (or `sei build` when the
# job holds no signing key), reads the remote cache on every job and writes
# it only when SEI_CI_WRITE_CACHE=true (the default branch), appends the
# Markdown report to the job summary, and keeps .sei/, sei.lock and the
# reports as artefacts. It exits with the first failure, after the summary
# and the artefacts are written, so that a red gate still leaves its evidence.
#
# Inputs (environment):
#   SEI_CI_REPO          the repository (default .)
#   SEI_CI_BIN           a sei binary to use; else sei on PATH; else built from
#   SEI_CI_SOURCE        sei's source tree (go build), e.g. the action's checkout,
#   SEI_CI_BUILD_DIR     into this directory (default $TMPDIR/sei-ci-bin)
#   SEI_CI_WRITE_CACHE   true: upload to SEI_REMOTE_CACHE; anything else: read only
#   SEI_CI_REQUIRE_FRESH true (default): a stale or unverified committed evidence fails the job
#   SEI_CI_CHECK_REPORT  true: a mandatory Annex IV item with no source fails the job
#   SEI_CI_SANDBOX       auto, strict, relaxed or none (default: pipeline.sandbox in sei.yaml, else auto)
#   SEI_CI_SUMMARY       a file the Markdown report is appended to (GitHub: $GITHUB_STEP_SUMMARY)
#   SEI_CI_ARTIFACTS     a directory for the artefacts (default ./sei-artifacts)
#   SEI_CI_OUTPUT        a file for key=value outputs (GitHub: $GITHUB_OUTPUT)
#   SEI_REMOTE_CACHE, SEI_SIGNING_KEY(_FILE), SEI_TRUSTED_KEYS: as sei reads them
set -uo pipefail

repo=${SEI_CI_REPO:-.}
artifacts=${SEI_CI_ARTIFACTS:-sei-artifacts}
summary=${SEI_CI_SUMMARY:-}
say() { printf 'sei-ci: %s\n' "$*" >&2; }

install_sei() {
  if [ -n "${SEI_CI_BIN:-}" ]; then sei=$SEI_CI_BIN; return; fi
  if command -v sei >/dev/null 2>&1; then sei=$(command -v sei); return; fi
  if [ -z "${SEI_CI_SOURCE:-}" ]; then
    say "no sei: set SEI_CI_BIN, put sei on PATH, or set SEI_CI_SOURCE to its source tree"
    exit 2
  fi
  command -v go >/dev/null 2>&1 || { say "building sei needs Go (actions/setup-go, or a golang image)"; exit 2; }
  local dir=${SEI_CI_BUILD_DIR:-${TMPDIR:-/tmp}/sei-ci-bin}
  mkdir -p "$dir"
  sei=$(cd "$dir" && pwd)/sei
  say "building sei from $SEI_CI_SOURCE"
  (cd "$SEI_CI_SOURCE" && go build -trimpath -o "$sei" ./cmd/sei) || { say "go build failed"; exit 2; }
}

# The remote cache is read by every job and written only where the caller
# says (the default branch): a pull request from a fork must never poison it.
cache_policy() {
  if [ -z "${SEI_REMOTE_CACHE:-}" ]; then
    say "no SEI_REMOTE_CACHE: local cache only"
  elif [ "${SEI_CI_WRITE_CACHE:-false}" = true ]; then
    export SEI_REMOTE_UPLOAD=true
    say "remote cache: read and write"
  else
    export SEI_REMOTE_UPLOAD=false
    say "remote cache: read only (not the default branch)"
  fi
}

first_failure=0
fail_with() { [ "$first_failure" -ne 0 ] || first_failure=$1; }

install_sei
cache_policy
mkdir -p "$artifacts"
"$sei" version >&2

say "freshness gate: sei status"
"$sei" -C "$repo" status | tee "$artifacts/status.txt"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ] && [ "${SEI_CI_REQUIRE_FRESH:-true}" = true ]; then fail_with "$status"; fi

sandbox=()
[ -z "${SEI_CI_SANDBOX:-}" ] || sandbox=(--sandbox "$SEI_CI_SANDBOX")
if [ -n "${SEI_SIGNING_KEY:-}${SEI_SIGNING_KEY_FILE:-}" ]; then
  say "sei run"
  "$sei" -C "$repo" run "${sandbox[@]}"
  run=$?
else
  say "no signing key in this job (SEI_SIGNING_KEY): sei build, no evidence signed"
  "$sei" -C "$repo" build "${sandbox[@]}"
  run=$?
fi
[ "$run" -eq 0 ] || fail_with "$run"

"$sei" -C "$repo" report --format md > "$artifacts/sei-report.md"
"$sei" -C "$repo" report -o "$artifacts/sei-report.html"
if [ -n "$summary" ]; then cat "$artifacts/sei-report.md" >> "$summary"; fi
if [ "${SEI_CI_CHECK_REPORT:-false}" = true ]; then
  "$sei" -C "$repo" report --check || fail_with $?
fi

# The evidence as this job left it: .sei/ without the local cache, and the lock.
mkdir -p "$artifacts/evidence"
if [ -d "$repo/.sei" ]; then
  tar -C "$repo" --exclude=.sei/cache -cf - .sei | tar -C "$artifacts/evidence" -xf -
fi
[ ! -f "$repo/sei.lock" ] || cp "$repo/sei.lock" "$artifacts/evidence/"

if [ -n "${SEI_CI_OUTPUT:-}" ]; then
  printf 'status=%s\nrun=%s\n' "$status" "$run" >> "$SEI_CI_OUTPUT"
fi
say "status exit $status, run exit $run: exit $first_failure"
exit "$first_failure"
