"""``manage.py verify_lottery <inputs.json>`` or ``--lottery <id>``: re-run a drawn lottery from
its published inputs and report whether the published winners are reproduced."""

import json

from django.core.management.base import BaseCommand, CommandError

from madoguchi.reservations import lottery as lottery_mod


class Command(BaseCommand):
    help = "公開した申込データとシードから抽選をやり直し、公表した当選者と一致するか確かめます。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="抽選の申込データ（inputs.json）")
        parser.add_argument("--lottery", type=int, help="データベースにある抽選の番号")

    def handle(self, *args, path=None, lottery=None, **options):
        if lottery:
            from madoguchi.reservations.models import Lottery
            from madoguchi.reservations.services import lottery_published_inputs

            lot = Lottery.objects.filter(pk=lottery, status=Lottery.Status.DRAWN).select_related("facility").first()
            if lot is None:
                raise CommandError(f"抽選済みの抽選 {lottery} が見つかりません。")
            data = lottery_published_inputs(lot)
        elif path:
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path} を読めません: {exc}") from None
        else:
            raise CommandError("inputs.json のパスか --lottery <番号> を指定してください。")
        checks = lottery_mod.verify(data)
        for _name, ok, detail in checks:
            self.stdout.write(("OK  " if ok else "NG  ") + detail)
        if not all(ok for _, ok, _ in checks):
            raise CommandError("公表した抽選結果を再現できませんでした。")
        self.stdout.write(self.style.SUCCESS("公表した抽選結果を再現できました。"))
