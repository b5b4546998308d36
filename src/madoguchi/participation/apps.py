from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "madoguchi.participation"
    label = "participation"
    verbose_name = "市民参加"
    public_menu = [("意見募集・提案", "participation:index")]
    home_cards = [
        ("パブリックコメント（意見公募）", "participation:index", "市の計画案などへのご意見を、章・節ごとにウェブで提出できます"),
        ("市への提案", "participation:proposal_list", "アイデアを投稿し、ほかの提案に賛同・コメントできます"),
        ("アンケート", "participation:survey_list", "市のアンケートにスマートフォンから回答できます"),
    ]
    staff_menu = [
        ("意見公募（パブリックコメント）", "participation:staff_list", "案の公開、紙の意見の入力、個人情報の確認、市の考え方、公表"),
        ("市民からの提案", "participation:staff_proposals", "賛同が集まった提案、通報、回答と結果"),
        ("アンケート", "participation:staff_surveys", "設問、無作為抽出と案内状、紙の回答の入力、集計結果"),
    ]
