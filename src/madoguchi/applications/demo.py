"""Demo catalogue of the fictional みどり野市: 40 real kinds of municipal procedures with forms.

Procedure names, documents and fees follow what Japanese cities commonly publish; the city, its
sections and all data are fictional. Fees are typical values, not any real city's tariff.
"""

from __future__ import annotations

from madoguchi.core.models import Section

from .models import LifeEvent, Procedure

LIFE_EVENTS = [
    ("pregnancy", "妊娠・出産"),
    ("childcare", "子育て"),
    ("school", "入園・入学"),
    ("moving", "引越し"),
    ("marriage", "結婚・離婚"),
    ("care", "介護"),
    ("elderly", "高齢者"),
    ("death", "おくやみ"),
    ("job", "就職・退職"),
    ("certificates", "証明書"),
    ("tax", "税金"),
    ("health", "健康・医療"),
    ("waste", "ごみ・リサイクル"),
    ("disaster", "災害・防災"),
    ("learning", "生涯学習・スポーツ"),
    ("town", "まちづくり・ご意見"),
]

YES_NO = [{"value": "yes", "label": "はい"}, {"value": "no", "label": "いいえ"}]
RECEIVE = {
    "key": "receive",
    "type": "radio",
    "label": "受け取り方法",
    "choices": [{"value": "mail", "label": "郵送（住民登録地へ）"}, {"value": "counter", "label": "窓口で受け取る"}],
}
COPIES = {"key": "copies", "type": "number", "label": "必要な通数", "min": 1, "max": 10, "unit": "通"}
PURPOSE = {
    "key": "purpose",
    "type": "select",
    "label": "使いみち",
    "choices": [
        {"value": "work", "label": "勤務先へ提出"},
        {"value": "school", "label": "学校へ提出"},
        {"value": "pension", "label": "年金の手続"},
        {"value": "loan", "label": "金融機関・ローン"},
        {"value": "other", "label": "その他"},
    ],
}
PURPOSE_OTHER = {"key": "purpose_other", "type": "text", "label": "その他の使いみち", "max_length": 100, "show_if": {"field": "purpose", "equals": "other"}}
CHILD = [
    {"key": "child_name", "type": "text", "label": "お子さんの氏名", "max_length": 50},
    {"key": "child_kana", "type": "kana", "label": "お子さんのふりがな", "kana": "hiragana"},
    {"key": "child_birth", "type": "date", "label": "お子さんの生年月日", "max": "today"},
]
ID_DOC = {"key": "id_document", "type": "file", "label": "本人確認書類の画像", "accept": ["pdf", "jpeg", "png"], "max_bytes": 5 * 1024 * 1024, "help": "運転免許証・マイナンバーカード（表面のみ）などの写真またはPDF（5MBまで）。"}
NOTE = {"key": "note", "type": "textarea", "label": "連絡事項", "required": False, "max_length": 1000}


def applicant_page(with_birth: bool = True) -> dict:
    fields = [
        {"key": "name", "type": "text", "label": "氏名", "max_length": 50, "prefill": "full_name", "help": "姓と名の間に空白を入れてください。"},
        {"key": "name_kana", "type": "kana", "label": "ふりがな", "kana": "hiragana", "prefill": "full_name_kana"},
    ]
    if with_birth:
        fields.append({"key": "birth_date", "type": "date", "label": "生年月日", "prefill": "birth_date", "min": "1900-01-01", "max": "today"})
    fields += [
        {"key": "address", "type": "address", "label": "住所", "prefill": "address"},
        {"key": "phone", "type": "phone", "label": "日中に連絡がとれる電話番号", "prefill": "phone"},
        {"key": "email", "type": "email", "label": "メールアドレス", "prefill": "email", "help": "受付の確認や連絡をお送りします。"},
    ]
    return {"key": "applicant", "title": "申請者の情報", "fields": fields}


def consent_page(extra: list | None = None) -> dict:
    return {
        "key": "consent",
        "title": "確認事項",
        "fields": [
            *(extra or []),
            NOTE,
            {
                "key": "agree",
                "type": "consent",
                "label": "個人情報の取扱いに同意します",
                "text": "入力された個人情報は、この手続の事務にのみ利用し、法令に基づく場合を除き第三者に提供しません。",
            },
        ],
    }


def schema(details: list, *, title: str = "申請の内容", with_birth: bool = True, consent_extra: list | None = None) -> dict:
    return {"pages": [applicant_page(with_birth), {"key": "details", "title": title, "fields": details}, consent_page(consent_extra)]}


# slug, name, kana, section, events, summary, eligibility, documents, fee, fee_note, time, assurance,
# retention years, details fields (None → not online), extras
P = Procedure.Assurance
CATALOGUE: list[dict] = [
    dict(slug="juminhyo", name="住民票の写しの交付請求", kana="じゅうみんひょうのうつしのこうふせいきゅう", section="市民課", events=["certificates", "moving"],
         summary="住民票の写しを郵送または窓口で受け取れます。", eligibility="本人または同じ世帯の方", documents="本人確認書類", fee=300, fee_note="1通あたり",
         time="郵送の場合、受付から5開庁日程度", retention=3,
         details=[{"key": "scope", "type": "radio", "label": "必要な範囲", "choices": [{"value": "all", "label": "世帯全員"}, {"value": "self", "label": "本人のみ"}]},
                  {"key": "items", "type": "checkboxes", "label": "記載が必要な事項", "required": False, "max_choices": 3, "choices": [{"value": "honseki", "label": "本籍・筆頭者"}, {"value": "zokugara", "label": "続柄"}, {"value": "history", "label": "前住所"}]},
                  COPIES, PURPOSE, PURPOSE_OTHER, RECEIVE, ID_DOC]),
    dict(slug="koseki", name="戸籍証明書の郵送請求", kana="こせきしょうめいしょのゆうそうせいきゅう", section="市民課", events=["certificates", "marriage", "death"],
         summary="本籍がみどり野市にある方の戸籍謄本・抄本などを郵送で請求できます。", eligibility="本人、配偶者、直系の親族", documents="本人確認書類", fee=450, fee_note="戸籍謄本・抄本1通", time="受付から1週間程度", retention=3,
         details=[{"key": "honseki", "type": "text", "label": "本籍", "max_length": 100}, {"key": "hittosha", "type": "text", "label": "筆頭者の氏名", "max_length": 50},
                  {"key": "kind", "type": "checkboxes", "label": "必要な証明書", "min_choices": 1, "choices": [{"value": "tohon", "label": "戸籍謄本（全部事項証明）"}, {"value": "shohon", "label": "戸籍抄本（個人事項証明）"}, {"value": "joseki", "label": "除籍謄本"}, {"value": "fuhyo", "label": "戸籍の附票"}]},
                  COPIES, PURPOSE, PURPOSE_OTHER, ID_DOC]),
    dict(slug="tenshutsu", name="転出届", kana="てんしゅつとどけ", section="市民課", events=["moving"],
         summary="みどり野市から他の市区町村へ引っ越す方の届出です。転出証明書を郵送します（マイナンバーカードをお持ちの方は転出証明書は不要です）。",
         eligibility="本人または同じ世帯の方", documents="本人確認書類\n国民健康保険の方は保険証", fee=0, time="届出から3開庁日程度で郵送", retention=5,
         details=[{"key": "move_date", "type": "date", "label": "引越しの日（予定日）", "help": "引越しの14日前から届出できます。"},
                  {"key": "new_address", "type": "address", "label": "新しい住所"},
                  {"key": "members", "type": "textarea", "label": "一緒に引っ越す方の氏名（全員の場合は「世帯全員」）", "max_length": 500},
                  {"key": "has_card", "type": "radio", "label": "マイナンバーカードをお持ちですか", "choices": YES_NO},
                  {"key": "nhi", "type": "radio", "label": "国民健康保険に加入していますか", "choices": YES_NO}]),
    dict(slug="tennyu", name="転入届", kana="てんにゅうとどけ", section="市民課", events=["moving"],
         summary="他の市区町村からみどり野市に引っ越してきた方の届出です。引越しの日から14日以内に窓口でお手続きください。来庁予約ができます。",
         eligibility="本人または同じ世帯の方", documents="転出証明書（またはマイナンバーカード）\n本人確認書類", online=False, counter="市民課 窓口1番（来庁予約をおすすめします）", retention=5),
    dict(slug="inkan", name="印鑑登録証明書の交付", kana="いんかんとうろくしょうめいしょのこうふ", section="市民課", events=["certificates"],
         summary="印鑑登録証（カード）をお持ちの方は窓口またはコンビニ交付で取得できます。", documents="印鑑登録証", fee=300, online=False, counter="市民課 窓口、またはコンビニ交付（マイナンバーカードが必要）", retention=3),
    dict(slug="kazei-shomei", name="課税（非課税）証明書の交付請求", kana="かぜい（ひかぜい）しょうめいしょのこうふせいきゅう", section="市民税課", events=["certificates", "tax", "school"],
         summary="住民税の所得・課税額を証明する書類を郵送します。保育園の申込みや各種手当の申請に使います。", eligibility="本人または同じ世帯の方", documents="本人確認書類", fee=300, time="受付から5開庁日程度", retention=3,
         details=[{"key": "year", "type": "select", "label": "証明が必要な年度", "choices": [{"value": "r8", "label": "令和8年度（令和7年中の所得）"}, {"value": "r7", "label": "令和7年度（令和6年中の所得）"}, {"value": "r6", "label": "令和6年度（令和5年中の所得）"}]},
                  COPIES, PURPOSE, PURPOSE_OTHER, ID_DOC]),
    dict(slug="nozei-shomei", name="納税証明書の交付請求", kana="のうぜいしょうめいしょのこうふせいきゅう", section="市民税課", events=["certificates", "tax"],
         summary="市税の納付状況を証明する書類を郵送します。", documents="本人確認書類", fee=300, time="受付から5開庁日程度", retention=3,
         details=[{"key": "tax", "type": "checkboxes", "label": "証明が必要な税目", "min_choices": 1, "choices": [{"value": "jumin", "label": "市民税・県民税"}, {"value": "kotei", "label": "固定資産税"}, {"value": "kei", "label": "軽自動車税（継続検査用）"}]}, COPIES, ID_DOC]),
    dict(slug="koza-furikae", name="市税の口座振替の申込", kana="しぜいのこうざふりかえのもうしこみ", section="市民税課", events=["tax"],
         summary="市民税・固定資産税などを指定の口座から自動で納付できるよう申し込みます。", fee=0, time="開始まで1〜2か月", retention=5,
         details=[{"key": "tax", "type": "checkboxes", "label": "口座振替にする税目", "min_choices": 1, "choices": [{"value": "jumin", "label": "市民税・県民税（普通徴収）"}, {"value": "kotei", "label": "固定資産税・都市計画税"}, {"value": "kei", "label": "軽自動車税"}]},
                  {"key": "bank", "type": "text", "label": "金融機関名", "max_length": 50}, {"key": "branch", "type": "text", "label": "支店名", "max_length": 50},
                  {"key": "account_number", "type": "text", "label": "口座番号（7桁）", "pattern": "^[0-9]{7}$", "pattern_message": "「口座番号（7桁）」は半角数字7桁で入力してください。"},
                  {"key": "holder_kana", "type": "kana", "label": "口座名義（カタカナ）", "kana": "katakana"}]),
    dict(slug="kokuho-kanyu", name="国民健康保険の加入届", kana="こくみんけんこうほけんのかにゅうとどけ", section="保険年金課", events=["job", "moving"],
         summary="会社の健康保険をやめたときなどに、国民健康保険に加入する届出です。やめた日から14日以内に届け出てください。", documents="健康保険の資格喪失証明書", fee=0, time="資格確認書の郵送まで1週間程度", retention=5,
         details=[{"key": "lost_date", "type": "date", "label": "前の健康保険をやめた日", "max": "today"}, {"key": "members", "type": "textarea", "label": "加入する方の氏名（全員）", "max_length": 500},
                  {"key": "loss_cert", "type": "file", "label": "資格喪失証明書の画像", "accept": ["pdf", "jpeg", "png"], "max_bytes": 5 * 1024 * 1024}]),
    dict(slug="kokuho-dattai", name="国民健康保険の脱退届", kana="こくみんけんこうほけんのだったいとどけ", section="保険年金課", events=["job"],
         summary="就職などで会社の健康保険に加入したときに、国民健康保険をやめる届出です。", documents="新しい健康保険の資格情報がわかるもの", fee=0, time="受付から1週間程度", retention=5,
         details=[{"key": "join_date", "type": "date", "label": "新しい健康保険に加入した日", "max": "today"}, {"key": "members", "type": "textarea", "label": "脱退する方の氏名", "max_length": 500}]),
    dict(slug="nenkin-menjo", name="国民年金保険料の免除・納付猶予申請", kana="こくみんねんきんほけんりょうのめんじょ・のうふゆうよしんせい", section="保険年金課", events=["job"],
         summary="収入の減少や失業などで保険料を納めることが難しいときの申請です。マイナポータルから電子申請できます。", online=True, external="https://myna.go.jp/", retention=5),
    dict(slug="jidoteate-nintei", name="児童手当の認定請求", kana="じどうてあてのにんていせいきゅう", section="子育て支援課", events=["pregnancy", "childcare", "moving"],
         summary="中学生まで（令和6年10月からは高校生年代まで）のお子さんを養育している方が児童手当を受けるための請求です。出生や転入の翌日から15日以内に請求してください。",
         eligibility="お子さんを養育している方（父母のうち所得の高い方）", documents="請求者の健康保険の資格情報がわかるもの\n振込先口座の情報", fee=0, time="認定通知まで1か月程度", retention=5, my_number=True,
         details=[*CHILD, {"key": "reason", "type": "radio", "label": "請求の理由", "choices": [{"value": "birth", "label": "出生"}, {"value": "move", "label": "転入"}, {"value": "other", "label": "その他"}]},
                  {"key": "individual_number", "type": "my_number", "label": "請求者の個人番号（マイナンバー）", "help": "12桁の数字。入力した番号はこの手続の事務にのみ利用します。"},
                  {"key": "bank", "type": "text", "label": "振込先の金融機関・支店", "max_length": 100},
                  {"key": "account_number", "type": "text", "label": "口座番号（7桁）", "pattern": "^[0-9]{7}$", "pattern_message": "「口座番号（7桁）」は半角数字7桁で入力してください。"}]),
    dict(slug="jidoteate-gakukaitei", name="児童手当の額改定の請求・届出", kana="じどうてあてのがくかいていのせいきゅう・とどけで", section="子育て支援課", events=["pregnancy", "childcare"],
         summary="第2子以降の出生などで養育するお子さんが増えた（減った）ときの手続です。", fee=0, time="1か月程度", retention=5,
         details=[*CHILD, {"key": "change", "type": "radio", "label": "届出の内容", "choices": [{"value": "increase", "label": "養育するお子さんが増えた"}, {"value": "decrease", "label": "養育するお子さんが減った"}]}]),
    dict(slug="jidoteate-shometsu", name="児童手当の受給事由消滅届", kana="じどうてあてのじゅきゅうじゆうしょうめつとどけ", section="子育て支援課", events=["childcare", "moving"],
         summary="市外への転出や公務員になったときなど、児童手当を受ける理由がなくなったときの届出です。", fee=0, retention=5,
         details=[{"key": "reason", "type": "select", "label": "理由", "choices": [{"value": "move", "label": "市外へ転出"}, {"value": "public", "label": "公務員になった"}, {"value": "no_care", "label": "お子さんを養育しなくなった"}, {"value": "other", "label": "その他"}]},
                  {"key": "reason_date", "type": "date", "label": "理由が生じた日"}]),
    dict(slug="ninshin", name="妊娠の届出（母子健康手帳の交付）", kana="にんしんのとどけで（ぼしけんこうてちょうのこうふ）", section="健康課", events=["pregnancy"],
         summary="妊娠がわかったら届け出てください。保健師との面談の予約をご案内し、母子健康手帳と妊婦健診の受診票をお渡しします。", eligibility="妊娠している方", fee=0, time="面談の日程を3開庁日以内にご連絡します", retention=5,
         details=[{"key": "due_date", "type": "date", "label": "出産予定日", "min": "today"}, {"key": "clinic", "type": "text", "label": "受診している医療機関", "max_length": 100, "required": False},
                  {"key": "multiple", "type": "radio", "label": "多胎（ふたご等）ですか", "choices": [{"value": "no", "label": "いいえ"}, {"value": "yes", "label": "はい"}, {"value": "unknown", "label": "わからない"}]},
                  {"key": "first", "type": "radio", "label": "初めての出産ですか", "choices": YES_NO},
                  {"key": "worries", "type": "checkboxes", "label": "気になること（あてはまるもの）", "required": False, "choices": [{"value": "health", "label": "体調"}, {"value": "money", "label": "経済的なこと"}, {"value": "support", "label": "手伝ってくれる人がいない"}, {"value": "work", "label": "仕事との両立"}]}]),
    dict(slug="kodomo-iryo", name="子ども医療費助成（医療証）の申請", kana="こどもいりょうひじょせい（いりょうしょう）のしんせい", section="子育て支援課", events=["pregnancy", "childcare", "moving"],
         summary="18歳到達後最初の3月31日までのお子さんの医療費の自己負担分を助成します。医療証を郵送します。", fee=0, time="医療証の郵送まで1週間程度", retention=5,
         details=[*CHILD, {"key": "insurance", "type": "text", "label": "お子さんの健康保険の保険者名", "max_length": 100}]),
    dict(slug="hitorioya-iryo", name="ひとり親家庭等医療費助成の申請", kana="ひとりおやかていとういりょうひじょせいのしんせい", section="子育て支援課", events=["marriage", "childcare"],
         summary="ひとり親家庭等の親とお子さんの医療費の自己負担分を助成します。所得制限があります。", documents="戸籍謄本\n健康保険の資格情報がわかるもの", fee=0, time="1か月程度", retention=5,
         details=[*CHILD, {"key": "situation", "type": "select", "label": "ひとり親になった理由", "choices": [{"value": "divorce", "label": "離婚"}, {"value": "death", "label": "死別"}, {"value": "unmarried", "label": "未婚"}, {"value": "other", "label": "その他"}]}]),
    dict(slug="hoiku-moushikomi", name="保育施設等の利用申込", kana="ほいくしせつとうのりようもうしこみ", section="保育課", events=["childcare", "school", "job"],
         summary="保育所・認定こども園・小規模保育事業などの利用（2号・3号認定）を申し込みます。4月入所の一次申込みは11月に受け付けます。",
         eligibility="保護者の就労・疾病・介護などで家庭での保育が難しい方", documents="就労証明書（勤務先が作成）\n課税証明書（1月1日に市外に住んでいた方）", fee=0, time="4月入所は2月上旬に結果通知", retention=5,
         details=[*CHILD, {"key": "start", "type": "date", "label": "入所を希望する日", "min": "today"},
                  {"key": "wish1", "type": "select", "label": "第1希望の施設", "choices": [{"value": "a", "label": "みどり野中央保育園"}, {"value": "b", "label": "みどり野北こども園"}, {"value": "c", "label": "さくら台小規模保育室"}]},
                  {"key": "wish2", "type": "select", "label": "第2希望の施設", "required": False, "choices": [{"value": "a", "label": "みどり野中央保育園"}, {"value": "b", "label": "みどり野北こども園"}, {"value": "c", "label": "さくら台小規模保育室"}]},
                  {"key": "reason", "type": "radio", "label": "保育が必要な理由（保護者）", "choices": [{"value": "work", "label": "就労"}, {"value": "pregnancy", "label": "妊娠・出産"}, {"value": "illness", "label": "疾病・障害"}, {"value": "care", "label": "介護・看護"}, {"value": "study", "label": "就学"}, {"value": "job_hunting", "label": "求職活動"}]},
                  {"key": "work_cert", "type": "file", "label": "就労証明書", "accept": ["pdf", "jpeg", "png"], "max_bytes": 10 * 1024 * 1024, "show_if": {"field": "reason", "equals": "work"}}]),
    dict(slug="hoiku-genkyo", name="保育施設等の現況届", kana="ほいくしせつとうのげんきょうとどけ", section="保育課", events=["childcare"],
         summary="保育施設を利用している方が、毎年、保育が必要な状況に変わりがないかを届け出ます。", fee=0, retention=5,
         details=[*CHILD, {"key": "changed", "type": "radio", "label": "保護者の就労状況に変更はありますか", "choices": YES_NO},
                  {"key": "work_cert", "type": "file", "label": "新しい就労証明書", "accept": ["pdf", "jpeg", "png"], "show_if": {"field": "changed", "equals": "yes"}}]),
    dict(slug="ichiji-azukari", name="一時預かり事業の利用登録", kana="いちじあずかりじぎょうのりようとうろく", section="保育課", events=["childcare"],
         summary="保護者の通院やリフレッシュなどのときに、保育園でお子さんを一時的に預かります。利用には事前の登録が必要です。", fee=0, fee_note="利用料は1日2,000円程度（施設により異なります）", retention=3,
         details=[*CHILD, {"key": "allergy", "type": "textarea", "label": "アレルギー・持病など", "required": False, "max_length": 500}]),
    dict(slug="gakudo", name="放課後児童クラブ（学童保育）の入会申請", kana="ほうかごじどうくらぶ（がくどうほいく）のにゅうかいしんせい", section="子育て支援課", events=["school", "childcare"],
         summary="保護者が就労などで昼間家庭にいない小学生を、放課後に預かります。", fee=5000, fee_note="育成料（月額）", time="結果通知まで1か月程度", retention=5,
         details=[*CHILD, {"key": "school", "type": "text", "label": "通っている（入学予定の）小学校", "max_length": 50}, {"key": "grade", "type": "select", "label": "学年", "choices": [{"value": str(i), "label": f"{i}年生"} for i in range(1, 7)]}]),
    dict(slug="kaigo-nintei", name="要介護・要支援認定の申請", kana="ようかいご・ようしえんにんていのしんせい", section="介護保険課", events=["care", "elderly"],
         summary="介護サービスを利用するために、介護や支援がどの程度必要かの認定を申請します。家族やケアマネジャーも代理で申請できます。",
         eligibility="65歳以上の方、40〜64歳で特定疾病のある方", documents="介護保険被保険者証\n（40〜64歳の方）医療保険の資格情報", fee=0, time="原則30日以内に結果を通知", retention=5,
         details=[{"key": "kind", "type": "radio", "label": "申請の種類", "choices": [{"value": "new", "label": "新規"}, {"value": "renew", "label": "更新"}]},
                  {"key": "insured_number", "type": "text", "label": "介護保険の被保険者番号（10桁）", "pattern": "^[0-9]{10}$", "pattern_message": "「被保険者番号」は半角数字10桁で入力してください。", "required": False},
                  {"key": "applicant_relation", "type": "select", "label": "申請する方と本人の関係", "choices": [{"value": "self", "label": "本人"}, {"value": "family", "label": "家族"}, {"value": "cm", "label": "ケアマネジャー・地域包括支援センター"}]},
                  {"key": "patient_name", "type": "text", "label": "本人の氏名", "max_length": 50, "show_if": {"field": "applicant_relation", "in": ["family", "cm"]}},
                  {"key": "doctor", "type": "text", "label": "主治医の医療機関名・医師名", "max_length": 100},
                  {"key": "situation", "type": "radio", "label": "本人の現在の状況", "choices": [{"value": "home", "label": "在宅"}, {"value": "hospital", "label": "入院中"}, {"value": "facility", "label": "施設に入所中"}]},
                  {"key": "visit_place", "type": "textarea", "label": "認定調査の訪問先（在宅以外の場合）", "max_length": 200, "show_if": {"field": "situation", "in": ["hospital", "facility"]}}]),
    dict(slug="kaigo-kubun-henko", name="要介護認定の区分変更申請", kana="ようかいごにんていのくぶんへんこうしんせい", section="介護保険課", events=["care"],
         summary="認定の有効期間中に心身の状態が変わったときに、認定の見直しを申請します。", fee=0, time="原則30日以内", retention=5,
         details=[{"key": "insured_number", "type": "text", "label": "介護保険の被保険者番号（10桁）", "pattern": "^[0-9]{10}$", "pattern_message": "「被保険者番号」は半角数字10桁で入力してください。"},
                  {"key": "change", "type": "textarea", "label": "状態の変化", "max_length": 1000}]),
    dict(slug="kaigo-saikofu", name="介護保険被保険者証の再交付申請", kana="かいごほけんひほけんしゃしょうのさいこうふしんせい", section="介護保険課", events=["care", "elderly"],
         summary="介護保険被保険者証をなくしたり汚したりしたときに再交付します（郵送）。", fee=0, time="1週間程度", retention=3,
         details=[{"key": "reason", "type": "radio", "label": "理由", "choices": [{"value": "lost", "label": "紛失"}, {"value": "damaged", "label": "汚損・破損"}]}]),
    dict(slug="kogaku-kaigo", name="高額介護サービス費の支給申請", kana="こうがくかいごさーびすひのしきゅうしんせい", section="介護保険課", events=["care", "elderly"],
         summary="1か月の介護サービスの自己負担額が上限を超えたとき、超えた分を支給します。", fee=0, time="2〜3か月", retention=5,
         details=[{"key": "insured_number", "type": "text", "label": "介護保険の被保険者番号（10桁）", "pattern": "^[0-9]{10}$", "pattern_message": "「被保険者番号」は半角数字10桁で入力してください。"},
                  {"key": "bank", "type": "text", "label": "振込先の金融機関・支店", "max_length": 100}, {"key": "account_number", "type": "text", "label": "口座番号（7桁）", "pattern": "^[0-9]{7}$", "pattern_message": "「口座番号（7桁）」は半角数字7桁で入力してください。"}]),
    dict(slug="kenshin", name="がん検診の申込", kana="がんけんしんのもうしこみ", section="健康課", events=["health"],
         summary="市が実施する胃・肺・大腸・乳・子宮がん検診を申し込みます。受診券を郵送します。", eligibility="みどり野市に住民登録のある対象年齢の方", fee=500, fee_note="検診の種類により異なります", retention=3,
         details=[{"key": "exams", "type": "checkboxes", "label": "受けたい検診", "min_choices": 1, "max_choices": 5, "choices": [{"value": "stomach", "label": "胃がん検診（50歳以上）"}, {"value": "lung", "label": "肺がん検診（40歳以上）"}, {"value": "colon", "label": "大腸がん検診（40歳以上）"}, {"value": "breast", "label": "乳がん検診（40歳以上の女性）"}, {"value": "cervix", "label": "子宮がん検診（20歳以上の女性）"}]}]),
    dict(slug="yoshinhyo", name="予防接種予診票の再発行申請", kana="よぼうせっしゅよしんひょうのさいはっこうしんせい", section="健康課", events=["childcare", "health"],
         summary="お子さんの定期予防接種の予診票をなくしたときなどに再発行します（郵送）。", fee=0, retention=3,
         details=[*CHILD, {"key": "vaccines", "type": "textarea", "label": "必要な予診票（ワクチンの種類と回数）", "max_length": 300}]),
    dict(slug="sodai-gomi", name="粗大ごみ収集の申込", kana="そだいごみしゅうしゅうのもうしこみ", section="ごみ対策課", events=["waste", "moving"],
         summary="一辺が50cmを超える家具・自転車などの粗大ごみを戸別に収集します。収集日の3開庁日前までに申し込み、品目ごとの処理券を貼って出してください。",
         eligibility="みどり野市内の家庭", fee=400, fee_note="品目により400円〜2,000円（処理券）", time="申込みから1〜2週間後の収集日", retention=1, assurance=P.NONE,
         details=[{"key": "items", "type": "checkboxes", "label": "出す品目", "min_choices": 1, "max_choices": 10, "choices": [{"value": "chair", "label": "いす（400円）"}, {"value": "table", "label": "テーブル（800円）"}, {"value": "bicycle", "label": "自転車（800円）"}, {"value": "futon", "label": "布団（400円）"}, {"value": "shelf", "label": "たんす・棚（1,200円）"}, {"value": "sofa", "label": "ソファー（2,000円）"}, {"value": "other", "label": "その他"}]},
                  {"key": "items_other", "type": "textarea", "label": "その他の品目と大きさ", "max_length": 300, "show_if": {"field": "items", "in": ["other"]}},
                  {"key": "place", "type": "text", "label": "出す場所（玄関前など）", "max_length": 100},
                  {"key": "wish_date", "type": "date", "label": "希望する収集日", "min": "today", "help": "収集は平日のみです。ご希望に添えない場合は連絡します。"}]),
    dict(slug="namagomi-hojo", name="生ごみ処理機購入費補助金の申請", kana="なまごみしょりきこうにゅうひほじょきんのしんせい", section="ごみ対策課", events=["waste"],
         summary="家庭用の生ごみ処理機を購入した方に、購入費の2分の1（上限2万円）を補助します。", documents="領収書\n保証書の写し", fee=0, time="1か月程度", retention=5,
         details=[{"key": "price", "type": "number", "label": "購入金額（税込）", "min": 1, "max": 1000000, "unit": "円"}, {"key": "purchase_date", "type": "date", "label": "購入日", "max": "today"},
                  {"key": "receipt", "type": "file", "label": "領収書の画像", "accept": ["pdf", "jpeg", "png"], "max_bytes": 5 * 1024 * 1024}]),
    dict(slug="risai-shomei", name="罹災証明書の交付申請", kana="りさいしょうめいしょのこうふしんせい", section="防災安全課", events=["disaster"],
         summary="地震・台風・大雨などで住家が被害を受けたとき、被害の程度を証明する罹災証明書を交付します。被害の写真を添付してください。",
         eligibility="被害を受けた住家の居住者・所有者", documents="被害状況がわかる写真", fee=0, time="調査後、1か月程度", retention=10,
         details=[{"key": "disaster", "type": "text", "label": "災害の名称・発生日", "max_length": 100, "help": "例: 令和8年台風第10号（令和8年9月1日）"},
                  {"key": "damaged_address", "type": "address", "label": "被害を受けた住家の所在地"},
                  {"key": "relation", "type": "radio", "label": "住家との関係", "choices": [{"value": "owner_resident", "label": "所有者・居住者"}, {"value": "resident", "label": "居住者（借家）"}, {"value": "owner", "label": "所有者（居住していない）"}]},
                  {"key": "damage", "type": "checkboxes", "label": "被害の種類", "min_choices": 1, "choices": [{"value": "flood", "label": "浸水"}, {"value": "roof", "label": "屋根"}, {"value": "wall", "label": "外壁"}, {"value": "tilt", "label": "傾き"}, {"value": "fire", "label": "火災"}, {"value": "other", "label": "その他"}]},
                  {"key": "photo", "type": "file", "label": "被害状況の写真", "accept": ["jpeg", "png", "pdf"], "max_bytes": 10 * 1024 * 1024},
                  COPIES]),
    dict(slug="kobetsu-jushinki", name="防災行政無線戸別受信機の貸与申請", kana="ぼうさいぎょうせいむせんこべつじゅしんきのたいよしんせい", section="防災安全課", events=["disaster", "elderly"],
         summary="防災行政無線が聞き取りにくい地域の方や、避難に支援が必要な方に、屋内で聞ける戸別受信機を無料で貸し出します。", fee=0, retention=5,
         details=[{"key": "reason", "type": "checkboxes", "label": "申請の理由", "min_choices": 1, "choices": [{"value": "hard_to_hear", "label": "屋外の放送が聞き取りにくい"}, {"value": "support", "label": "避難行動要支援者名簿に登録している"}, {"value": "hearing", "label": "耳が聞こえにくい"}]}]),
    dict(slug="koza-moushikomi", name="市民講座・イベントの申込", kana="しみんこうざ・いべんとのもうしこみ", section="生涯学習スポーツ課", events=["learning"],
         summary="公民館・図書館などが開く市民講座やイベントに申し込みます。応募多数の場合は抽選です。", fee=0, fee_note="材料費が必要な講座があります", retention=1, assurance=P.NONE,
         details=[{"key": "course", "type": "select", "label": "申し込む講座", "choices": [{"value": "smartphone", "label": "はじめてのスマートフォン教室（全3回）"}, {"value": "history", "label": "みどり野の歴史散歩"}, {"value": "cooking", "label": "親子料理教室"}, {"value": "english", "label": "やさしい英会話"}]},
                  {"key": "participants", "type": "number", "label": "参加人数", "min": 1, "max": 4, "unit": "人"},
                  {"key": "support", "type": "textarea", "label": "参加にあたって必要な配慮（車いす、手話通訳など）", "required": False, "max_length": 300}], with_birth=False),
    dict(slug="sports-kyoshitsu", name="スポーツ教室の申込", kana="すぽーつきょうしつのもうしこみ", section="生涯学習スポーツ課", events=["learning", "health"],
         summary="市民体育館で開くスポーツ教室（ヨガ、卓球、水泳など）に申し込みます。", fee=1000, fee_note="教室により異なります", retention=1,
         details=[{"key": "course", "type": "radio", "label": "教室", "choices": [{"value": "yoga", "label": "はじめてのヨガ"}, {"value": "tabletennis", "label": "卓球教室"}, {"value": "swim", "label": "シニア水中ウォーキング"}]},
                  {"key": "experience", "type": "radio", "label": "経験", "choices": [{"value": "none", "label": "はじめて"}, {"value": "some", "label": "経験あり"}]}]),
    dict(slug="doro-tsuho", name="道路・公園の損傷の通報", kana="どうろ・こうえんのそんしょうのつうほう", section="道路管理課", events=["town"],
         summary="道路の穴、カーブミラーの破損、公園の遊具の故障などを写真付きで知らせてください。", fee=0, retention=3, assurance=P.NONE,
         details=[{"key": "kind", "type": "select", "label": "通報の種類", "choices": [{"value": "pothole", "label": "道路の穴・段差"}, {"value": "mirror", "label": "カーブミラー・標識"}, {"value": "light", "label": "街路灯"}, {"value": "park", "label": "公園の遊具・設備"}, {"value": "other", "label": "その他"}]},
                  {"key": "place", "type": "textarea", "label": "場所（目印になるもの）", "max_length": 300},
                  {"key": "photo", "type": "file", "label": "写真", "required": False, "accept": ["jpeg", "png"], "max_bytes": 10 * 1024 * 1024},
                  {"key": "reply", "type": "radio", "label": "対応結果の連絡を希望しますか", "choices": YES_NO}], with_birth=False),
    dict(slug="johokokai", name="情報公開請求", kana="じょうほうこうかいせいきゅう", section="総務課", events=["town"],
         summary="市が保有する公文書の開示を請求します。", eligibility="どなたでも", fee=0, fee_note="写しの交付は1枚10円", time="請求から15日以内に決定", retention=5,
         details=[{"key": "document", "type": "textarea", "label": "開示を求める公文書の名称・内容", "max_length": 1000},
                  {"key": "method", "type": "radio", "label": "開示の方法", "choices": [{"value": "view", "label": "閲覧"}, {"value": "copy", "label": "写しの交付（郵送）"}, {"value": "data", "label": "電子データ"}]}], with_birth=False),
    dict(slug="goiken", name="市政へのご意見・ご提案", kana="しせいへのごいけん・ごていあん", section="総務課", events=["town"],
         summary="市政についてのご意見・ご提案をお寄せください。担当課が確認し、回答を希望された方には回答します。", fee=0, retention=3, assurance=P.NONE,
         details=[{"key": "topic", "type": "select", "label": "分野", "choices": [{"value": "welfare", "label": "福祉・子育て"}, {"value": "environment", "label": "環境・ごみ"}, {"value": "town", "label": "まちづくり・道路"}, {"value": "digital", "label": "デジタル化・手続"}, {"value": "other", "label": "その他"}]},
                  {"key": "opinion", "type": "textarea", "label": "ご意見・ご提案", "max_length": 2000},
                  {"key": "reply", "type": "radio", "label": "回答を希望しますか", "choices": YES_NO}], with_birth=False),
    dict(slug="okuyami", name="おくやみ窓口の事前相談", kana="おくやみまどぐちのじぜんそうだん", section="市民課", events=["death"],
         summary="ご家族が亡くなられた後の手続（保険・年金・税・福祉など）をまとめてご案内します。必要な手続の一覧を事前にお知らせし、窓口での待ち時間を短くします。", fee=0, retention=3,
         details=[{"key": "deceased_name", "type": "text", "label": "亡くなられた方の氏名", "max_length": 50}, {"key": "death_date", "type": "date", "label": "亡くなられた日", "max": "today"},
                  {"key": "relation", "type": "text", "label": "亡くなられた方との続柄", "max_length": 20},
                  {"key": "had", "type": "checkboxes", "label": "亡くなられた方が受けていたもの", "required": False, "choices": [{"value": "nhi", "label": "国民健康保険"}, {"value": "elderly_med", "label": "後期高齢者医療"}, {"value": "kaigo", "label": "介護保険の認定"}, {"value": "pension", "label": "年金"}, {"value": "disability", "label": "障害者手帳"}]}]),
    dict(slug="konin", name="婚姻届", kana="こんいんとどけ", section="市民課", events=["marriage"],
         summary="婚姻届は、届書に成年の証人2人の署名が必要なため、窓口または郵送で提出してください。休日・夜間は守衛室で預かります。", online=False, counter="市民課 窓口（夜間・休日は守衛室）", retention=5),
    dict(slug="jukyu-koshin", name="障害者手帳の住所変更届", kana="しょうがいしゃてちょうのじゅうしょへんこうとどけ", section="介護保険課", events=["moving", "elderly"],
         summary="市内で引っ越した方の身体障害者手帳・療育手帳・精神障害者保健福祉手帳の住所変更です。", fee=0, retention=5,
         details=[{"key": "book", "type": "checkboxes", "label": "手帳の種類", "min_choices": 1, "choices": [{"value": "physical", "label": "身体障害者手帳"}, {"value": "ryoiku", "label": "療育手帳"}, {"value": "mental", "label": "精神障害者保健福祉手帳"}]},
                  {"key": "book_number", "type": "text", "label": "手帳の番号", "max_length": 20}, {"key": "new_address", "type": "address", "label": "新しい住所"}]),
]


def load(municipality) -> None:
    from madoguchi.forms.services import create_form

    for order, (slug, name) in enumerate(LIFE_EVENTS):
        LifeEvent.objects.update_or_create(municipality=municipality, slug=slug, defaults={"name": name, "order": order})
    events = {e.slug: e for e in LifeEvent.objects.filter(municipality=municipality)}
    sections = {s.name: s for s in Section.objects.filter(municipality=municipality)}
    for order, spec in enumerate(CATALOGUE):
        section = sections[spec["section"]]
        online = spec.get("online", True)
        procedure = Procedure.objects.filter(municipality=municipality, slug=spec["slug"]).first()
        form = procedure.form if procedure else None
        if online and spec.get("details") and form is None:
            form = create_form(
                spec["name"],
                schema(spec["details"], with_birth=spec.get("with_birth", True)),
                section=section,
                allows_my_number=spec.get("my_number", False),
                publish=True,
            )
        procedure, _ = Procedure.objects.update_or_create(
            municipality=municipality,
            slug=spec["slug"],
            defaults=dict(
                section=section,
                name=spec["name"],
                name_kana=spec.get("kana", ""),
                summary=spec["summary"],
                eligibility=spec.get("eligibility", ""),
                required_documents=spec.get("documents", ""),
                fee=spec.get("fee", 0),
                fee_note=spec.get("fee_note", ""),
                processing_time=spec.get("time", ""),
                online=online,
                external_url=spec.get("external", ""),
                identity_assurance=spec.get("assurance", P.ACCOUNT),
                retention_years=spec.get("retention", 5),
                form=form,
                counter_note=spec.get("counter", ""),
                order=order,
            ),
        )
        procedure.life_events.set([events[e] for e in spec.get("events", [])])
