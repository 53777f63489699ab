# The two quick-start commands are `make demo` and `make test`; both install first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# the install is redone when what pyproject.toml and constraints.txt say changes, not when a file is only rewritten
# (nbdev-export rewrites pyproject.toml unchanged on every `make sync`, which used to reinstall inside `make test`)
STAMP   = $(VENV)/.installed-v2s-$(shell cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
export HF_HUB_OFFLINE = 1

.PHONY: install demo test test-fast docs sync readme browser pictures studies

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,docs]"
	touch $(STAMP)

install: $(STAMP)

# the main job on the embedded default: a clip made by the project, encoded and rendered back
demo: $(STAMP)
	$(BIN)/v2s demo --out demo_out

# every notebook (nbdev-test --flags slow: slow cells included; the executed copies are kept in _build/executed
# for the docs; notebooks run one per core, each with one torch thread: two notebooks of two threads each on 2 cores
# ran 3x slower) and the pytest suite, offline; -rs prints why a test skipped (the browser tests need Debian's
# chromium and chromium-driver: `make browser`; the site's own test runs in `make docs`)
test: $(STAMP)
	V2S_OFFLINE=1 $(BIN)/python tools/docs.py execute --force
	V2S_OFFLINE=1 $(BIN)/pytest -q -rs --durations=12 --ignore=tests/test_docs_site.py tests

test-fast: $(STAMP)
	V2S_OFFLINE=1 OMP_NUM_THREADS=1 $(BIN)/nbdev-test
	V2S_OFFLINE=1 $(BIN)/pytest -q -rs -m "not slow" --ignore=tests/test_docs_site.py tests

# the documentation site in _site/ (Sphinx + myst-nb, offline): notebooks executed on the default models (reused
# from `make test` when nothing changed since), rendered with their outputs, an API page per module; then its test
docs: $(STAMP)
	V2S_OFFLINE=1 $(BIN)/python tools/docs.py build
	$(BIN)/pytest -q -rs -s tests/test_docs_site.py

# the pictures at the notebooks' heads (nbs/images/), made from the shipped models and the committed fine-tune
# checkpoint (train_state/); when the notebooks run as tests they write the same pictures into _build/pictures
pictures: $(STAMP)
	V2S_OFFLINE=1 V2S_PICTURES=write OMP_NUM_THREADS=1 $(BIN)/nbdev-test --flags slow --n-workers 1 \
	  --file-re '05_stylegan|06_encoders|09_training|16a3_mini_gan|16a5_mini|17_pipeline'

# the studies behind figures stated in the notebooks' prose that take too long for `make test` (cells flagged
# `#| study`: measurements over all 13 real clips, the composite through `v2s edit`, Table 1's slow rows, timings,
# the age direction learned against SSR-Net; about an hour on 2 cores); each asserts the figures its notebook
# states (`core.check_stated`)
STUDIES = 03_faces|05_stylegan|12_evaluation|14_edit_age|16b_fast|16c_composite|16d_tune|18a_bench
studies: $(STAMP)
	V2S_OFFLINE=1 $(BIN)/nbdev-test --flags "slow study" --n-workers 1 --cell-timeout 3600 --file-re '$(STUDIES)'

# Debian's Chromium and ChromeDriver for the browser test (root, Debian/Ubuntu); never a downloaded browser
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# notebooks -> library and README; then strip notebook metadata/outputs noise
sync: $(STAMP)
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	$(BIN)/python tools/make_readme.py
