"""Generality of the zh/ja/ko/tr/fa/pl/uk/he rules (and the broader es/it/pt/ar/ru ones): invented variants that are NOT the rules' own
examples (other verbs, word orders, cases, particles, prefixes) fire with the right denier, and
invented traps (clubs, companies, parties, "neither confirmed nor denied", the actor of the denied
claim) stay silent or do not become the denier."""

import pytest

from dementi.records import Article


@pytest.fixture(scope="module")
def engine():
    from dementi.rules.engine import Engine
    from tests.pack.conftest import GAZETTEERS, RULES

    return Engine.from_dir(RULES, GAZETTEERS)


def _deniers(engine, lang, body, title=""):
    return [a.denier.code if a.denier else None for a in engine.alerts(Article(title=title, body=body, lang=lang))]


VARIANTS = [
    ("zh", "针对有关秘密协议的传闻，匈牙利外交部回应称，这是无中生有。", "HUN"),
    ("zh", "白宫发言人表示，美方从未与该组织举行过任何会谈。", "USA"),
    ("zh", "乌方表示不会参加下周的会议。", "UKR"),
    ("ja", "韓国政府は、日本側が会談を一方的に中止したとの報道は事実と異なると反論した。", "KOR"),
    ("ja", "クレムリンのペスコフ報道官は、報道はでっち上げだと述べた。", "RUS"),
    ("ko", "중국 외교부 대변인은 미국 측의 주장이 근거 없는 것이라고 반박했다.", "CHN"),
    ("ko", "크렘린궁은 정상회담 개최설을 일축했다.", "RUS"),
    ("tr", "Rus Dışişleri Bakanlığı, Türkiye'nin iddialarını reddetti ve haberlerin gerçek dışı olduğunu açıkladı.", "RUS"),
    ("tr", "Beyaz Saray, Ankara'ya yönelik yaptırım haberlerini yalanladı.", "USA"),
    ("fa", "وزارت امور خارجه فرانسه ادعای رسانه‌های ایرانی را بی‌اساس خواند.", "FRA"),
    ("fa", "کاخ سفید گزارش دیدار محرمانه با مقامات ایرانی را تکذیب کرد.", "USA"),
    ("pl", "Według rzecznika węgierskiego MSZ doniesienia o tajnym spotkaniu to kłamstwo.", "HUN"),
    ("pl", "Ambasada Chin odrzuciła oskarżenia o szpiegostwo jako bezpodstawne.", "CHN"),
    ("uk", "Речниця МЗС Польщі назвала заяву Москви брехнею.", "POL"),
    ("uk", "В Офісі президента спростували чутки про відставку міністра.", "UKR"),
    ("he", "ממשלת יוון הכחישה את הדיווח על עסקת נשק עם טורקיה.", "GRC"),
    ("he", "שגרירות סין בישראל דחתה את הטענות ואמרה שהן מופרכות.", "CHN"),
    # broader es/it/pt/ar/ru coverage
    ("es", "La Cancillería mexicana desmintió que el canciller haya cancelado su viaje a Lima.", "MEX"),
    ("es", "El Gobierno chileno calificó de \"totalmente falsas\" las versiones sobre un acuerdo secreto con Bolivia.", "CHL"),
    ("es", "Perú no asistirá a la cumbre convocada en Caracas, informó la cancillería peruana.", "PER"),
    ("es", "El presidente colombiano declinó la invitación para viajar a Managua.", "COL"),
    ("es", "Uruguay decidió no firmar la declaración final del foro.", "URY"),
    ("it", "L'Eliseo ha smentito che il presidente francese abbia telefonato a Mosca.", "FRA"),
    ("it", "Il governo ungherese ha deciso di non firmare la dichiarazione comune.", "HUN"),
    ("it", "L'Austria non prenderà parte alla conferenza di Ginevra.", "AUT"),
    ("pt", "O Itamaraty negou que o governo brasileiro tenha enviado tropas para a fronteira.", "BRA"),
    ("pt", "O governo angolano decidiu não participar na cimeira de Lisboa.", "AGO"),
    ("pt", "Portugal recusou o convite para integrar a coligação.", "PRT"),
    ("ar", "نفت وزارة الخارجية المصرية ما تداولته وسائل إعلام عن زيارة مرتقبة.", "EGY"),
    ("ar", "أعلنت الجزائر عدم مشاركتها في القمة المقبلة.", "DZA"),
    ("ar", "اعتذر الأردن عن حضور المؤتمر الإقليمي.", "JOR"),
    ("ru", "В МИД Казахстана назвали фейком сообщения о закрытии границы.", "KAZ"),
    ("ru", "Белоруссия не примет участия в саммите в Вене.", "BLR"),
    ("ru", "Песков назвал неправдой утверждения, будто Москва предлагала перемирие.", "RUS"),
]
TRAPS = [
    ("zh", "这家中国公司否认了与美国企业的合并传闻。"),
    ("zh", "该国执政党发言人否认参与组建联合政府的谈判。"),
    ("ja", "野党の幹部は、政府との協議の報道を否定した。"),
    ("ko", "야당 대변인은 정부와의 협상 보도를 부인했다."),
    ("tr", "CHP Sözcüsü, hükümetle görüşme yapıldığı iddialarını yalanladı."),
    ("tr", "Kulüp Başkanı, Rus oyuncunun transfer iddialarını yalanladı."),
    ("fa", "سخنگوی حزب این خبر را تکذیب کرد."),
    ("pl", "Rzecznik partii zaprzeczył doniesieniom o rozmowach koalicyjnych."),
    ("uk", "Речник партії спростував чутки про коаліцію."),
    ("he", "דובר המפלגה הכחיש את הדיווח על מגעים קואליציוניים."),
    ("ja", "政府は報道について肯定も否定もしなかった。"),
    ("ko", "삼성전자는 미국 공장 철수설을 부인했다."),                       # "미국 공장": a US plant
    ("uk", "Нафтогаз України спростовує інформацію про борги перед Росією."),   # a company "of Ukraine"
    ("tr", "Türk Hava Yolları, Rusya uçuşlarının iptal edildiği iddialarını yalanladı."),
    ("fa", "شرکت ملی نفت ایران گزارش‌های مربوط به توقف صادرات را تکذیب کرد."),
    ("es", "El Real Madrid desmintió el fichaje del delantero argentino."),
    ("es", "La empresa chilena negó haber despedido a trabajadores en Perú."),
    ("it", "La Juventus smentisce la trattativa per l'attaccante francese."),
    ("it", "Il sindacato ha deciso di non partecipare all'incontro con il governo."),
    ("pt", "O Benfica desmentiu a venda do avançado brasileiro."),
    ("ar", "نفت الشركة المصرية الأنباء عن بيع فرعها في السعودية."),
    ("ar", "رفض النادي الجزائري المشاركة في البطولة."),
    ("ru", "ЦСКА опроверг информацию о переходе российского защитника."),
    ("ru", "Компания «Газпром» опровергла сообщения о сокращении поставок в Китай."),
]


@pytest.mark.parametrize("lang, body, code", VARIANTS)
def test_invented_variants_fire_with_the_right_denier(engine, lang, body, code):
    deniers = _deniers(engine, lang, body)
    assert deniers and set(deniers) == {code}, deniers


@pytest.mark.parametrize("lang, body", TRAPS)
def test_invented_traps_stay_silent(engine, lang, body):
    assert _deniers(engine, lang, body) == []


def test_prefilter_keeps_every_alert_in_the_new_languages(engine):
    """The literals chosen for CJK, Hangul, Arabic-script and Hebrew regexes never hide a match:
    the same alerts with and without stage 1, on the variants and the traps above."""
    cases = [(lang, body) for lang, body, _ in VARIANTS] + TRAPS
    for lang, body in cases:
        article = Article(body=body, lang=lang)
        fast = [(a.rule_id, a.denier and a.denier.code) for a in engine.alerts(article)]
        slow = [(a.rule_id, a.denier and a.denier.code) for a in engine.alerts(article, prefilter=False)]
        assert fast == slow, (lang, body)


@pytest.mark.parametrize("lang, text", [
    ("zh", "外交部发言人表示，有关报道纯属捏造。"), ("ja", "外務省は報道を否定した。"),
    ("ko", "외교부는 보도를 부인했다."), ("tr", "Dışişleri Bakanlığı iddiaları yalanladı."),
    ("fa", "وزارت امور خارجه این خبر را تکذیب کرد."), ("pl", "MSZ zaprzecza doniesieniom."),
    ("uk", "МЗС України спростувало повідомлення."), ("he", "משרד החוץ הכחיש את הדיווח."),
])
def test_articles_without_lang_are_detected(engine, lang, text):
    from dementi.rules.nlp import detect_language

    assert detect_language(text) == lang
    assert engine.alerts(Article(body=text)), (lang, text)   # no `lang`: detected, then the pack runs
