#!/usr/bin/env bash
# Writes the loan scenario's data/german_credit.csv into DIR from the UCI
# Statlog German Credit file: ../shared/datasets/german-credit/german.data
# when present, else the UCI archive; either is checked against the SHA-256
# recorded in ../shared/datasets/german-credit/SOURCES.md. The CSV is the
# same rows with a header line and commas: deterministic, so the Croissant
# descriptor in testdata/loan records its digest.
# Usage: loan-data.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
src=$here/../shared/datasets/german-credit/german.data
want=b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ ! -f "$src" ]; then
  echo "loan-data: $src absent; downloading from the UCI archive" >&2
  curl -fsSL -o "$tmp/german.zip" https://archive.ics.uci.edu/static/public/144/statlog+german+credit+data.zip
  unzip -q -o "$tmp/german.zip" german.data -d "$tmp"
  # the archive's copy has trailing blanks; fold them as the shared copy does
  sed -e 's/[[:space:]]*$//' -e 's/  */ /g' "$tmp/german.data" > "$tmp/german.clean"
  src=$tmp/german.clean
fi
got=$(sha256sum < "$src" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "loan-data: $src has sha256 $got, want $want" >&2; exit 1; }
mkdir -p "$dir/data"
{
  echo "checking,duration,history,purpose,amount,savings,employment,installment_rate,personal_status,debtors,residence,property,age,other_plans,housing,existing_credits,job,dependents,telephone,foreign,credit"
  tr ' ' ',' < "$src"
} > "$dir/data/german_credit.csv.tmp"
mv "$dir/data/german_credit.csv.tmp" "$dir/data/german_credit.csv"
