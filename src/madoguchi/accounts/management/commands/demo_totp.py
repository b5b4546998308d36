"""Print the current TOTP code of the demo staff accounts (demo only)."""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.accounts import conf, demo


class Command(BaseCommand):
    help = "デモ用職員アカウントの確認コード（TOTP）を表示します。本番環境では動きません。"

    def handle(self, *args, **options):
        if conf.environment() == "production":
            raise CommandError("本番環境（MADOGUCHI_ENV=production）では使えません。")
        import pyotp

        totp = pyotp.TOTP(demo.DEMO_TOTP_SECRET)
        import time

        now = time.time()
        remaining = totp.interval - int(now) % totp.interval
        self.stdout.write(totp.at(now))
        self.stderr.write(
            f"デモ専用の確認コードです。あと約{remaining}秒有効（次のコード: {totp.at(now + totp.interval)}）。\n"
            f"認証アプリに登録する場合の設定キー: {demo.DEMO_TOTP_SECRET}"
        )
