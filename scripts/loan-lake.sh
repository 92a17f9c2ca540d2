#!/usr/bin/env bash
# Turns the loan scenario in DIR (testdata/loan copied, its data written by
# loan-data.sh, DIR/.venv holding the lakehouse tools: make venv-lake) into
# its lakehouse variant on FORMAT (iceberg or delta) tables: the lakehouse
# stages in place of the pipeline tool's files, sei.yaml's dataset and
# pipeline lines replaced by testdata/loan/lakehouse/FORMAT.yaml, and the
# applications table ingested from data/german_credit.csv. The tables live
# under DIR/lake, outside git, as a lakehouse's tables do.
# Usage: loan-lake.sh DIR FORMAT
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=$1 fmt=$2
case $fmt in iceberg | delta) ;; *) echo "loan-lake: FORMAT is iceberg or delta, not $fmt" >&2; exit 2 ;; esac
lake=$here/testdata/loan/lakehouse
[ -x "$dir/.venv/bin/python" ] || { echo "loan-lake: $dir/.venv/bin/python is missing (make venv-lake, then link .venv-lake there)" >&2; exit 1; }
cd "$dir"
rm -rf dvc.yaml MLproject dagster_defs.py eval featurize.py evaluate.py requirements.txt requirements-dagster.txt lakehouse
cp "$lake/lake.py" "$lake/ingest.py" "$lake/featurize_table.py" "$lake/evaluate_table.py" .
grep -q '^dataset: ' sei.yaml && grep -q '^pipeline: ' sei.yaml || { echo "loan-lake: $dir/sei.yaml has no one-line dataset and pipeline" >&2; exit 1; }
sed -n "/^dataset:/,\$p" "$lake/$fmt.yaml" > lakehouse.yaml.tmp
sed -i -e "/^dataset: /{r lakehouse.yaml.tmp" -e "d}" -e "/^pipeline: /d" sei.yaml
rm lakehouse.yaml.tmp
printf "# The lakehouse tables: data, versioned by their own snapshots, not by git.\n/lake/\n" >> .gitignore
.venv/bin/python ingest.py "$fmt"
