# bedstretch: `make run` sets up and runs the coach; `make test` sets up and runs every check.
# Everything installs from the lock file (uv.lock) into .venv; uv itself is pinned in .tools.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# Biome lints the web player's JavaScript: pinned in package.json, from package-lock.json.
NODE_MODULES := node_modules/.installed
BIOME := node_modules/.bin/biome
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# Byte-compile on install: a CLI that starts in a bed should not compile its imports every time.
export UV_COMPILE_BYTECODE := 1

# Debian packages: espeak-ng speaks the cues (and the voice tests listen to real speech);
# chromium is the real browser the figure (and page) tests drive through playwright; and when
# npm is missing, nodejs and npm (Biome, the JavaScript linter, comes from the npm registry).
DEBIAN_PACKAGES := espeak-ng chromium

.PHONY: run test system bench docs golden lock audit clean

run: system $(VENV)/.synced
	$(BIN)/bedstretch start

test: system $(VENV)/.synced $(NODE_MODULES)
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy
	$(BIOME) ci src/bedstretch/web/static tests/golden
	$(BIN)/python -m bedstretch.clidoc --check docs/cli.md
	$(BIN)/pytest

# Installs only what is missing; apt-get update first, as a fresh machine has no package lists.
system:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# wrk makes the web load (benchmarks/web_load.py): a C client costs the shared cores little.
bench: DEBIAN_PACKAGES += wrk
bench: system $(VENV)/.synced
	$(BIN)/python -m compileall -q src
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/planning.py
	$(BIN)/python benchmarks/cue_timing.py
	$(BIN)/python benchmarks/first_frame.py
	$(BIN)/python benchmarks/gallery.py
	cd benchmarks && ../$(BIN)/python progress.py --postgres
	cd benchmarks && ../$(BIN)/python export.py
	$(BIN)/python benchmarks/page_weight.py
	$(BIN)/python benchmarks/web_load.py

docs: $(VENV)/.synced
	$(BIN)/python -m bedstretch.clidoc > docs/cli.md

# The golden playback corpus both players must pass (tests/golden/generate.py): regenerate it
# after changing a rule of playback, frames, speech or the pain guard, and review the diff.
golden: $(VENV)/.synced
	$(BIN)/python -m tests.golden.generate

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# Biome's binary is the optional package @biomejs/cli-linux-x64 in the lock file: no install scripts.
$(NODE_MODULES): package.json package-lock.json | system
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras
	$(BIN)/python -m compileall -q src
	@touch $@

lock: $(UV)
	$(UV) lock

# Known vulnerabilities in what uv.lock and package-lock.json pin (docs/security.md). Not part of
# `make test`: an advisory published tomorrow must not fail a build at random. Where to look:
#   make audit                      the OSV service (needs the internet)
#   make audit OSV="PyPI.zip npm.zip"  OSV databases copied to disk (no network at all)
#   make audit AUDIT=--pypi         PyPI's JSON API (covers packages pinned at their latest release)
OSV ?=
AUDIT ?= $(foreach db,$(OSV),--osv $(db))
audit: $(VENV)/.synced
	@$(UV) export --frozen --all-extras --all-groups --no-hashes --no-emit-project \
	  --format requirements-txt --quiet -o $(VENV)/audit-requirements.txt
	$(BIN)/python tools/audit.py --requirements $(VENV)/audit-requirements.txt \
	  --npm-lock package-lock.json $(AUDIT)

clean:
	rm -rf $(VENV) $(TOOLS) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
