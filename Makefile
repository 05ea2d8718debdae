# The two commands: `make run` and `make test`. Everything else is for development and CI.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The address in client links, e-mails and the payment return: the port `make run` serves
# unless SITE_URL is given.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test system-deps venv venv-dev lint migrate demo worker beat prod-smoke bench

# Runtime packages (requirements.txt) for `make run`; the test and lint tools on top of them
# (requirements-dev.txt) for `make test` and CI.
$(VENV)/.installed: requirements.txt build-constraints.txt
	@test -n "$(PYTHON)" || { echo "Нужен Python 3.12 или новее (Django 6)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --build-constraint build-constraints.txt -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --build-constraint build-constraints.txt -r requirements-dev.txt
	touch $@

# WeasyPrint's libraries and the PDF font, checked first (as root with apt-get: installed).
system-deps:
	@sh scripts/system_deps.sh

venv: $(VENV)/.installed

venv-dev: $(VENV)/.installed-dev

migrate: venv
	$(PY) manage.py migrate --noinput

demo run worker beat: export SITE_URL := $(SITE_URL)

demo: migrate
	$(PY) manage.py demo

run: system-deps demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: system-deps venv-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

worker: venv
	$(VENV)/bin/celery -A crm worker -l info

beat: venv
	$(VENV)/bin/celery -A crm beat -l info

# The product as in production (gunicorn, Celery worker and beat, PostgreSQL, Redis, SMTP),
# checked over HTTP; needs the PostgreSQL and Redis of the machine.
prod-smoke: venv-dev
	$(PY) scripts/prod_smoke.py

# The benchmark (PostgreSQL on 127.0.0.1, wrk): fills crm_bench and crm_bench_report, loads
# each page with 8 clients against the ceiling, writes bench/results.json and results.md.
bench: venv-dev
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) bench/run.py $(BENCH_ARGS)
