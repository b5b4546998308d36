"""Print the current TOTP code of the demo staff accounts (demo only).

manage.py demo_totp                                      # the code every demo account shares
manage.py demo_totp admin@city.midorino.example.lg.jp    # that account's code (as the README says)
"""

import time

from django.core.management.base import BaseCommand, CommandError

from madoguchi.accounts import conf, demo


class Command(BaseCommand):
    help = "デモ用職員アカウントの確認コード（TOTP）を表示します。本番環境では動きません。"

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?", default="", help="デモ職員のメールアドレス（省略すると全デモ職員に共通のコード）")

    def handle(self, *args, **options):
        if conf.environment() == "production":
            raise CommandError("本番環境（MADOGUCHI_ENV=production）では使えません。")
        import pyotp

        secret = demo.DEMO_TOTP_SECRET
        email = (options.get("email") or "").strip()
        if email:
            secret = self._secret_of(email)
        totp = pyotp.TOTP(secret)
        now = time.time()
        remaining = totp.interval - int(now) % totp.interval
        self.stdout.write(totp.at(now))
        self.stderr.write(
            f"デモ専用の確認コードです。あと約{remaining}秒有効（次のコード: {totp.at(now + totp.interval)}）。\n認証アプリに登録する場合の設定キー: {secret}"
        )

    def _secret_of(self, email: str) -> str:
        """The base32 key of the account's demo device: only accounts ``load_demo`` gave one."""
        from base64 import b32encode

        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = get_user_model().objects.filter(email__iexact=email).first()
        device = TOTPDevice.objects.filter(user=user, name=demo.DEMO_DEVICE_NAME, confirmed=True).first() if user else None
        if device is None:
            raise CommandError(
                f"{email} にはデモ用の確認コードがありません。デモデータを読み込み（make demo または manage.py load_demo）、"
                "README の表にあるデモ職員のメールアドレスを指定してください。"
            )
        return b32encode(bytes.fromhex(device.key)).decode()
