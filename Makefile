# Lepton Lab. `make run` and `make test` set everything up on a fresh machine.
PY := .venv/bin/python
PORT ?= 8501

.PHONY: setup run test bench bench-workshop bench-scale lint format clean

setup: .venv/.installed

.venv/.installed: requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

run: setup
	$(PY) -m lepton_core app --port $(PORT)

test: setup
	$(PY) -m pytest -q -n 2 --dist loadfile  # two workers; a file (and its fixtures) stays on one

bench: setup  # every benchmark (goal: under 10 minutes; 543 s on 2026-11-30); results.json, RESULTS.md
	$(PY) bench/all.py

bench-scale: setup  # 3-5 minutes: 8 concurrent runs on local workers and on a Ray head it starts
	$(PY) bench/scale.py --repeats 2
	$(PY) bench/report.py

bench-workshop: setup  # about 5 minutes: 20 sessions upload, train, explain; memory and latency
	$(PY) bench/workshop.py
	$(PY) bench/report.py

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

clean:
	rm -rf .venv lepton_home .pytest_cache .ruff_cache
