"""Demo guides and FAQ of the fictional みどり野市: real procedure names, deadlines and places of a
typical Japanese city (the city is fictional; offices outside it are named generically).

Steps name the demo catalogue's procedures (``applications/demo.py``) where one exists; others
(出生届, 死亡届 … and what is done at 年金事務所, 税務署 or 法務局) describe themselves. Deadlines
follow the law as commonly published (転入届 14日, 死亡届 7日, 児童手当 15日 …).
"""

from __future__ import annotations

from madoguchi.core.models import Section, StaffRole

from .models import Faq, Guide, GuideVersion

YES = "yes"


def q(key, ja, easy="", en="", help_ja=""):
    question = {"key": key, "type": "yes_no", "text": {"ja": ja, **({"easy": easy} if easy else {}), **({"en": en} if en else {})}}
    if help_ja:
        question["help"] = {"ja": help_ja}
    return question


def t(ja, easy="", en=""):
    return {"ja": ja, **({"easy": easy} if easy else {}), **({"en": en} if en else {})}


def p(key, slug, **extra):
    """A step that is one of the city's procedures."""
    return {"key": key, "procedure": slug, **extra}


def info(key, title, section="", where="", **extra):
    """A step described here (done outside the catalogue, or at another office)."""
    step = {"key": key, "title": title if isinstance(title, dict) else {"ja": title}}
    if section:
        step["section"] = section
    if where:
        step["where"] = where
    return {**step, **extra}


def g(title, steps, note=""):
    group = {"title": title if isinstance(title, dict) else {"ja": title}, "steps": steps}
    if note:
        group["note"] = {"ja": note}
    return group


MY_NUMBER_CARD = info(
    "mynumber-card",
    t("マイナンバーカードの住所変更（継続利用の手続）", "マイナンバーカードの じゅうしょを かえる", "Update the address on your My Number Card"),
    "市民課",
    "本庁舎1階 1番窓口",
    deadline_days=90,
    minutes=15,
    bring=["マイナンバーカード（世帯全員分）", "暗証番号（4桁）"],
    note={"ja": "転入届と同時に手続すると一度で済みます。転入した日から90日を過ぎるとカードが失効します。"},
)

GUIDES = [
    # --- 転入（市外から） ---------------------------------------------------------------------
    {
        "slug": "moving-in",
        "section": "市民課",
        "keywords": "引っ越し、引越し、転入、住所変更",
        "title": t("転入（市外からの引越し）", "ほかの まちから ひっこして きた", "Moving into the city"),
        "intro": t(
            "ほかの市区町村からみどり野市に引越してきた方の手続きです。住み始めた日から14日以内に転入届を出してください。",
            "ほかの まちから みどりのしに ひっこして きた ひとの てつづきです。すみはじめた ひから 14にち いないに てんにゅうとどけを だして ください。",
            "For people who moved to Midorino from another municipality. Register your move-in within 14 days of starting to live here.",
        ),
        "event_date_label": t("住み始めた日", "すみはじめた ひ", "The day you started living here"),
        "questions": [
            q(
                "children",
                "中学生以下のお子さんがいますか",
                "ちゅうがくせい までの こどもが いますか",
                "Do you have children of junior-high-school age or younger?",
            ),
            q(
                "school",
                "小学校・中学校に通うお子さんがいますか",
                "しょうがっこう・ちゅうがっこうに かよう こどもが いますか",
                "Do you have children attending elementary or junior high school?",
            ),
            q(
                "kokuho",
                "国民健康保険に入りますか（会社の健康保険に入っていない）",
                "こくみんけんこうほけんに はいりますか",
                "Will you join National Health Insurance (no employer insurance)?",
            ),
            q("care", "介護保険の認定を受けている方がいますか"),
            q("disability", "障害者手帳をお持ちの方がいますか"),
            q("dog", "犬を飼っていますか", "いぬを かって いますか", "Do you have a dog?"),
            q("car", "自動車・バイクをお持ちですか", "くるま・バイクを もって いますか", "Do you own a car or motorbike?"),
        ],
        "groups": [
            g(
                t("市役所で住所の届出をする", "しやくしょで じゅうしょを とどける", "Register your address at City Hall"),
                [
                    p("tennyu", "tennyu", deadline_days=14, bring=[t("前の市区町村の転出証明書（マイナンバーカードで転出した場合は不要）")], minutes=30),
                    MY_NUMBER_CARD,
                ],
                note="ほかの手続きは転入届のあとになります。来庁予約をすると待ち時間が短くなります。",
            ),
            g(
                t("転入届のあと、同じ日に済ませる", "てんにゅうとどけの あとで", "After registering, on the same visit"),
                [
                    p("kokuho", "kokuho-kanyu", when={"kokuho": YES}, deadline_days=14, minutes=15),
                    p(
                        "jidoteate",
                        "jidoteate-nintei",
                        minutes=15,
                        when={"children": YES},
                        deadline_days=15,
                        note=t("前の市区町村から「児童手当受給事由消滅」の手続も必要です。15日を過ぎると、過ぎた月分は受け取れません。"),
                    ),
                    p("kodomo-iryo", "kodomo-iryo", when={"children": YES}, minutes=10),
                    info(
                        "school",
                        "転入学の手続（就学通知書の発行）",
                        "学務課（教育委員会）",
                        "本庁舎5階",
                        when={"school": YES},
                        bring=["在学証明書", "教科書給与証明書（前の学校で受け取る）"],
                    ),
                    p("kaigo", "kaigo-saikofu", title=t("介護保険の住所変更・受給資格証明書の提出"), when={"care": YES}, deadline_days=14),
                    p("techo", "jukyu-koshin", when={"disability": YES}),
                    p("inkan", "inkan-toroku", optional=True, minutes=10),
                ],
            ),
            g(
                t("そのほかの届出", "そのほかの てつづき", "Other registrations"),
                [
                    info(
                        "dog",
                        "犬の登録事項変更",
                        "環境保全課",
                        "清掃事務所2階",
                        when={"dog": YES},
                        deadline_days=30,
                        bring=["前の市区町村の犬の鑑札", "狂犬病予防注射済票"],
                    ),
                    info("car", "自動車の住所変更（車検証の変更）", "", "運輸支局（軽自動車は軽自動車検査協会）", when={"car": YES}, deadline_days=15),
                    info(
                        "license",
                        "運転免許証の住所変更",
                        "",
                        "警察署・運転免許センター",
                        when={"car": YES},
                        bring=["運転免許証", "住民票の写し（マイナンバーカードがあれば不要）"],
                    ),
                    p("sodai", "sodai-gomi", optional=True, note=t("引越しの片付けで出た粗大ごみは申込制です。")),
                ],
            ),
        ],
    },
    # --- 転出（市外へ） -------------------------------------------------------------------------
    {
        "slug": "moving-out",
        "section": "市民課",
        "keywords": "引っ越し、引越し、転出",
        "title": t("転出（市外への引越し）", "ほかの まちへ ひっこす", "Moving out of the city"),
        "intro": t(
            "みどり野市からほかの市区町村へ引越す方の手続きです。引越す日の14日前から届け出られます。マイナンバーカードがあれば転出届はオンラインでできます。"
        ),
        "event_date_label": t("引越す日", "ひっこす ひ", "Moving day"),
        "questions": [
            q("kokuho", "国民健康保険に入っていますか"),
            q("children", "児童手当を受け取っていますか"),
            q("care", "介護保険の認定を受けている方がいますか"),
            q("inkan", "印鑑登録をしていますか"),
        ],
        "groups": [
            g(
                "引越しの前に",
                [
                    p("tenshutsu", "tenshutsu", deadline_days=14, deadline_text=t("引越す日の14日前から引越した後14日以内")),
                    p("kokuho", "kokuho-dattai", when={"kokuho": YES}, title=t("国民健康保険の資格喪失（保険証の返却）")),
                    p("jidoteate", "jidoteate-shometsu", when={"children": YES}, deadline_days=15),
                    info(
                        "kaigo",
                        "介護保険の受給資格証明書の交付",
                        "介護保険課",
                        "本庁舎1階",
                        when={"care": YES},
                        note={"ja": "新しい市区町村に14日以内に出すと、認定を引き継げます。"},
                    ),
                ],
            ),
            g(
                "引越しの後に",
                [
                    info("inkan-end", "印鑑登録は転出届で自動的に廃止されます（手続は不要）", "市民課", when={"inkan": YES}),
                    p("sodai", "sodai-gomi", optional=True),
                ],
            ),
        ],
    },
    # --- 転居（市内） -------------------------------------------------------------------------
    {
        "slug": "moving-within",
        "section": "市民課",
        "keywords": "引っ越し、引越し、転居、住所変更",
        "title": t("転居（市内での引越し）", "しの なかで ひっこす", "Moving within the city"),
        "intro": t("みどり野市の中で引越した方の手続きです。引越した日から14日以内に転居届を出してください。"),
        "event_date_label": t("引越した日"),
        "questions": [
            q("children", "児童手当や子ども医療費助成を受けていますか"),
            q("disability", "障害者手帳をお持ちの方がいますか"),
            q("school", "小学校・中学校に通うお子さんがいますか"),
        ],
        "groups": [
            g("市役所で", [p("tenkyo", "tenkyo", deadline_days=14), MY_NUMBER_CARD]),
            g(
                "転居届のあとに",
                [
                    p("jido", "jidoteate-gakukaitei", title=t("児童手当・子ども医療証の住所変更"), when={"children": YES}, deadline_days=15),
                    p("techo", "jukyu-koshin", when={"disability": YES}),
                    info("school", "転校の手続（学区が変わる場合）", "学務課（教育委員会）", "本庁舎5階", when={"school": YES}),
                    p("sodai", "sodai-gomi", optional=True),
                ],
            ),
        ],
    },
    # --- 国外からの転入 ---------------------------------------------------------------------
    {
        "slug": "from-abroad",
        "section": "市民課",
        "keywords": "海外、外国、帰国、在留カード、外国人",
        "title": t("国外からの転入", "がいこくから ひっこして きた", "Moving in from abroad"),
        "intro": t(
            "海外から帰国した方、日本に住み始めた外国籍の方の手続きです。住み始めた日から14日以内に届け出てください。",
            "がいこくから きた ひとの てつづきです。すみはじめた ひから 14にち いないに しやくしょに きて ください。",
            "For Japanese returning from abroad and foreign residents starting to live in Japan. Register within 14 days of moving in.",
        ),
        "event_date_label": t("住み始めた日", "すみはじめた ひ", "The day you started living here"),
        "questions": [
            q(
                "foreign",
                "日本国籍ではない方ですか（在留カードをお持ちの方）",
                "にほんの こくせきでは ない ひとですか",
                "Are you a foreign national (with a residence card)?",
            ),
            q(
                "children",
                "中学生以下のお子さんがいますか",
                "ちゅうがくせい までの こどもが いますか",
                "Do you have children of junior-high-school age or younger?",
            ),
            q("work", "日本の会社の健康保険に入りますか", "かいしゃの けんこうほけんに はいりますか", "Will you be covered by an employer's health insurance?"),
        ],
        "groups": [
            g(
                t("市役所で住所の届出をする", "しやくしょで じゅうしょを とどける", "Register your address"),
                [
                    p(
                        "tennyu",
                        "tennyu",
                        deadline_days=14,
                        bring=[
                            t("パスポート（全員分）", "パスポート", "Passports of everyone moving in"),
                            t("在留カード（外国籍の方）", "ざいりゅうカード", "Residence cards (foreign nationals)"),
                            t("戸籍謄本と戸籍の附票（日本国籍で本籍が他市の方）"),
                        ],
                    ),
                ],
            ),
            g(
                t("住所の届出のあとに", "じゅうしょを とどけた あとで", "After registering"),
                [
                    p("kokuho", "kokuho-kanyu", when={"work": "no"}, deadline_days=14),
                    info(
                        "nenkin",
                        t("国民年金の加入（20歳以上60歳未満）", "ねんきんに はいる", "Join the National Pension (ages 20–59)"),
                        "保険年金課",
                        "本庁舎1階 5番窓口",
                        when={"work": "no"},
                        deadline_days=14,
                    ),
                    p("jidoteate", "jidoteate-nintei", when={"children": YES}, deadline_days=15),
                    p("kodomo-iryo", "kodomo-iryo", when={"children": YES}),
                    info(
                        "mynumber",
                        t("マイナンバーカードの申請", "マイナンバーカードを もうしこむ", "Apply for a My Number Card"),
                        "市民課",
                        "本庁舎1階 1番窓口",
                        optional=True,
                    ),
                ],
            ),
        ],
    },
    # --- 出生 ---------------------------------------------------------------------------------
    {
        "slug": "birth",
        "section": "子育て支援課",
        "keywords": "出産、赤ちゃん、出生届",
        "title": t("出生（赤ちゃんが生まれたら）", "あかちゃんが うまれた", "Having a baby"),
        "intro": t("お子さんが生まれたときの手続きです。出生届は生まれた日を含めて14日以内です（国外で生まれた場合は3か月以内）。"),
        "event_date_label": t("生まれた日"),
        "questions": [
            q("kokuho", "国民健康保険に入っていますか"),
            q("first", "はじめてのお子さんですか"),
            q("working", "育児休業のあと保育園の利用を考えていますか"),
        ],
        "groups": [
            g(
                "まず",
                [
                    info(
                        "shussei",
                        "出生届",
                        "市民課",
                        "本庁舎1階 1番窓口（夜間・休日は守衛室）",
                        deadline_days=13,
                        deadline_text=t("生まれた日を含めて14日以内"),
                        bring=["出生証明書（病院で記入）", "母子健康手帳"],
                    )
                ],
            ),
            g(
                "出生届と同じ日に",
                [
                    p("jidoteate", "jidoteate-nintei", when={"first": YES}, deadline_days=15, note=t("生まれた日の翌日から15日以内に請求してください。")),
                    p("jido-kaitei", "jidoteate-gakukaitei", when={"first": "no"}, deadline_days=15),
                    p("kodomo-iryo", "kodomo-iryo"),
                    info("kokuho-baby", "国民健康保険の加入（赤ちゃん）", "保険年金課", "本庁舎1階 5番窓口", when={"kokuho": YES}, deadline_days=14),
                    info(
                        "shussan-ichiji",
                        "出産育児一時金の申請（直接支払制度を使わなかった場合）",
                        "保険年金課",
                        "本庁舎1階 5番窓口",
                        when={"kokuho": YES},
                        optional=True,
                        deadline_months=24,
                    ),
                ],
            ),
            g(
                "落ち着いたら",
                [
                    p("hoiku", "hoiku-moushikomi", when={"working": YES}),
                    p("yoshin", "yoshinhyo", optional=True, title=t("予防接種の予診票（届いていない場合）")),
                ],
            ),
        ],
    },
    # --- 結婚 ---------------------------------------------------------------------------------
    {
        "slug": "marriage",
        "section": "市民課",
        "keywords": "婚姻、入籍、結婚",
        "title": t("結婚", "けっこん", "Getting married"),
        "intro": t("結婚するときの手続きです。婚姻届は届け出た日に効力が生じます（期限はありません）。"),
        "event_date_label": t("婚姻届を出す日"),
        "questions": [
            q("move", "結婚に合わせて住所が変わりますか"),
            q("name", "姓（名字）が変わりますか"),
            q("kokuho", "国民健康保険に入っていますか"),
            q("stamp", "印鑑登録をしていますか"),
        ],
        "groups": [
            g("まず", [p("konin", "konin", bring=[t("戸籍謄本（本籍が他市の方）"), t("本人確認書類")])]),
            g(
                "婚姻届のあとに",
                [
                    p("tenkyo", "tenkyo", when={"move": YES}, deadline_days=14, title=t("転居届・転入届（住所が変わる場合）")),
                    info(
                        "mynumber",
                        "マイナンバーカードの記載事項変更（氏名・住所）",
                        "市民課",
                        "本庁舎1階 1番窓口",
                        when=[{"name": YES}, {"move": YES}],
                        deadline_days=14,
                    ),
                    info("kokuho-name", "国民健康保険の氏名変更・世帯変更", "保険年金課", "本庁舎1階 5番窓口", when={"kokuho": YES}, deadline_days=14),
                    p("inkan", "inkan-toroku", when={"stamp": YES, "name": YES}, title=t("印鑑登録のやり直し（姓が変わると登録は廃止されます）")),
                    info("license", "運転免許証の記載事項変更", "", "警察署・運転免許センター", when={"name": YES}, optional=True),
                ],
            ),
        ],
    },
    # --- 離婚 ---------------------------------------------------------------------------------
    {
        "slug": "divorce",
        "section": "市民課",
        "keywords": "離婚、ひとり親",
        "title": t("離婚", "りこん", "Divorce"),
        "intro": t("離婚するときの手続きです。協議離婚は届け出た日に成立します。裁判離婚は確定した日から10日以内に届け出てください。"),
        "event_date_label": t("離婚届を出す日（裁判離婚は確定した日）"),
        "questions": [
            q("court", "調停・裁判による離婚ですか"),
            q("children", "お子さんを育てますか"),
            q("move", "住所が変わりますか"),
            q("kokuho", "国民健康保険に入りますか（配偶者の健康保険から外れる）"),
        ],
        "groups": [
            g(
                "まず",
                [
                    info(
                        "rikon",
                        "離婚届",
                        "市民課",
                        "本庁舎1階 1番窓口",
                        deadline_days=10,
                        when={"court": YES},
                        bring=["調停調書または判決書の謄本と確定証明書"],
                    ),
                    info("rikon-kyogi", "離婚届（協議離婚：証人2人の署名が必要）", "市民課", "本庁舎1階 1番窓口", when={"court": "no"}),
                ],
            ),
            g(
                "離婚届のあとに",
                [
                    p("tenkyo", "tenkyo", when={"move": YES}, deadline_days=14, title=t("転居届・転出届（住所が変わる場合）")),
                    p("kokuho", "kokuho-kanyu", when={"kokuho": YES}, deadline_days=14),
                    p("jidoteate", "jidoteate-nintei", when={"children": YES}, deadline_days=15, title=t("児童手当の受給者の変更")),
                    p("hitorioya", "hitorioya-iryo", when={"children": YES}),
                    info(
                        "fuyou",
                        "児童扶養手当の認定請求",
                        "子育て支援課",
                        "本庁舎2階 8番窓口",
                        when={"children": YES},
                        note={"ja": "所得の制限があります。請求した月の翌月分からの支給です。"},
                    ),
                ],
            ),
        ],
    },
    # --- おくやみ -----------------------------------------------------------------------------
    {
        "slug": "okuyami",
        "section": "市民課",
        "keywords": "死亡、おくやみ、葬儀、相続、亡くなった",
        "title": t("おくやみ（ご家族が亡くなったとき）", "かぞくが なくなった とき", "When a family member dies"),
        "intro": t(
            "ご家族が亡くなったあとの手続きの一覧です。市役所1階の「おくやみ窓口」では、市役所での手続きを一か所でご案内します（予約制）。",
            "かぞくが なくなった あとの てつづきです。しやくしょ 1かいの「おくやみまどぐち」で まとめて あんない します。",
            "What to do after a family member has died. The bereavement desk on the 1st floor of City Hall guides you through all city procedures in one place (by appointment).",
        ),
        "event_date_label": t("亡くなった日", "なくなった ひ", "Date of death"),
        "questions": [
            q("householder", "亡くなった方は世帯主でしたか", "なくなった ひとは せたいぬし でしたか", "Was the deceased the head of the household?"),
            q(
                "kokuho",
                "亡くなった方は国民健康保険または後期高齢者医療制度に入っていましたか",
                "",
                "Was the deceased in National Health Insurance or the late-stage elderly medical system?",
            ),
            q("care", "亡くなった方は65歳以上でしたか（介護保険）", "", "Was the deceased 65 or older (long-term care insurance)?"),
            q("pension", "亡くなった方は年金を受け取っていましたか", "", "Was the deceased receiving a pension?"),
            q("stamp", "亡くなった方は印鑑登録をしていましたか"),
            q("property", "亡くなった方は土地・建物を持っていましたか", "", "Did the deceased own land or buildings?"),
            q("income", "亡くなった方に事業・不動産・年金などの所得がありましたか（準確定申告）"),
            q("car", "亡くなった方は自動車・軽自動車・原付を持っていましたか"),
            q("debt", "亡くなった方に借金があるかもしれませんか（相続放棄の検討）"),
        ],
        "groups": [
            g(
                t("7日以内に（葬儀の前に）", "7にち いないに", "Within 7 days (before the funeral)"),
                [
                    info(
                        "shibo",
                        t("死亡届", "しぼう とどけ", "Death registration"),
                        "市民課",
                        "本庁舎1階 1番窓口（夜間・休日は守衛室）",
                        deadline_days=7,
                        minutes=15,
                        bring=["死亡診断書（医師が記入）", "届出人の印鑑（任意）"],
                        note={"ja": "多くの場合、葬儀社が代わりに届け出ます。"},
                    ),
                    info(
                        "kaso",
                        t("火葬許可証の交付（死亡届と同時）", "かそうの きょか", "Cremation permit (with the death registration)"),
                        "市民課",
                        "本庁舎1階 1番窓口",
                        deadline_days=7,
                        fee="無料",
                    ),
                ],
                note="死亡届と火葬許可は同じ窓口で同時に済みます。",
            ),
            g(
                t("14日以内に（おくやみ窓口でまとめて）", "14にち いないに", "Within 14 days (at the bereavement desk)"),
                [
                    p(
                        "okuyami",
                        "okuyami",
                        title=t("おくやみ窓口の予約（事前相談）", "おくやみまどぐちを よやくする", "Book the bereavement desk"),
                        optional=True,
                    ),
                    info(
                        "setainushi",
                        "世帯主変更届",
                        "市民課",
                        "本庁舎1階 1番窓口",
                        when={"householder": YES},
                        minutes=10,
                        deadline_days=14,
                        note={"ja": "残る世帯員が1人だけ、または親と幼い子だけの場合は不要です。"},
                    ),
                    info(
                        "kokuho-soshitsu",
                        "国民健康保険・後期高齢者医療の資格喪失届（保険証の返却）",
                        "保険年金課",
                        "本庁舎1階 5番窓口",
                        when={"kokuho": YES},
                        deadline_days=14,
                        bring=["亡くなった方の資格確認書または保険証", "限度額適用認定証（お持ちの場合）"],
                        minutes=15,
                    ),
                    info(
                        "kaigo-soshitsu",
                        "介護保険の資格喪失届（介護保険証の返却）",
                        "介護保険課",
                        "本庁舎1階 6番窓口",
                        when={"care": YES},
                        deadline_days=14,
                        bring=["介護保険被保険者証"],
                        minutes=10,
                    ),
                    info(
                        "inkan-haishi",
                        "印鑑登録証（カード）の返却",
                        "市民課",
                        "本庁舎1階 1番窓口",
                        when={"stamp": YES},
                        note={"ja": "印鑑登録は死亡届で自動的に廃止されます。カードは返却してください。"},
                    ),
                    info(
                        "mynumber-return",
                        "マイナンバーカードの返納",
                        "市民課",
                        "本庁舎1階 1番窓口",
                        optional=True,
                        note={"ja": "記念に残したい場合は、穴をあけてお返しします。"},
                    ),
                    info(
                        "nenkin-shibo",
                        t("年金受給権者死亡届", "ねんきんの とどけ", "Report the death to the pension office"),
                        "",
                        "年金事務所（国民年金のみの方は市役所保険年金課でも可）",
                        when={"pension": YES},
                        deadline_days=14,
                        deadline_text=t("厚生年金は10日以内、国民年金は14日以内"),
                        note={"ja": "マイナンバーが日本年金機構に登録されていれば省略できます。"},
                    ),
                ],
            ),
            g(
                t("落ち着いたら（期限のある手続き）", "おちついたら", "Later (with deadlines)"),
                [
                    info(
                        "sosaihi",
                        "葬祭費の支給申請（50,000円）",
                        "保険年金課",
                        "本庁舎1階 5番窓口",
                        when={"kokuho": YES},
                        deadline_months=24,
                        bring=["葬儀の領収書（喪主の名前のもの）", "喪主の口座がわかるもの"],
                        minutes=10,
                    ),
                    info("mishikyu", "未支給年金の請求", "", "年金事務所", when={"pension": YES}, deadline_months=60, optional=True),
                    info(
                        "kogaku",
                        "高額療養費・高額介護サービス費の相続人への支給",
                        "保険年金課・介護保険課",
                        "本庁舎1階",
                        when=[{"kokuho": YES}, {"care": YES}],
                        optional=True,
                    ),
                    info(
                        "soukuzoku-houki",
                        "相続放棄・限定承認の申述",
                        "",
                        "家庭裁判所",
                        when={"debt": YES},
                        deadline_months=3,
                        deadline_text=t("亡くなったことを知った日から3か月以内"),
                    ),
                    info("jun-kakutei", "準確定申告", "", "税務署", when={"income": YES}, deadline_months=4),
                    info(
                        "kotei-shisan",
                        "固定資産の相続人代表者指定届・家屋の名義変更",
                        "資産税課",
                        "本庁舎2階",
                        when={"property": YES},
                        note={"ja": "翌年度からの固定資産税の通知を受け取る方を届け出ます。"},
                    ),
                    info(
                        "souzokuzei",
                        "相続税の申告・納付（遺産が基礎控除を超える場合）",
                        "",
                        "税務署",
                        when={"property": YES},
                        deadline_months=10,
                        optional=True,
                    ),
                    info(
                        "touki",
                        "相続登記（不動産の名義変更）",
                        "",
                        "法務局",
                        when={"property": YES},
                        deadline_months=36,
                        note={"ja": "2024年4月から義務になりました。"},
                    ),
                    info("kei-car", "軽自動車・原付の名義変更または廃車", "市民税課（原付）", "本庁舎2階（軽自動車は軽自動車検査協会）", when={"car": YES}),
                    p("koseki", "koseki", optional=True, title=t("相続に使う戸籍証明書の請求（出生から死亡まで）")),
                ],
            ),
        ],
    },
    # --- 入園・入学 -----------------------------------------------------------------------------
    {
        "slug": "school",
        "section": "子育て支援課",
        "keywords": "入学、入園、保育園、学童",
        "title": t("入園・入学", "ほいくえん・がっこうに はいる", "Starting nursery or school"),
        "intro": t("保育園・小学校・中学校に入るときの手続きです。"),
        "event_date_label": t("入園・入学する日"),
        "questions": [
            q("nursery", "保育園・認定こども園（保育）に入りますか"),
            q("elementary", "小学校に入学しますか"),
            q("afterschool", "放課後に学童保育を使いたいですか"),
            q("private", "国立・私立の学校に入学しますか"),
        ],
        "groups": [
            g(
                "入園・入学の前の年の秋から冬に",
                [
                    p("hoiku", "hoiku-moushikomi", when={"nursery": YES}),
                    p("kazei", "kazei-shomei", when={"nursery": YES}, optional=True, title=t("課税証明書（1月1日に他市に住んでいた方）")),
                    p("gakudo", "gakudo", when={"afterschool": YES}),
                ],
            ),
            g(
                "入学の前に",
                [
                    info("shugaku", "就学時健康診断（10〜11月、通知が届きます）", "学務課（教育委員会）", "指定の小学校", when={"elementary": YES}),
                    info("shiritsu", "国立・私立学校の入学承諾書の提出（区域外就学）", "学務課（教育委員会）", "本庁舎5階", when={"private": YES}),
                    info("enjo", "就学援助の申請", "学務課（教育委員会）", "本庁舎5階", optional=True),
                ],
            ),
        ],
    },
    # --- 就職・退職 ---------------------------------------------------------------------------
    {
        "slug": "job",
        "section": "保険年金課",
        "keywords": "退職、就職、失業、会社を辞めた",
        "title": t("就職・退職", "しごとを はじめる・やめる", "Starting or leaving a job"),
        "intro": t("会社に就職したとき、退職したときの健康保険・年金・税の手続きです。"),
        "event_date_label": t("就職・退職した日（翌日から）"),
        "questions": [
            q("retire", "退職しましたか（「いいえ」は就職）"),
            q("family", "配偶者の扶養に入りますか"),
            q("hard", "収入が減って保険料や税の支払いが難しいですか"),
            q("children", "保育園を利用していますか"),
        ],
        "groups": [
            g(
                "14日以内に",
                [
                    p(
                        "kokuho-in",
                        "kokuho-kanyu",
                        when={"retire": YES, "family": "no"},
                        deadline_days=14,
                        bring=[t("健康保険の資格喪失証明書（会社から受け取る）")],
                    ),
                    info(
                        "nenkin-1",
                        "国民年金の種別変更（第1号被保険者へ）",
                        "保険年金課",
                        "本庁舎1階 5番窓口",
                        when={"retire": YES, "family": "no"},
                        deadline_days=14,
                    ),
                    p("kokuho-out", "kokuho-dattai", when={"retire": "no"}, deadline_days=14, bring=[t("新しい健康保険の資格確認書")]),
                ],
            ),
            g(
                "必要に応じて",
                [
                    p("menjo", "nenkin-menjo", when={"hard": YES}),
                    p("koza", "koza-furikae", optional=True, title=t("住民税の納め方の変更（普通徴収の口座振替）")),
                    p("genkyo", "hoiku-genkyo", when={"children": YES}, title=t("保育の利用の変更届（就労状況の変更）")),
                ],
            ),
        ],
    },
    # --- 介護 ---------------------------------------------------------------------------------
    {
        "slug": "care",
        "section": "介護保険課",
        "keywords": "介護、要介護認定、高齢者",
        "title": t("介護が必要になった", "かいごが ひつように なった", "When care is needed"),
        "intro": t("ご本人やご家族に介護が必要になったときの手続きです。まず地域包括支援センターか介護保険課にご相談ください。"),
        "event_date_label": t("相談を始める日"),
        "questions": [
            q("over65", "介護が必要な方は65歳以上ですか"),
            q("certified", "すでに要介護・要支援の認定を受けていますか"),
            q("costly", "介護サービスの自己負担が高くなっていますか"),
            q("alone", "ひとり暮らしですか"),
        ],
        "groups": [
            g(
                "まず相談・申請",
                [
                    info("houkatsu", "地域包括支援センターへの相談", "", "地域包括支援センター（市内4か所）"),
                    p("nintei", "kaigo-nintei", when={"certified": "no"}, note=t("40〜64歳の方は特定疾病が原因の場合に申請できます。")),
                    p("henko", "kaigo-kubun-henko", when={"certified": YES}, optional=True),
                ],
            ),
            g(
                "認定のあとに",
                [
                    info("careplan", "ケアプランの作成依頼（居宅介護支援事業者との契約）", "", "居宅介護支援事業所"),
                    p("kogaku", "kogaku-kaigo", when={"costly": YES}),
                    p("jushinki", "kobetsu-jushinki", when={"alone": YES}, optional=True),
                ],
            ),
        ],
    },
]

FAQS = [
    (
        "市民課",
        "転入届は、引越す前に出せますか。",
        "いいえ。転入届は新しい住所に住み始めてから14日以内に出してください。引越す前にできるのは前の市区町村での転出届です。",
        ["tennyu", "tenshutsu"],
        ["moving-in", "moving-out"],
        "引っ越し、転入、いつ",
    ),
    (
        "市民課",
        "転出届をオンラインで出せますか。",
        "マイナンバーカードをお持ちの方は、マイナポータルまたはこのサイトから転出届を出せます。転出証明書は発行されず、転入先の窓口でマイナンバーカードを出すと手続きが進みます。",
        ["tenshutsu"],
        ["moving-out"],
        "引っ越し、オンライン、転出",
    ),
    (
        "市民課",
        "死亡届は誰が出せますか。",
        "親族、同居者、家主などが届け出られます。多くの場合は葬儀社が代わりに窓口へ持参します。夜間・休日は守衛室で受け付けます。",
        [],
        ["okuyami"],
        "死亡、届出人、葬儀社",
    ),
    (
        "市民課",
        "おくやみ窓口は予約が必要ですか。",
        "はい。ご遺族の待ち時間をなくすため予約制です。亡くなった方の情報を事前に伺い、必要な手続きの書類を準備してお待ちします。",
        ["okuyami"],
        ["okuyami"],
        "おくやみ、予約、相談",
    ),
    (
        "保険年金課",
        "会社を辞めたら国民健康保険に入る必要がありますか。",
        "家族の健康保険の扶養に入る場合や、会社の健康保険を任意継続する場合を除き、退職した日の翌日から14日以内に国民健康保険の加入の届出が必要です。",
        ["kokuho-kanyu"],
        ["job"],
        "退職、国保、健康保険",
    ),
    (
        "保険年金課",
        "葬祭費はいくらもらえますか。",
        "国民健康保険または後期高齢者医療制度の加入者が亡くなったとき、葬儀を行った方（喪主）に50,000円を支給します。葬儀の日から2年以内に申請してください。",
        [],
        ["okuyami"],
        "葬祭費、葬儀、お金",
    ),
    (
        "子育て支援課",
        "児童手当の申請が遅れるとどうなりますか。",
        "児童手当は申請した月の翌月分からの支給です。出生日や転入日の翌日から15日以内に申請すれば、さかのぼって支給されます。",
        ["jidoteate-nintei"],
        ["birth", "moving-in"],
        "児童手当、遅れた、出生",
    ),
    (
        "介護保険課",
        "要介護認定の結果はいつわかりますか。",
        "申請から原則30日以内に結果を郵送でお知らせします。認定調査と主治医意見書をもとに審査会で判定します。",
        ["kaigo-nintei"],
        ["care"],
        "介護認定、結果、いつ",
    ),
    (
        "ごみ対策課",
        "引越しで出た大きなごみはどう出せばいいですか。",
        "粗大ごみは申込制です。インターネットまたは電話で申し込み、手数料納付券を貼って指定の日に出してください。",
        ["sodai-gomi"],
        ["moving-in", "moving-within"],
        "粗大ごみ、引っ越し、家具",
    ),
]


def _definition(spec: dict, procedures: dict) -> dict:
    """The spec as stored, leaving out steps whose procedure this city does not publish (the
    neighbour town's catalogue is smaller): a demo guide is always publishable."""
    defn = {k: v for k, v in spec.items() if k not in ("slug", "section")}
    if "keywords" in defn:
        defn["keywords"] = {"ja": defn["keywords"]}
    groups = []
    for group in spec["groups"]:
        steps = [s for s in group["steps"] if not s.get("procedure") or (s["procedure"] in procedures and procedures[s["procedure"]].is_published)]
        if steps:
            groups.append({**group, "steps": steps})
    defn["groups"] = groups
    return defn


def load(municipality) -> None:
    from . import services

    sections = {s.name: s for s in Section.objects.filter(municipality=municipality)}
    fallback = sections.get("市民課") or next(iter(sections.values()), None)
    if fallback is None:
        return
    guides = {}
    for order, spec in enumerate(GUIDES):
        section = sections.get(spec["section"], fallback)
        guide, _ = Guide.objects.update_or_create(municipality=municipality, slug=spec["slug"], defaults={"section": section, "order": order})
        defn = _definition(spec, services.procedures_for(spec))
        problems = services.problems(defn)
        assert not problems, (spec["slug"], problems)
        # Demo data is loaded as already reviewed (version 1 published); the review flow is for edits.
        version, _ = GuideVersion.objects.update_or_create(guide=guide, number=1, defaults={"definition": defn, "status": GuideVersion.Status.PUBLISHED})
        Guide.objects.filter(pk=guide.pk).update(published=version)
        guides[spec["slug"]] = guide
    # One edit waiting for a second person's review: 市民課's clerk added a step to 転居;
    # 市民課's approver (shimin-boss) approves it on the staff page.
    clerk = StaffRole.objects.filter(section__name="市民課", role=StaffRole.Role.CLERK).select_related("user").first()
    within = guides.get("moving-within")
    if clerk is not None and within is not None and not within.versions.filter(number=2).exists():
        defn = within.versions.get(number=1).definition
        extra = {"key": "koza", "procedure": "koza-furikae", "optional": True, "title": {"ja": "市税の口座振替の住所変更"}}
        if "koza-furikae" in services.procedures_for({"groups": [{"steps": [extra]}]}):
            defn = {**defn, "groups": [*defn["groups"][:-1], {**defn["groups"][-1], "steps": [*defn["groups"][-1]["steps"], extra]}]}
            GuideVersion.objects.create(guide=within, number=2, definition=defn, status=GuideVersion.Status.PENDING, author=clerk.user)
    from madoguchi.applications.models import Procedure

    procedures = {p.slug: p for p in Procedure.objects.filter(is_published=True)}
    for order, (section_name, question, answer, slugs, guide_slugs, keywords) in enumerate(FAQS):
        section = sections.get(section_name, fallback)
        faq, _ = Faq.objects.update_or_create(
            municipality=municipality, question=question, defaults={"section": section, "answer": answer, "keywords": keywords, "order": order}
        )
        faq.procedures.set([procedures[s] for s in slugs if s in procedures])
        faq.guides.set([guides[s] for s in guide_slugs if s in guides])
    english = Faq.objects.filter(question="転入届は、引越す前に出せますか。").first()
    if english is not None:
        english.question_en = "Can I register my move-in before I move?"
        english.answer_en = (
            "No. Register within 14 days after you start living at the new address. Before moving, you file a move-out notice with your previous municipality."
        )
        english.question_easy = "ひっこす まえに てんにゅうとどけを だせますか。"
        english.answer_easy = "だせません。あたらしい いえに すみはじめてから 14にち いないに だして ください。"
        english.save()
