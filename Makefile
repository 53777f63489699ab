# The two quick-start commands are `make demo` and `make test`; both install first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-v2s
export HF_HUB_OFFLINE = 1

.PHONY: install demo test test-fast sync readme browser

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# the main job on the embedded default: a clip made by the project, encoded and rendered back
demo: $(STAMP)
	$(BIN)/v2s demo --out demo_out

# every notebook (slow cells included) and the pytest suite, offline; -rs prints why a test skipped
# (the browser test needs Debian's chromium and chromium-driver: `make browser`)
test: $(STAMP)
	V2S_OFFLINE=1 $(BIN)/nbdev-test --flags slow
	V2S_OFFLINE=1 $(BIN)/pytest -q -rs tests

test-fast: $(STAMP)
	V2S_OFFLINE=1 $(BIN)/nbdev-test
	V2S_OFFLINE=1 $(BIN)/pytest -q -rs -m "not slow" tests

# Debian's Chromium and ChromeDriver for the browser test (root, Debian/Ubuntu); never a downloaded browser
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# notebooks -> library and README; then strip notebook metadata/outputs noise
sync: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	$(BIN)/python tools/make_readme.py
