.PHONY: demo test bench lint worker lock

# Install everything and serve the demo city on SQLite at http://127.0.0.1:8000
demo:
	bash scripts/serve.sh

# Install everything and run the whole suite (SQLite, then a throwaway PostgreSQL)
test:
	bash scripts/test.sh

# Benchmarks print figures; they are not tests.
bench:
	bash scripts/bench.sh

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench

worker:
	.venv/bin/python manage.py runworker

# Re-pin the lock file from pyproject.toml
lock:
	.venv/bin/pip freeze --exclude-editable | grep -v '^madoguchi' > requirements.lock
