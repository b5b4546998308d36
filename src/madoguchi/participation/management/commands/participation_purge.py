"""``manage.py participation_purge``: empty submitters' personal fields of consultations, and
unlink the answers of surveys, past their retention period now (the periodic tasks do the same
every six hours)."""

from django.core.management.base import BaseCommand

from madoguchi.participation import services, surveys


class Command(BaseCommand):
    help = "保存期間を過ぎた意見公募の提出者の個人情報と、アンケートの回答者との結びつきを削除します。"

    def handle(self, *args, **options):
        done = services.purge_personal_data()
        self.stdout.write(f"個人情報を削除した意見公募: {len(done)}件")
        self.stdout.write(f"回答者との結びつきを削除したアンケート: {len(surveys.purge_expired_responses())}件")
