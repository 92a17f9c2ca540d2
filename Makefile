# sei: build, test, demo, bench, lint. `make test` is what CI runs.
GO      ?= go
PYTHON  ?= python3
VENV    ?= .venv
LOANVENV ?= .venv-loan
DAGVENV ?= .venv-loan-dagster
LAKEVENV ?= .venv-lake
# uv (from PyPI, pinned) makes the virtual environments and installs their pinned packages in
# parallel: the loan environment takes ~10 s with an empty cache, against minutes with pip.
UV_VERSION ?= 0.13.9
UVVENV  ?= .venv-uv
UV      := $(UVVENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: build test demo bench lint venv venv-loan venv-lake clean cosign-check

build: bin/sei

bin/sei: $(shell find . -name '*.go' -not -path './.venv/*') $(wildcard rules/standards/*.yaml) go.mod go.sum
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/sei ./cmd/sei

$(UV):
	$(PYTHON) -m venv $(UVVENV)
	$(UVVENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The Python tools the tests drive live in a virtual environment made here,
# from PyPI, pinned in tools/requirements.txt.
venv: $(VENV)/.stamp
$(VENV)/.stamp: tools/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(VENV)/bin/python -r tools/requirements.txt
	touch $@

# The loan scenario's pipeline tools (dvc, mlflow, dagster, scikit-learn),
# pinned, in their own environment: the tests and the demo drive their CLIs.
venv-loan: $(LOANVENV)/.stamp $(DAGVENV)/.stamp

# The lakehouse tools (pyiceberg with its SQL catalog, pyarrow, deltalake),
# pinned: the table tests make real Iceberg and Delta tables with them.
venv-lake: $(LAKEVENV)/.stamp
$(LAKEVENV)/.stamp: testdata/lake/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(LAKEVENV)
	$(UV) pip install --quiet --python $(LAKEVENV)/bin/python -r testdata/lake/requirements.txt
	touch $@
$(LOANVENV)/.stamp: testdata/loan/requirements.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(LOANVENV)
	$(UV) pip install --quiet --python $(LOANVENV)/bin/python -r testdata/loan/requirements.txt
	touch $@

# Dagster apart: it needs antlr4 4.13 at run time, dvc's hydra-core pins 4.9.
$(DAGVENV)/.stamp: testdata/loan/requirements-dagster.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(DAGVENV)
	$(UV) pip install --quiet --python $(DAGVENV)/bin/python -r testdata/loan/requirements-dagster.txt
	touch $@

# MinIO, the S3 endpoint of the remote-cache tests, pinned (~5 min to build
# on 2 cores, once).
MINIO_VERSION ?= v0.0.0-20260212201848-7aac2a2c5b7c
bin/minio:
	GOBIN=$(abspath bin) $(GO) install github.com/minio/minio@$(MINIO_VERSION)

# cosign verifies sei's envelopes in the evidence scripts when bin/cosign
# exists (CI builds it: .ci/run; locally `make bin/cosign`, ~6-9 minutes on
# 2 cores, once).
test: venv venv-loan venv-lake bin/minio
	$(GO) vet ./...
	SEI_MINIO=$(abspath bin/minio) SEI_COSIGN=$(if $(wildcard bin/cosign),$(abspath bin/cosign)) SEI_VENV=$(abspath $(VENV)) SEI_LOAN_VENV=$(abspath $(LOANVENV)) SEI_DAGSTER_VENV=$(abspath $(DAGVENV)) SEI_LAKE_VENV=$(abspath $(LAKEVENV)) $(GO) test -count=1 -timeout 30m ./...

COSIGN_VERSION ?= v2.6.5
bin/cosign:
	GOBIN=$(abspath bin) $(GO) install github.com/sigstore/cosign/v2/cmd/cosign@$(COSIGN_VERSION)
cosign-check: venv bin/cosign
	SEI_COSIGN=$(abspath bin/cosign) SEI_VENV=$(abspath $(VENV)) $(GO) test -count=1 -run 'TestScripts/(run_evidence|forgery|acts_governance)' -v ./cmd/sei | grep -E '^(---|ok|FAIL|PASS)|cosign'

# The main job: the loan scenario in a scratch git repository.
demo: build $(LOANVENV)/.stamp
	./scripts/demo.sh

# Benchmarks with their peers in the same run (ninja-build and b3sum from
# Debian; a missing peer is skipped), then the table of ratios.
bench: venv-loan venv-lake
	@command -v ninja >/dev/null && command -v b3sum >/dev/null || echo "note: install ninja-build and b3sum (apt-get) for the peer figures"
	SEI_LOAN_VENV=$(abspath $(LOANVENV)) SEI_DAGSTER_VENV=$(abspath $(DAGVENV)) SEI_LAKE_VENV=$(abspath $(LAKEVENV)) $(GO) test -run '^$$' -bench . -skip 'LoanFullRun|LargeOutput|RemoteLargeFetch|Scale' -benchtime 5x -timeout 60m ./cache ./dag ./manifest ./rules ./cmd/sei | tee bench.out
	# A full run of each backend takes 5-30 s: 2 rounds each (the lakehouse one alternates with
	# its stage commands alone, SEI_BENCH_ROUNDS rounds, medians).
	SEI_LOAN_VENV=$(abspath $(LOANVENV)) SEI_DAGSTER_VENV=$(abspath $(DAGVENV)) SEI_LAKE_VENV=$(abspath $(LAKEVENV)) $(GO) test -run '^$$' -bench LoanFullRun -benchtime 2x -timeout 60m ./cmd/sei | tee -a bench.out
	# A stage writing a 2 GiB output (store, restore, fetch from nginx against the command, cp and curl):
	# whole processes alternating, 5 rounds (SEI_BENCH_ROUNDS), medians.
	SEI_LOAN_VENV=$(abspath $(LOANVENV)) $(GO) test -run '^$$' -bench 'LargeOutput|RemoteLargeFetch' -benchtime 2x -timeout 60m ./cmd/sei | tee -a bench.out
	# Whole processes at scale: a generated sei.yaml and the equivalent build.ninja, 1k, 10k and
	# 100k stages (SEI_BENCH_SCALE=1000,10000 for a quick run; the 100k graphs take ~30 minutes),
	# first, null (replayed), null-full and one-changed builds and status, alternating with ninja.
	$(GO) test -run '^$$' -bench Scale -benchtime 1x -timeout 180m ./cmd/sei | tee -a bench.out
	./scripts/benchtable.sh bench.out

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

clean:
	rm -rf bin $(VENV) $(LOANVENV) $(DAGVENV) $(LAKEVENV) $(UVVENV)
