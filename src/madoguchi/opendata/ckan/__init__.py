"""CKAN Action API v3 (the read actions harvesters and ``ckanapi`` use), at /api/3/action/.

Shapes follow ckan/logic/action/get.py and ckan/views/api.py: ``{help, success, result}``;
errors ``{help, success: false, error: {__type, message | field: [..]}}`` with 404 (Not Found
Error), 409 (Validation Error), 400 (Search Query Error, a malformed JSON body, an unknown
action — whose body is a bare JSON string, as CKAN's is). On a city's host an organization is a
section (課) of that city. Reads only: GET (limited like every anonymous read, by the city's
requests per second) or POST with a JSON body (counted by the anonymous-write limit, as every
anonymous POST is; harvesters should use GET, ``ckanapi.RemoteCKAN(get_only=True)``).

The package is split by sub-domain: ``base`` (the view, envelope, parameters), ``dictize``
(package/resource/organization dicts), ``actions`` (the small read actions), ``search``
(package_search) and ``datastore_search``. Importing the package registers every action."""

from . import actions, datastore_search, search  # noqa: F401  (registers the actions)
from .base import ACTIONS, CKAN_VERSION, Invalid, NotFound, SearchQueryError, action, dispatch
from .dictize import (
    _datasets,
    _get_dataset,
    _with_page,
    _with_related,
    load_related,
    org_dict,
    org_name,
    organization,
    package_dict,
    resource_dict,
)
from .search import FACETS, SORTS, _facets, _parse_query, _text_q

__all__ = [
    "ACTIONS",
    "CKAN_VERSION",
    "FACETS",
    "SORTS",
    "Invalid",
    "NotFound",
    "SearchQueryError",
    "_datasets",
    "_facets",
    "_get_dataset",
    "_parse_query",
    "_text_q",
    "_with_page",
    "_with_related",
    "action",
    "dispatch",
    "load_related",
    "org_dict",
    "org_name",
    "organization",
    "package_dict",
    "resource_dict",
]
