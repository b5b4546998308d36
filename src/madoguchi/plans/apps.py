from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "madoguchi.plans"
    label = "plans"
    verbose_name = "DX推進計画"
    public_menu = [("DX推進計画", "plans:public_list")]
    staff_menu = [
        ("DX推進計画", "plans:staff_plans", "計画の体系・スケジュール・ダッシュボード・評価一覧"),
        ("DX推進計画の進捗報告", "plans:section", "担当課の取組と年度ごとの進捗報告"),
    ]
