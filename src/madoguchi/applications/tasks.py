"""Background jobs of online applications."""

from django.conf import settings

from madoguchi.core.tasks import periodic, task

from . import services


@periodic("applications.purge_expired", every=6 * 3600)
def purge_expired():
    """保存年限を過ぎた申請と添付ファイルを削除する (what is deleted goes to the audit log)."""
    return services.purge_expired()


@periodic("applications.section_digest", every=settings.SECTION_DIGEST_MINUTES * 60)
def section_digest():
    """課への新着のお知らせ: one email per section per period (services.section_digest)."""
    return services.section_digest()


@task("applications.submitted_email")
def submitted_email(submission_id: int, resubmission: bool = False):
    """受付のお知らせ: the receipt email of one submission (services._notify_submitted)."""
    services.send_submitted_email(submission_id, resubmission)
