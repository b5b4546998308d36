from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    label = "reservations"
    verbose_name = "予約"
    public_menu = [("施設予約", "reservations:index"), ("窓口予約", "reservations:counters")]
    home_cards = [
        ("公共施設を予約する", "reservations:index", "公民館・体育館・テニスコートの空きをさがして予約。抽選の申込も"),
        ("窓口・相談を予約する", "reservations:counters", "市役所に来る時間を予約して、待たずに手続き"),
    ]
    staff_menu = [
        ("施設・窓口の予約管理", "reservations:staff_home", "予約の一覧、減免・団体登録の確認、受付と整理券"),
        ("施設の設定", "reservations:setup_list", "施設・部屋の登録、開館時間と時間区分、使用料、減免基準"),
    ]

    def ready(self):
        # The calendar's version is raised by the models' save/delete signals (issue #14).
        from . import availability  # noqa: F401
