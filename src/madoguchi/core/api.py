from ninja import Router, Schema

router = Router(tags=["core"])


class MunicipalityOut(Schema):
    name: str
    name_kana: str
    code: str
    prefecture: str


@router.get("/municipality", response={200: MunicipalityOut, 404: dict}, summary="このサイトの自治体")
def municipality(request):
    from .models import Municipality

    m = Municipality.current()
    if m is None:
        return 404, {"detail": "自治体が登録されていません。"}
    return 200, m
