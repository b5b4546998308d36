"""Background jobs of online applications."""

from madoguchi.core.tasks import periodic

from . import services


@periodic("applications.purge_expired", every=6 * 3600)
def purge_expired():
    """保存年限を過ぎた申請と添付ファイルを削除する (what is deleted goes to the audit log)."""
    return services.purge_expired()
