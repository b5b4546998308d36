"""``manage.py import_plan FILE [FILE …] [--municipality CODE] [--dry-run]``: read plan documents
and print what the preview would show (counts per level, sections, schedules, the lines that
need a decision), so documents can be checked in bulk; without ``--dry-run`` also save them."""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.core import tenancy
from madoguchi.plans.importer import PlanImportError, parse, save_preview
from madoguchi.plans.importer.report import format_summary, summary


class Command(BaseCommand):
    help = "計画の文書を読み取り、取込の確認画面と同じ集計（階層ごとの件数、確認が必要な行）を表示します。--dry-run を付けなければ保存もします。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="計画の文書（XLSX・CSV・TSV・テキスト）")
        parser.add_argument("--municipality", help="保存先の自治体の全国地方公共団体コード（省略時はこのサイトの自治体）")
        parser.add_argument("--dry-run", action="store_true", help="読み取った結果を表示するだけで保存しない")

    def handle(self, *args, files, municipality=None, dry_run=False, **options):
        from madoguchi.core.models import Municipality

        city = None
        if not dry_run or municipality:
            city = Municipality.objects.filter(code=municipality).first() if municipality else Municipality.objects.filter(is_default=True).first()
            if city is None:
                raise CommandError(
                    f"自治体（コード {municipality}）が見つかりません。"
                    if municipality
                    else "このサイトの自治体が登録されていません。--municipality で指定してください。"
                )
        failed = 0
        for path in files:
            self.stdout.write(f"== {path}")
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise CommandError(f"{path} を読めません: {exc}") from None
            try:
                pv = parse(data, path)
            except PlanImportError as exc:
                failed += 1
                self.stdout.write(f"取り込めません: {exc}")
                continue
            self.stdout.write(format_summary(summary(pv)))
            if not dry_run:
                with tenancy.using(city):
                    result = save_preview(pv, city, source_name=path.rsplit("/", 1)[-1])
                verb = "保存" if result.created else "更新"
                self.stdout.write(self.style.SUCCESS(f"{verb}しました: {result.plan.title}（取組 {result.items}件、前計画の評価 {result.evaluation_rows}行）"))
        if failed:
            raise CommandError(f"{failed}件の文書を取り込めませんでした。")
