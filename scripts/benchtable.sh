#!/usr/bin/env bash
# Prints the table at the end of `make bench` from `go test -bench` output
# (file or stdin): each sei figure next to its peer measured in the same run.
set -euo pipefail
awk '
function ms(ns) { return sprintf("%.1f ms", ns / 1e6) }
/^Benchmark/ {
  name = $1; sub(/-[0-9]+$/, "", name)
  for (i = 3; i < NF; i++) v[name, $(i+1)] = $i
}
END {
  printf "\n%-34s %14s %14s %8s\n", "benchmark", "sei", "peer", "ratio"
  for (n = 10; n <= 100; n *= 10) {
    s = v["BenchmarkNullBuildSei/" n "k", "ns/op"]; p = v["BenchmarkNullBuildNinja/" n "k", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "null build " n "k nodes (vs ninja)", ms(s), (p == "" ? "-" : ms(p)), (p == "" ? "-" : sprintf("%.2fx", s / p))
    s = v["BenchmarkNullStatusSei/" n "k", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "null status " n "k nodes", ms(s), "-", "-"
    s = v["BenchmarkLower/" n "k", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "lowering " n "k nodes", ms(s), "-", "-"
    s = v["BenchmarkPeakRSS/" n "k", "peak-MB"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "peak RSS " n "k nodes (MB)", s, "-", "-"
  }
  s = v["BenchmarkHash1GiB", "MB/s"]; p = v["BenchmarkHash1GiBb3sum", "MB/s"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "BLAKE3 1 GiB, 1 core (MB/s)", s, (p == "" ? "-" : p), (p == "" ? "-" : sprintf("%.0f%%", 100 * s / p))
  s = v["BenchmarkTree100kOneChanged", "files-read"]; t = v["BenchmarkTree100kOneChanged", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "100k files, 1 changed: files read", s, ms(t), "-"
  split("status noop-run", kinds, " ")
  for (k = 1; k <= 2; k++) {
    s = v["BenchmarkLoanDVC/" kinds[k] "/sei", "ns/op"]; p = v["BenchmarkLoanDVC/" kinds[k] "/dvc", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "loan " kinds[k] " (vs dvc; peer/sei)", ms(s), (p == "" ? "-" : ms(p)), (p == "" ? "-" : sprintf("%.0fx", p / s))
  }
  split("dvc mlflow dagster", tools, " ")
  for (k = 1; k <= 3; k++) {
    s = v["BenchmarkLoanFullRun/" tools[k] "/sei", "ns/op"]; p = v["BenchmarkLoanFullRun/" tools[k] "/" tools[k], "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "loan full run, " tools[k] " (sei/tool)", sprintf("%.1f s", s / 1e9), (p == "" ? "-" : sprintf("%.1f s", p / 1e9)), (p == "" ? "-" : sprintf("%.2fx", s / p))
  }
  split("iceberg delta", formats, " ")
  for (k = 1; k <= 2; k++) {
    s = v["BenchmarkLoanFullRunLakehouse/" formats[k] "/sei", "ns/op"]; p = v["BenchmarkLoanFullRunLakehouse/" formats[k] "/commands-alone", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "loan full run, " formats[k] " (sei/stages)", sprintf("%.1f s", s / 1e9), (p == "" ? "-" : sprintf("%.1f s", p / 1e9)), (p == "" ? "-" : sprintf("%.2fx", s / p))
  }
  split("first null null-full one-changed status status-full", phases, " ")
  for (sz = 1; sz <= 100; sz *= 10) for (sh = 1; sh <= 2; sh++) for (k = 1; k <= 5; k++) {
    shape = (sh == 1 ? "fan" : "chain")
    key = "BenchmarkScale/" shape "/" sz "k/" phases[k]
    s = v[key "/sei", "ns/op"]; p = v[key "/ninja", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", phases[k] " " sz "k " shape " (vs ninja)", ms(s), (p == "" ? "-" : ms(p)), (p == "" ? "-" : sprintf("%.1fx", s / p))
  }
  split("version status", starts, " ")
  for (k = 1; k <= 2; k++) {
    s = v["BenchmarkStartup/" starts[k] "/sei", "ns/op"]; p = v["BenchmarkStartup/" starts[k] "/hello", "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "start-up: sei " starts[k] " (vs Go hello)", ms(s), (p == "" ? "-" : ms(p)), (p == "" ? "-" : sprintf("%.1fx", s / p))
  }
  s = v["BenchmarkRemoteWarmClone/warm-remote", "ns/op"]; p = v["BenchmarkRemoteWarmClone/cold", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "fresh clone, warm remote (vs cold)", ms(s), (p == "" ? "-" : sprintf("%.1f s", p / 1e9)), (p == "" ? "-" : sprintf("%.0fx", p / s))
  s = v["BenchmarkLargeOutput/build/sei", "ns/op"]; p = v["BenchmarkLargeOutput/build/command-alone", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "2 GiB output: build (vs command)", sprintf("%.1f s", s / 1e9), sprintf("%.1f s", p / 1e9), sprintf("%.2fx", s / p)
  s = v["BenchmarkLargeOutput/restore/sei", "ns/op"]; p = v["BenchmarkLargeOutput/restore/cp", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "2 GiB output: restore (vs cp)", sprintf("%.1f s", s / 1e9), sprintf("%.1f s", p / 1e9), sprintf("%.2fx", s / p)
  s = v["BenchmarkLargeOutput/build/sei", "ns/op"]; p = v["BenchmarkLargeOutput/build/dvc-repro", "ns/op"]
  if (s != "" && p != "") printf "%-34s %14s %14s %8s\n", "2 GiB output: build (vs dvc repro)", sprintf("%.1f s", s / 1e9), sprintf("%.1f s", p / 1e9), sprintf("%.2fx", s / p)
  s = v["BenchmarkLargeOutput/restore/sei", "ns/op"]; p = v["BenchmarkLargeOutput/restore/dvc-checkout", "ns/op"]
  if (s != "" && p != "") printf "%-34s %14s %14s %8s\n", "2 GiB output: restore (vs dvc checkout)", sprintf("%.1f s", s / 1e9), sprintf("%.1f s", p / 1e9), sprintf("%.2fx", s / p)
  s = v["BenchmarkRemoteLargeFetch/sei", "ns/op"]; p = v["BenchmarkRemoteLargeFetch/curl", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "2 GiB fetch from nginx (vs curl)", sprintf("%.1f s", s / 1e9), sprintf("%.1f s", p / 1e9), sprintf("%.2fx", s / p)
  s = v["BenchmarkRemoteLargeFetch/sei", "maxrss_KiB"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "2 GiB fetch: sei peak RSS (MB)", sprintf("%.0f", s / 1024), "-", "-"
  split("none relaxed strict", modes, " ")
  for (k = 1; k <= 3; k++) {
    s = v["BenchmarkSandboxCost/" modes[k], "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "20 trivial stages, sandbox " modes[k], ms(s), "-", "-"
  }
  split("som all", qs, " "); split("shortestpath allpaths", ls, " ")
  for (k = 1; k <= 2; k++) {
    s = v["BenchmarkQuery/100k/" qs[k], "ns/op"]; p = v["BenchmarkQuery/100k/lib-" ls[k], "ns/op"]
    if (s != "") printf "%-34s %14s %14s %8s\n", "query " ls[k] " 100k (in-process; vs graph lib)", ms(s), (p == "" ? "-" : ms(p)), (p == "" ? "-" : sprintf("%.0fx", p / s))
  }
  s = v["BenchmarkTableStatus/sei-status", "ns/op"]; p = v["BenchmarkTableStatus/pyiceberg-current-snapshot", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "status, 2 tables (vs pyiceberg; peer/sei)", ms(s), (p == "" ? "-" : ms(p)), (p == "" ? "-" : sprintf("%.0fx", p / s))
  s = v["BenchmarkParse", "ns/op"]; p = v["BenchmarkPeerYAMLUnmarshal", "ns/op"]
  if (s != "") printf "%-34s %14s %14s %8s\n", "manifest decode (vs yaml.v3 maps)", ms(s), ms(p), sprintf("%.2fx", s / p)
}' "${1:-/dev/stdin}"
