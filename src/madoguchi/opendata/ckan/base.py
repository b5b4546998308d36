"""The CKAN Action API's view: the action table, the envelope and errors, and parameter parsing."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

CKAN_VERSION = "2.10.4"  # the API generation these shapes follow


class NotFound(Exception):
    pass


class Invalid(Exception):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class SearchQueryError(Exception):
    pass


ACTIONS: dict = {}


def action(func):
    ACTIONS[func.__name__] = func
    return func


# --- the view -----------------------------------------------------------------------------------
def _json(status: int, body) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False, default=str), status=status, content_type="application/json;charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    return response


def _params(request) -> dict:
    if request.method == "POST":
        if request.content_type in ("application/json", "text/plain", "") or not request.POST:
            raw = request.body.decode("utf-8", "replace").strip()
            if not raw:
                return {}
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("Request data JSON decoded to a non-dict")
            return data
        source = request.POST
    else:
        source = request.GET
    return {k: (v[0] if len(v) == 1 else v) for k, v in source.lists()}


@csrf_exempt  # reads only, no cookie-based authority is used
def dispatch(request, name: str):
    help_url = request.build_absolute_uri(reverse("ckan:action", args=["help_show"])) + f"?name={name}"
    func = ACTIONS.get(name)
    if func is None:
        return _json(400, f"Bad request - Action name not known: {name}")
    if request.method not in ("GET", "POST"):
        return _json(400, "Bad request - only GET and POST are accepted")
    try:
        params = _params(request)
    except (ValueError, UnicodeDecodeError) as exc:
        return _json(400, f"Bad request - JSON Error: {exc}")
    try:
        result = func(request, params)
    except NotFound as exc:
        message = "Not found" + (f": {exc}" if str(exc) else "")
        return _json(404, {"help": help_url, "success": False, "error": {"__type": "Not Found Error", "message": message}})
    except Invalid as exc:
        return _json(409, {"help": help_url, "success": False, "error": {**exc.errors, "__type": "Validation Error"}})
    except SearchQueryError as exc:
        return _json(400, {"help": help_url, "success": False, "error": {"__type": "Search Query Error", "message": f"Search Query is invalid: {exc}"}})
    return _json(200, {"help": help_url, "success": True, "result": result})


# --- parameters ---------------------------------------------------------------------------------
def _int(params: dict, key: str, default: int, *, maximum: int | None = None) -> int:
    value = params.get(key, default)
    if value in (None, ""):
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise Invalid({key: ["Invalid integer"]}) from None
    if n < 0:
        raise Invalid({key: ["Must be a natural number"]})
    return min(n, maximum) if maximum is not None else n


def _bool(params: dict, key: str, default: bool = False) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes", "on")


def _list(value) -> list:
    """A list parameter: a JSON list, a list (repeated GET keys), or a comma-separated string."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise Invalid({"fields": ["Invalid JSON list"]}) from None
        return [str(v) for v in parsed]
    return [p.strip() for p in text.split(",") if p.strip()]


def _required(params: dict, key: str) -> str:
    value = params.get(key)
    if value in (None, ""):
        raise Invalid({key: ["Missing value"]})
    return str(value)
