"""Issue #11 item 10: /api/docs runs under the CSP from static files (no CDN, no inline script);
production behind a proxy refuses to start without an explicit TRUSTED_PROXY_HOPS."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from madoguchi.core.factories import MunicipalityFactory


@pytest.mark.django_db
def test_api_docs_load_swagger_from_static_files_under_the_csp(client):
    MunicipalityFactory()
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attrs, body in scripts:
        # Each script is a same-origin file, or JSON data (not run, so the CSP allows it).
        assert ('src="/static/' in attrs and not body.strip()) or 'type="application/json"' in attrs, attrs
    assert "cdn" not in html.lower() and "style=" not in html
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(path).status_code == 200, path
    assert "/api/openapi.json" in html


def _start(env_extra: dict) -> subprocess.CompletedProcess:
    env = {
        "MADOGUCHI_ENV": "production",
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "madoguchi.settings",
        "PYTHONPATH": "src",
        "SECRET_KEY": "s" * 50,
        "DATABASE_URL": "postgres://x@127.0.0.1:1/x",
        **env_extra,
    }
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('ok')"], env=env, capture_output=True, text=True)


def test_production_behind_proxy_requires_trusted_proxy_hops():
    out = _start({})  # BEHIND_PROXY is on by default in production
    assert out.returncode != 0 and "TRUSTED_PROXY_HOPS" in out.stderr
    out = _start({"BEHIND_PROXY": "1"})
    assert out.returncode != 0 and "TRUSTED_PROXY_HOPS" in out.stderr
    assert _start({"BEHIND_PROXY": "1", "TRUSTED_PROXY_HOPS": "1"}).returncode == 0
    assert _start({"BEHIND_PROXY": "0"}).returncode == 0


def test_launchers_set_trusted_proxy_hops():
    from pathlib import Path

    from madoguchi.devtools.servers import app_env

    assert app_env("sqlite:///x")["TRUSTED_PROXY_HOPS"] == "0"
    root = Path(__file__).resolve().parents[4]
    for script in ["scripts/test.sh", "scripts/bench.sh", "scripts/serve.sh"]:
        assert "TRUSTED_PROXY_HOPS=" in (root / script).read_text(), script
