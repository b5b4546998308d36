from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "madoguchi.forms"
    label = "forms"
    verbose_name = "フォーム"
    staff_menu = [("フォームの作成・編集", "forms:staff_list", "申請フォームの項目を、コードを書かずに編集・公開します。")]
