"""Inflected surface forms for ``lemma`` conditions (fr, en, es, de), folded like the text.

WHY: spaCy's lemma is right inside sentences but wrong on fragments and titles ("Moscou dément"
-> ADV), the blank pipelines of en/es/de only have lookup tables, and the prefilter needs literal
strings anyway. So a ``lemma: démentir`` condition also matches any token whose folded surface form
is one of the forms generated here (dément, démentait, démenti, démentira...). Over-generation is
cheap (a few wrong forms that no text contains); missing a common form is what hurts, hence the
irregular tables for the verbs that rules actually use.
"""

from __future__ import annotations

from functools import lru_cache

from dementi.rules.folding import fold

# ---------------------------------------------------------------- French
_FR_IRREGULAR: dict[str, str] = {
    "etre": "suis es est sommes etes sont etait etaient sera seront serait seraient ete etant fut furent soit soient",
    "avoir": "ai as a avons avez ont avait avaient aura auront aurait auraient eu eue eus eues ayant eut eurent ait aient",
    "aller": "vais vas va allons allez vont allait allaient ira iront irait iraient alle allee alles allees allant",
    "pouvoir": "peux peut pouvons pouvez peuvent pouvait pouvaient pourra pourront pourrait pourraient pu pouvant put purent puisse puissent",
    "vouloir": "veux veut voulons voulez veulent voulait voulaient voudra voudront voudrait voudraient voulu voulant voulut voulurent veuille veuillent",
    "devoir": "dois doit devons devez doivent devait devaient devra devront devrait devraient du due dus dues devant dut durent doive",
    "savoir": "sais sait savons savez savent savait savaient saura sauront saurait sauraient su sachant sut surent sache",
    "voir": "vois voit voyons voyez voient voyait voyaient verra verront verrait verraient vu vue vus vues voyant vit virent",
}
# Families sharing a conjugation: (lemma ending, forms built on the part before the ending).
_FR_FAMILIES: tuple[tuple[str, str], ...] = (
    ("dire", "dis dit disons dites disez disent disait disaient dira diront dirait diraient dite dits disant dise"),
    ("faire", "fais fait faisons faites font faisait faisaient fera feront ferait feraient faits faisant fit firent fasse"),
    ("venir", "viens vient venons venez viennent venait venaient viendra viendront viendrait viendraient venu venue venus venues venant vint vinrent vienne"),
    ("tenir", "tiens tient tenons tenez tiennent tenait tenaient tiendra tiendront tiendrait tiendraient tenu tenue tenus tenues tenant tint tinrent tienne"),
    ("prendre", "prends prend prenons prenez prennent prenait prenaient prendra prendront prendrait prendraient pris prise prises prenant prit prirent prenne"),
    ("mettre", "mets met mettons mettez mettent mettait mettaient mettra mettront mettrait mettraient mis mise mises mettant mit mirent mette"),
    ("uire", "uis uit uisons uisez uisent uisait uisaient uira uiront uirait uiraient uite uits uites uisant uisit uisirent uise"),
    ("aitre", "ais ait aissons aissez aissent aissait aissaient aitra aitront aitrait aitraient u ue us ues aissant ut urent aisse"),
    ("cevoir", "cois coit cevons cevez coivent cevait cevaient cevra cevront cevrait cevraient cu cue cus cues cevant cut curent coive"),
    ("clure", "clus clut cluons cluez cluent cluait cluaient clura cluront clurait cluraient clu clue clues cluant clurent clue"),
    ("ompre", "omps ompt ompons ompez ompent ompait ompaient ompra ompront omprait ompraient ompu ompue ompus ompues ompant ompit ompirent"),
    ("vrir", "vre vres vrons vrez vrent vrait vraient vrira vriront vrirait vriraient vert verte verts vertes vrant vrit vrirent"),
    ("frir", "fre fres frons frez frent frait fraient frira friront frirait friraient fert ferte ferts fertes frant frit frirent"),
    # envoyer/renvoyer: future and conditional on enverr- (the only -oyer verbs that do so)
    ("envoyer", "envoie envoies envoient envoyons envoyez envoyais envoyait envoyions envoyiez envoyaient enverrai "
                "enverras enverra enverrons enverrez enverront enverrais enverrait enverrions enverriez enverraient "
                "envoye envoyee envoyes envoyees envoyant envoya envoyerent envoient"),
    # prévoir, revoir, entrevoir (pré-/pourvoir also build a regular future: both kept)
    ("voir", "vois voit voyons voyez voient voyait voyaient verra verront verrait verraient voira voiront voirait "
             "voiraient vu vue vus vues voyant vit virent voie"),
)
_FR_ER = ("e es ons ez ent ais ait ions iez aient ai as a ames ates erent erai eras era erons erez eront "
          "erais erait erions eriez eraient e ee es ees ant").split()
_FR_IR2 = ("is it issons issez issent issais issait issions issiez issaient ira iront irait iraient irai "
           "i ie is ies issant irent isse").split()
_FR_IR3 = ("ons ez ent ais ait ions iez aient ira iront irait iraient irai i ie is ies ant it irent e es").split()
_FR_RE = ("s  ons ez ent ais ait ions iez aient ra ront rait raient rai u ue us ues ant it irent e es").split(" ")


def _fr(lemma: str) -> set[str]:
    for prefix in ("se ", "s'"):
        if lemma.startswith(prefix):
            lemma = lemma[len(prefix):]
    forms = {lemma}
    if lemma in _FR_IRREGULAR:
        return forms | set(_FR_IRREGULAR[lemma].split())
    for ending, family in _FR_FAMILIES:
        if lemma.endswith(ending):
            head = lemma[: -len(ending)]
            return forms | {head + f for f in family.split()}
    if lemma.endswith("er"):
        stem = lemma[:-2]
        stems = {stem}
        if stem.endswith("g"):
            stems.add(stem + "e")  # mangeons
        if stem.endswith("y"):
            stems.add(stem[:-1] + "i")  # nettoie
        if stem.endswith(("et", "el")):
            stems.add(stem + stem[-1])  # rejette, appelle
        forms |= {s + e for s in stems for e in _FR_ER}
    elif lemma.endswith("ir"):
        stem = lemma[:-2]
        forms |= {stem + e for e in _FR_IR2}
        if stem.endswith(("t", "m", "v")):  # démentir, partir, dormir, servir
            forms |= {stem[:-1] + "s", stem} | {stem + e for e in _FR_IR3}
    elif lemma.endswith("re"):
        stem = lemma[:-2]
        forms |= {stem + e for e in _FR_RE}
        if stem.endswith("nd") and stem[-3:-2] in ("i", "a", "o"):  # craindre, joindre
            s2 = stem[:-1]
            forms |= {s2 + "s", s2 + "t", s2[:-1] + "gnons", s2[:-1] + "gnent", s2[:-1] + "gnait", s2 + "te"}
    else:
        forms |= {lemma + "s", lemma + "x"}
    return forms


# ---------------------------------------------------------------- English
_EN_IRREGULAR: dict[str, str] = {
    "be": "am is are was were been being", "have": "has had having", "do": "does did done doing",
    "say": "says said saying", "tell": "tells told telling", "take": "takes took taken taking",
    "give": "gives gave given giving", "make": "makes made making", "hold": "holds held holding",
    "break": "breaks broke broken breaking", "withdraw": "withdraws withdrew withdrawn withdrawing",
    "meet": "meets met meeting", "keep": "keeps kept keeping", "stand": "stands stood standing",
    "send": "sends sent sending", "speak": "speaks spoke spoken speaking", "rebut": "rebuts rebutted rebutting",
    "go": "goes went gone going", "come": "comes came coming", "leave": "leaves left leaving",
    "get": "gets got gotten getting", "put": "puts putting", "set": "sets setting", "let": "lets letting",
    "see": "sees saw seen seeing", "seek": "seeks sought seeking", "think": "thinks thought thinking",
    "bring": "brings brought bringing", "begin": "begins began begun beginning", "win": "wins won winning",
    "choose": "chooses chose chosen choosing", "write": "writes wrote written writing",
    "forbid": "forbids forbade forbidden forbidding", "fight": "fights fought fighting",
    "lead": "leads led leading", "draw": "draws drew drawn drawing", "quit": "quits quitting",
    "bid": "bids bidding", "run": "runs ran running", "shut": "shuts shutting", "sit": "sits sat sitting",
    "rule": "rules ruled ruling", "swear": "swears swore sworn swearing", "tear": "tears tore torn tearing",
}
# "undertake", "withdraw", "overrule", "uphold": an irregular verb after one of these prefixes
_EN_PREFIXES = ("under", "with", "over", "out", "up", "re", "fore", "mis", "be", "counter")


def _en(lemma: str) -> set[str]:
    forms = {lemma}
    if lemma in _EN_IRREGULAR:
        return forms | set(_EN_IRREGULAR[lemma].split())
    for prefix in _EN_PREFIXES:
        base = lemma[len(prefix):]
        if lemma.startswith(prefix) and base in _EN_IRREGULAR and len(base) > 2:
            return forms | {prefix + f for f in _EN_IRREGULAR[base].split()}
    vowels = "aeiou"
    if lemma.endswith("y") and len(lemma) > 1 and lemma[-2] not in vowels:
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    elif lemma.endswith("ie"):
        forms |= {lemma + "s", lemma + "d", lemma[:-2] + "ying"}
    elif lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", (lemma if lemma.endswith("ee") else lemma[:-1]) + "ing"}
    else:
        plural = lemma + ("es" if lemma.endswith(("s", "x", "z", "ch", "sh", "o")) else "s")
        forms |= {plural, lemma + "ed", lemma + "ing"}
        if len(lemma) >= 3 and lemma[-1] not in vowels + "wxy" and lemma[-2] in vowels and lemma[-3] not in vowels:
            forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}  # stop -> stopped
    return forms


# ---------------------------------------------------------------- Spanish
_ES_END = {
    "ar": "o as a amos ais an e aste o aron aba abas aban abamos ado ada ados adas ando e es en emos",
    "er": "o es e emos eis en i iste io imos ieron ia ias ian iamos ido ida idos idas iendo a as an amos",
    "ir": "o es e imos is en i iste io imos ieron ia ias ian iamos ido ida idos idas iendo a as an amos",
}
_ES_FUT = "e as a emos eis an ia ias ian iamos".split()


# Irregular stems, also after a prefix (contradecir, mantener, oponerse, intervenir, deshacer):
# lemma ending -> forms built on the part before it. Short verbs (ir, ser, ver, dar) only exactly.
_ES_IRREGULAR_FAMILIES: tuple[tuple[str, str], ...] = (
    ("decir", "digo dice dices dicen decimos dijo dije dijeron dijera dira diran diria dirian dicho dicha diga digan diciendo"),
    ("hacer", "hago hace haces hacen hacemos hizo hice hicieron hiciera hara haran haria harian hecho hecha haga hagan haciendo"),
    ("tener", "tengo tiene tienes tienen tenemos tuvo tuve tuvieron tuviera tendra tendran tendria tendrian tenido tenga tengan teniendo"),
    ("poner", "pongo pone pones ponen ponemos puso puse pusieron pusiera pondra pondran pondria pondrian puesto puesta ponga pongan poniendo"),
    ("venir", "vengo viene vienes vienen venimos vino vine vinieron viniera vendra vendran vendria vendrian venido venga vengan viniendo"),
    ("traer", "traigo trae traen trajo trajeron traera traeria traido traiga trayendo"),
    ("querer", "quiero quiere quieren quiso quisieron querra querran querria querido quiera"),
    ("poder", "puedo puede pueden pudo pudieron podra podran podria podrian podido pueda puedan pudiendo"),
    ("salir", "salgo sale salen salio salieron saldra saldran saldria saldrian salido salga"),
)
_ES_IRREGULAR: dict[str, str] = {
    "ir": "voy va vas van vamos fue fui fueron iba iban ira iran iria irian ido vaya vayan yendo",
    "ser": "soy es son somos era eran fue fueron sera seran seria serian sido sea sean siendo",
    "ver": "veo ve ven vemos vio vieron vera veran veria verian visto vista vea vean viendo",
    "dar": "doy da dan damos dio dieron dara daran daria darian dado de den dando",
    "estar": "estoy esta estan estuvo estuvieron estara estaria estado este esten",
}


def _es(lemma: str) -> set[str]:
    forms = {lemma}
    if lemma.endswith("se"):
        lemma = lemma[:-2]
    if lemma in _ES_IRREGULAR:
        return forms | {lemma} | set(_ES_IRREGULAR[lemma].split())
    for ending, family in _ES_IRREGULAR_FAMILIES:
        if lemma.endswith(ending):
            head = lemma[: -len(ending)]
            forms |= {head + f for f in family.split()}  # plus the regular forms below (present tense)
            break
    if len(lemma) < 3 or lemma[-2:] not in _ES_END:
        return forms | {lemma + "s", lemma + "es"}
    stem, ending = lemma[:-2], lemma[-2:]
    stems = {stem}
    for vowel, changed in (("e", ("ie", "i")), ("o", ("ue", "u"))):
        idx = stem.rfind(vowel)
        if idx >= 0:
            stems |= {stem[:idx] + c + stem[idx + 1:] for c in changed}
    for old, new in (("z", "c"), ("c", "qu"), ("g", "gu")):
        if ending == "ar" and stem.endswith(old):
            stems.add(stem[: -len(old)] + new)
    forms |= {s + e for s in stems for e in _ES_END[ending].split()}
    forms |= {lemma + e for e in _ES_FUT}
    return forms


# ---------------------------------------------------------------- German
_DE_SEPARABLE = ("zuruck", "zurueck", "entgegen", "weiter", "statt", "fest", "fern", "teil", "nach", "weg", "auf",
                 "aus", "bei", "ein", "mit", "vor", "dar", "los", "hin", "her", "ab", "an", "zu")
_DE_INSEPARABLE = ("be", "ge", "er", "ver", "zer", "ent", "emp", "miss")
_DE_STRONG: dict[str, str] = {
    "weisen": "weist wies wiesen gewiesen", "streiten": "streitet stritt stritten gestritten",
    "nehmen": "nimmt nahm nahmen genommen", "sprechen": "spricht sprach sprachen gesprochen",
    "geben": "gibt gab gaben gegeben", "halten": "halt hielt hielten gehalten", "sein": "ist sind war waren gewesen",
    "schlagen": "schlagt schlug schlugen geschlagen", "ziehen": "zieht zog zogen gezogen",
    "gehen": "geht ging gingen gegangen", "kommen": "kommt kam kamen gekommen", "treten": "tritt trat traten getreten",
    "bleiben": "bleibt blieb blieben geblieben", "senden": "sendet sandte sandten gesandt gesendet",
    "schreiben": "schreibt schrieb schrieben geschrieben", "nennen": "nennt nannte nannten genannt",
    "stehen": "steht stand standen gestanden", "sehen": "sieht sah sahen gesehen", "finden": "findet fand fanden gefunden",
    "werfen": "wirft warf warfen geworfen", "rufen": "ruft rief riefen gerufen", "treffen": "trifft traf trafen getroffen",
    "brechen": "bricht brach brachen gebrochen", "bieten": "bietet bot boten geboten", "tun": "tut tat taten getan",
    "schliessen": "schliesst schloss schlossen geschlossen", "schließen": "schließt schloss schlossen geschlossen",
    "lassen": "lasst laßt ließ liess ließen liessen gelassen", "fahren": "fahrt fuhr fuhren gefahren",
}


def _de(lemma: str) -> set[str]:
    forms = {lemma}
    prefix = next((p for p in _DE_SEPARABLE if lemma.startswith(p) and len(lemma) > len(p) + 3), "")
    base = lemma[len(prefix):]
    if not base.endswith("n"):
        return forms | {lemma + "e", lemma + "en", lemma + "s"}
    stem = base[:-2] if base.endswith("en") else base[:-1]
    ge = "" if base.endswith("ieren") or base.startswith(_DE_INSEPARABLE) else "ge"
    finite = {stem + e for e in ("e", "st", "t", "et", "en", "te", "test", "ten", "tet", "end", "ete", "eten")}
    participle = {prefix + ge + stem + "t"}
    strong_key = next((k for k in _DE_STRONG if base.endswith(k)), None)
    if strong_key:
        head = base[: -len(strong_key)]
        for f in _DE_STRONG[strong_key].split():
            if f.startswith("ge"):
                participle.add(prefix + (f if not head or head in _DE_INSEPARABLE else head + f))
                participle.add(prefix + head + f[2:])
            else:
                finite.add(head + f)
    forms |= finite | participle
    if prefix:
        forms |= {prefix + f for f in finite}  # subordinate clause: "dass er ... ablehnt"
        forms.add(prefix + "zu" + base)
    return forms


_GENERATORS = {"fr": _fr, "en": _en, "es": _es, "de": _de}
SUPPORTED_LANGUAGES = tuple(_GENERATORS)


@lru_cache(maxsize=8192)
def surface_forms(lemma: str, languages: tuple[str, ...] = ()) -> frozenset[str]:
    """Folded surface forms of ``lemma`` for the given languages (all supported ones if empty)."""
    folded = fold(lemma.strip())
    langs = [lang for lang in (languages or SUPPORTED_LANGUAGES) if lang in _GENERATORS]
    forms = {folded}
    for lang in langs:
        forms |= {f for f in _GENERATORS[lang](folded) if f}
    return frozenset(forms)
