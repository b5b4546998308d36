"""Add a city to a 共同運営 deployment in one command::

    manage.py add_city --name あおば台町 --code 139980 --domain aobadai.example.lg.jp \\
        --admin-email joho@town.aobadai.example.lg.jp

Creates the municipality, its host name, its 情報政策課 and the first 管理者, and prints (and
emails) the link where that administrator sets a password; the TOTP device is set at first
sign-in. Everything else (sections, staff, procedures, facilities) the city's own staff add.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from madoguchi.core import cities


class Command(BaseCommand):
    help = "共同運営に自治体を追加します（自治体・ホスト名・情報政策課・最初の管理者）。"

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="自治体名（例: あおば台町）")
        parser.add_argument("--code", required=True, help="全国地方公共団体コード（6桁、検査数字つき）")
        parser.add_argument("--domain", required=True, help="ホスト名（例: aobadai.localhost）")
        parser.add_argument("--admin-email", required=True, help="最初の管理者（情報政策課）のメールアドレス")
        parser.add_argument("--prefecture", default="")
        parser.add_argument("--kana", dest="name_kana", default="", help="自治体名のかな")
        parser.add_argument("--fictional", dest="is_fictional", action="store_true", help="架空の自治体（デモ）")

    def handle(self, *args, **opts):
        new = cities.new_city_from(opts)
        try:
            city, admin = cities.add_city(new, invite_by="manage.py add_city")
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        from madoguchi.accounts.services import password_set_link
        from madoguchi.core import tenancy

        with tenancy.using(city):
            link = password_set_link(admin)
        self.stdout.write(self.style.SUCCESS(f"{city.name}（{city.code}）を追加しました: {city.site_url or city.primary_domain}"))
        self.stdout.write(f"管理者 {admin.email} のパスワード設定リンク（メールでも送りました）: {link}")
