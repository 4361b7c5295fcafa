# Build and test entry points for the jitaccess.entra collection.
# Needs only GNU make, git and python3.11 (with venv/ensurepip); everything else
# is installed into .venv from requirements-dev.txt. `make help` lists targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules
# Steps share .venv and .build; run them one at a time even under -j.
.NOTPARALLEL:

PYTHON ?= python3.11
VENV ?= .venv
VENV_BIN := $(CURDIR)/$(VENV)/bin
BUILD := $(CURDIR)/.build
# For ANSIBLE_COLLECTIONS_PATH: ansible_collections/jitaccess/entra links back to this checkout.
COLLECTIONS_PATH := $(BUILD)/collections
COLLECTION_LINK := $(COLLECTIONS_PATH)/ansible_collections/jitaccess/entra
# Extra arguments for every pytest run, e.g. `make unit PYTEST_ARGS="-k group"`.
PYTEST_ARGS ?=
# pytest-xdist workers for the emulator and integration tests (default: one per CPU this process may use; 0 runs them in this process).
# Each worker has an emulator, token cache and cache directory of its own (tests/conftest.py).
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# Extra arguments for ansible-test sanity, e.g. `make sanity SANITY_ARGS="--test pylint"`.
SANITY_ARGS ?=

# Environment for anything that runs ansible or the collection's code: the
# venv's tools first on PATH, and this checkout as the only jitaccess.entra.
RUN_ENV := PATH="$(VENV_BIN):$$PATH" VENV="$(VENV)" \
	ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH)"

VENV_STAMP := $(VENV)/.requirements-installed

# awx.awx, which extensions/awx/configure_controller.yml targets, for its checks only: unpacked from the ansible
# community package on PyPI (the one index CI reaches) into .build/awx, never installed into the venv.
AWX_ANSIBLE_VERSION ?= 11.13.0
AWX_COLLECTIONS := $(BUILD)/awx/collections
AWX_STAMP := $(AWX_COLLECTIONS)/ansible_collections/awx/awx/MANIFEST.json

# Test runs record every Graph request and answer body here (one JSONL file per emulator);
# `make oracle` parses them with Microsoft's SDK models (tests/emulator/oracle.py).
ORACLE_DIR := $(BUILD)/oracle
RECORD_ENV := EMULATOR_RECORD_DIR="$(ORACLE_DIR)"

.PHONY: help venv collection awx-collection awx-check unit emulator-tests integration oracle sanity lint docs-check \
	ee-check molecule test demo bench scale clean distclean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 20

venv: $(VENV_STAMP) ## Create .venv and install requirements-dev.txt (skipped while requirements are unchanged)

# --no-compile: Python writes the bytecode of what is imported when it is first imported (about 700 files); compiling
# all 50,000 at install (most of them msgraph models nothing imports) took 34 of the install's 51 s of CPU.
$(VENV_STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { \
		echo "error: $(PYTHON) not found on PATH; this project needs Python 3.11 (e.g. 'pyenv install 3.11')" >&2; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --no-compile -r requirements-dev.txt
	touch $@

collection: ## Link .build/collections/ansible_collections/jitaccess/entra to this checkout
	mkdir -p $(dir $(COLLECTION_LINK))
	ln -sfn ../../../.. $(COLLECTION_LINK)

unit: venv collection ## Unit tests (tests/unit)
	$(RUN_ENV) $(RECORD_ENV) tools/run-pytest.sh tests/unit $(PYTEST_ARGS)

emulator-tests: venv collection ## Tests of the Graph emulator itself (tests/emulator_tests)
	$(RUN_ENV) $(RECORD_ENV) tools/run-pytest.sh tests/emulator_tests -n $(TEST_WORKERS) $(PYTEST_ARGS)

# worksteal: a worker with nothing left takes queued tests from the other; the tests marked slow are collected first
# (tests/integration/conftest.py), so both workers finish together.
integration: venv collection ## Modules against the HTTPS emulator (tests/integration)
	$(RUN_ENV) $(RECORD_ENV) tools/run-pytest.sh tests/integration -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

oracle: venv ## Every Graph body the test runs recorded, parsed with the msgraph SDK models: no unknown property
	$(RUN_ENV) $(VENV_BIN)/python -m tests.emulator.oracle $(ORACLE_DIR)

sanity: venv ## Full ansible-test sanity suite on a copy of the tree, offline
	VENV="$(VENV)" tools/sanity.sh $(SANITY_ARGS)

lint: venv collection awx-collection ## ansible-lint (production profile; awx.awx for extensions/awx) and antsibull-changelog lint
	$(RUN_ENV) ANSIBLE_COLLECTIONS_PATH="$(COLLECTIONS_PATH):$(AWX_COLLECTIONS)" ansible-lint
	$(VENV_BIN)/antsibull-changelog lint
	$(VENV_BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

awx-collection: $(AWX_STAMP) ## awx.awx from the ansible package on PyPI, unpacked into .build/awx (not installed)

$(AWX_STAMP): | venv
	rm -rf $(BUILD)/awx && mkdir -p $(BUILD)/awx/download $(AWX_COLLECTIONS)
	$(VENV_BIN)/pip download --no-deps --quiet --dest $(BUILD)/awx/download ansible==$(AWX_ANSIBLE_VERSION)
	$(VENV_BIN)/python -c 'import sys, zipfile; wheel = zipfile.ZipFile(sys.argv[1]); \
		wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if n.startswith("ansible_collections/awx/awx/")])' \
		$(BUILD)/awx/download/ansible-$(AWX_ANSIBLE_VERSION)-py3-none-any.whl $(AWX_COLLECTIONS)
	rm -rf $(BUILD)/awx/download

awx-check: venv collection awx-collection ## extensions/awx against awx.awx: every task's arguments through the modules' argument specs
	$(RUN_ENV) AWX_COLLECTIONS_PATH="$(AWX_COLLECTIONS)" tools/run-pytest.sh tests/awx $(PYTEST_ARGS)

molecule: venv collection ## The role's molecule scenario against the emulator (extensions/molecule)
	cd extensions && $(RUN_ENV) MOLECULE_NO_LOG=false molecule test -s jit_ai_access

docs-check: venv collection ## ansible-doc must render every module
	$(RUN_ENV) tools/docs-check.sh

# The execution environment's build context: ansible-builder writes it without a container engine.
EE_CONTEXT := $(BUILD)/ee
EE_SOURCE := $(BUILD)/ee-src

ee-check: venv ## ansible-builder create for execution-environment.yml into .build/ee, and check the context
	rm -rf $(EE_CONTEXT) $(EE_SOURCE)
	$(VENV_BIN)/ansible-galaxy collection build --output-path $(EE_SOURCE) .
	mv $(EE_SOURCE)/jitaccess-entra-*.tar.gz $(EE_SOURCE)/jitaccess-entra.tar.gz
	$(VENV_BIN)/ansible-builder create --file execution-environment.yml --context $(EE_CONTEXT) --output-filename Containerfile
	test -s $(EE_CONTEXT)/Containerfile
	grep 'ansible-galaxy collection install .*-r requirements.yml' $(EE_CONTEXT)/Containerfile >/dev/null
	grep 'introspect.py introspect --user-pip=requirements.txt' $(EE_CONTEXT)/Containerfile >/dev/null
	grep -x -- '- name: collections/jitaccess-entra.tar.gz' $(EE_CONTEXT)/_build/requirements.yml >/dev/null
	tar -tzf $(EE_CONTEXT)/_build/collections/jitaccess-entra.tar.gz | grep -x -e requirements.txt -e meta/runtime.yml | wc -l | grep -x 2 >/dev/null
	grep -Ev '^[[:space:]]*(#|$$)' requirements.txt | while IFS= read -r requirement; do \
		grep -Fx -- "$$requirement" $(EE_CONTEXT)/_build/requirements.txt >/dev/null \
			|| { echo "ee-check: $$requirement is missing from the build context" >&2; exit 1; }; \
	done
	@echo "ee-check: build context in $(EE_CONTEXT) (podman build -f $(EE_CONTEXT)/Containerfile $(EE_CONTEXT))"

# The steps of `make test`. The pytest steps use every CPU (TEST_WORKERS); after them, sanity runs in one
# lane while the rest, one after another, run in a second (tools/time-steps.sh): each of those uses about one
# CPU, sanity copies the tree and keeps its own HOME (tools/sanity.sh), and oracle reads what the pytest steps
# recorded. Set TEST_STEPS to the targets alone (e.g. TEST_STEPS="unit emulator-tests integration oracle molecule
# sanity lint awx-check docs-check ee-check") to run every step one after another.
TEST_STEPS ?= unit emulator-tests integration sanity+molecule,oracle,lint,awx-check,docs-check,ee-check

test: venv ## Everything CI runs (TEST_STEPS), then a table of each step's time
	rm -rf $(ORACLE_DIR)
	MAKE="$(MAKE)" tools/time-steps.sh $(TEST_STEPS)

demo: venv collection ## The seed scenario against the embedded Entra emulator (tools/demo.py)
	$(RUN_ENV) $(VENV_BIN)/python tools/demo.py

bench: venv collection ## Per-task cost and memory benchmark (tests/bench/run.py)
	$(RUN_ENV) $(VENV_BIN)/python tests/bench/run.py

scale: venv collection ## The role across 1, 10 and 50 emulator tenants: wall time, requests, drift (tests/bench/scale.py)
	$(RUN_ENV) $(VENV_BIN)/python tests/bench/scale.py

clean: ## Remove build and test output (keeps .venv)
	rm -rf .build tests/output .pytest_cache .hypothesis .ansible
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
