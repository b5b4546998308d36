"""Background jobs of participation."""

from madoguchi.core.tasks import periodic

from . import services


@periodic("participation.purge_personal_data", every=6 * 3600)
def purge_personal_data():
    """保存期間を過ぎた意見公募の提出者の個人情報を削除する (audited per consultation)."""
    return services.purge_personal_data()
