"""This site's city (``GET /api/core/municipality``) as a public read (``core.publicread``):
the same JSON as the API operation, answered before sessions and accounts. Every app or page
that shows the city's name asks it; the answer is the same for everyone."""

from __future__ import annotations

from .registry import PublicRead, public_reads


@public_reads.register("core.municipality")
class CityInfo(PublicRead):
    pattern = r"^/api/core/municipality$"

    def handle(self, request):
        from madoguchi.api import api

        from . import tenancy
        from .api import MunicipalityOut

        city = tenancy.current()  # the request's city, from its host name
        if city is None:
            return None
        # Rendered by the API's own renderer: the same bytes as the operation's answer.
        return api.create_response(request, MunicipalityOut.model_validate(city, from_attributes=True).model_dump(), status=200)
