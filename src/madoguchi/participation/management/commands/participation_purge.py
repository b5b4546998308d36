"""``manage.py participation_purge``: empty submitters' personal fields of consultations past
their retention period now (the periodic task does the same every six hours)."""

from django.core.management.base import BaseCommand

from madoguchi.participation import services


class Command(BaseCommand):
    help = "保存期間を過ぎた意見公募の提出者の個人情報を削除します。"

    def handle(self, *args, **options):
        done = services.purge_personal_data()
        self.stdout.write(f"個人情報を削除した意見公募: {len(done)}件")
