"""Authentication backend (認証): Django's ModelBackend, with the signed-in user read once per
request through ``core.rawsql`` instead of the ORM's query compiler (see that module for the
figures). Passwords, permissions and ``is_active`` behave exactly as in ModelBackend.

In a city, the same statement also says whether the account holds a staff role (職員の役割)
there (``user.staff_role_here``): the second-factor gate (``core.twofactor``) asks that of every
signed-in request, and for a resident it then needs no query of its own and no session write on
the session's first request."""

from __future__ import annotations

import functools

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from madoguchi.core import rawsql, tenancy


@functools.cache
def _user_sql(vendor: str) -> str:
    """The user's row and whether a StaffRole of the given city names it."""
    from madoguchi.core.models import StaffRole

    User = get_user_model()
    role = rawsql.column
    return (
        f"SELECT {', '.join(rawsql.columns(User, 'u'))}, EXISTS (SELECT 1 FROM {rawsql.table(StaffRole)} r "
        f"WHERE {role(StaffRole, 'user', 'r')} = {role(User, User._meta.pk.name, 'u')} AND {role(StaffRole, 'municipality', 'r')} = %s) "
        f"FROM {rawsql.table(User)} u WHERE {role(User, User._meta.pk.name, 'u')} = %s"
    )


def read_user(pk):
    """The user ``pk`` (None if there is none) and, in a city, ``staff_role_here``: (the city's
    id, whether the account holds a role there), as ``user.staff_roles.exists()`` answers it."""
    model = get_user_model()
    city = tenancy.current_id()
    if city is None:
        return rawsql.get_by_pk(model, pk)
    with connection.cursor() as cur:
        cur.execute(_user_sql(connection.vendor), [city, pk])
        row = cur.fetchone()
    if row is None:
        return None
    user = rawsql.from_row(model, row[:-1])
    user.staff_role_here = (city, bool(row[-1]))
    return user


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = read_user(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
