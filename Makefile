# frontmap: the newcomer's commands.
#   make maps   build the demo maps and tables into output/ (sets everything up)
#   make test   run the whole test suite (sets everything up, Chromium and PostGIS included)
#   make lint   ruff and mypy
#   make bench  the performance benchmark (see README, "Performance")

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: all maps test lint bench browser postgis gpkg-validator venv clean

all: maps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

maps: $(STAMP)
	$(BIN)/frontmap build

# Debian's Chromium drives the page tests. Installed here when missing (root or sudo).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "chromium is missing and this user cannot install it: run 'apt-get install chromium' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's PostgreSQL + PostGIS: the oracle of tests/test_postgis.py (the tests start
# and stop a throwaway cluster of their own). Installed here when missing (root or sudo).
postgis:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	    ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql and postgis for the oracle tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "postgis is missing and this user cannot install it: run 'apt-get install postgresql postgis' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql postgis >/dev/null; \
	fi

# GDAL's GeoPackage validator (validate_gpkg.py in Debian's python3-gdal) checks the
# GeoPackages frontmap writes (tests/test_export_gpkg.py). Installed here when missing.
gpkg-validator:
	@if ! /usr/bin/python3 -c "import osgeo_utils.samples.validate_gpkg" >/dev/null 2>&1; then \
	  echo "installing Debian's python3-gdal for the GeoPackage validator"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "python3-gdal is missing and this user cannot install it: run 'apt-get install python3-gdal' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-gdal >/dev/null; \
	fi

test: $(STAMP) browser postgis gpkg-validator
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check frontmap tests layers/_source
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m frontmap.bench

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
