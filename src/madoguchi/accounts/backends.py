"""Authentication backend (認証): Django's ModelBackend, with the signed-in user read once per
request through ``core.rawsql`` instead of the ORM's query compiler (see that module for the
figures). Passwords, permissions and ``is_active`` behave exactly as in ModelBackend."""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError

from madoguchi.core import rawsql


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = rawsql.get_by_pk(model, pk)
        return user if user is not None and self.user_can_authenticate(user) else None
