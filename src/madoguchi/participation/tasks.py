"""Background jobs of participation."""

from madoguchi.core.tasks import periodic

from . import services


@periodic("participation.purge_personal_data", every=6 * 3600)
def purge_personal_data():
    """保存期間を過ぎた意見公募の提出者の個人情報を削除する (audited per consultation)."""
    return services.purge_personal_data()


@periodic("participation.purge_survey_registers", every=6 * 3600)
def purge_survey_registers():
    """案内状の印刷後、保存期限を過ぎたアンケートの名簿（抽出データ）を削除する (audited)."""
    from . import conf, sampling

    return sampling.purge_printed_registers(conf.register_keep_days())


@periodic("participation.purge_survey_responses", every=6 * 3600)
def purge_survey_responses():
    """保存期間を過ぎたアンケートの回答から、回答者との結びつきと自由記述を削除する (audited)."""
    from . import surveys

    return surveys.purge_expired_responses()
