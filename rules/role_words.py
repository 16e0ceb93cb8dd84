"""Words that tell an actor's role around a cue, per language (lower case, accents kept).

WHY a word list and not a parse: only French has a dependency parser here; English, Spanish,
German, Italian, Portuguese, Russian, Arabic and the other languages run on blank pipelines. A
handful of closed-class words (prepositions, "by"/"par", "said"/"a déclaré", "allegations of",
"selon") is enough to tell the one who speaks from the state a claim is about in most news
sentences (rules/roles.py). A language without an entry gets the union of all entries for the
closed classes that are safe across languages, and no word at all for the others.

Adding a language: one entry in each table; words are compared with the token's lower-case text
(``Token.lower_``), so write them as they appear ("à", "d'", "d’" both).
"""

from __future__ import annotations


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Prepositions: an actor right after one (skipping determiners) is a complement, not the speaker:
# "talks WITH Moscow", "la vente d'armes À la Libye", "reports ABOUT Kenya".
PREPOSITIONS: dict[str, frozenset[str]] = {
    "en": _w("in at on with to from against about over between into toward towards for of among under near across "
             "through after before upon onto via within without concerning regarding amid around including involving "
             "like than"),
    "fr": _w("à au aux avec contre sur entre envers pour dans en vers chez de du des d' d’ sans sous depuis après avant "
             "auprès parmi concernant"),
    "es": _w("a al en con contra sobre entre hacia para de del desde ante tras sin bajo"),
    "pt": _w("a à ao aos às em no na nos nas com contra sobre entre para de do da dos das desde ante sem sob"),
    "it": _w("a al alla ai alle in nel nella nei nelle con contro su sul sulla tra fra per di del della dei delle "
             "degli verso senza"),
    "de": _w("in im an am auf mit gegen über zwischen für nach zu zum zur aus bei beim gegenüber um unter ohne "
             "seit vor hinter"),
    "ru": _w("в во на с со к ко о об обо против между для из у по при за над под без после до"),
    "uk": _w("в у на з із зі до о об про проти між для від при за над під без після"),
    "pl": _w("w we na z ze do o przeciw przeciwko między dla od przy za nad pod bez po u podczas wobec ku "
             "spośród dzięki"),
    "ar": _w("في على مع ضد بين إلى الى عن حول تجاه"),
}
# Genitive links: "the spokesman OF X" (X speaks), "the allegations OF X" (X claims), "the visit OF
# X" (X is content). Decided by the noun before the link.
GENITIVE: dict[str, frozenset[str]] = {
    "en": _w("of"), "fr": _w("de du des d' d’"), "es": _w("de del"), "pt": _w("de do da dos das"),
    "it": _w("di del della dello dei degli delle"), "de": _w("von vom"),
}
# Passive agent: "denied BY Beijing", "démenti PAR Moscou".
AGENT: dict[str, frozenset[str]] = {
    "en": _w("by"), "fr": _w("par"), "es": _w("por"), "pt": _w("por pelo pela pelos pelas"),
    "it": _w("da dal dalla dai dalle"), "de": _w("von vom durch"), "pl": _w("przez"),
}
# Sources: "FROM Paris came the denial", "da Parigi arriva la smentita" (before a noun cue).
SOURCES: frozenset[str] = _w("from de d' d’ desde da dal dalla von aus из от від з z ze من")
# Stance markers: "SELON Moscou, ...", "ACCORDING TO Kyiv", "FOR Beijing, the matter is closed"
# (the last kind only when it opens the clause: "for" is a preposition elsewhere).
STANCE: dict[str, frozenset[str]] = {
    "en": _w("according"), "fr": _w("selon d'après d’après"), "es": _w("según segun"), "pt": _w("segundo"),
    "it": _w("secondo"), "de": _w("laut zufolge"), "ru": _w("словам мнению"), "uk": _w("словами думку"),
    "ar": _w("بحسب حسب وفقا وفق"), "pl": _w("według wedlug"),
}
STANCE_AT_CLAUSE_START: frozenset[str] = _w("for pour para per für dla")
# Reporting verbs: "..., SAID the ministry", "..., the ministry SAID", «…», A DÉCLARÉ Moscou.
SPEECH: dict[str, frozenset[str]] = {
    "en": _w("said says say told tells added adds stated states insisted insists stressed stresses declared "
             "declares noted notes wrote writes explained explains argued argues maintained maintains "
             "responded replied asserted asserts affirmed announced announces warned warns underlined "
             "emphasised emphasized commented continued concluded retorted countered replied reiterated "
             "confirmed clarified"),
    "fr": _w("déclaré déclare dit affirmé affirme ajouté ajoute indiqué indique précisé précise souligné souligne "
             "martelé martèle assuré assure expliqué explique estimé estime insisté insiste répondu répond "
             "rappelé rappelle poursuivi poursuit écrit écrit lancé lance commenté commente tranché tranche "
             "réagi réagit fustigé fustige dénoncé dénonce observé observe noté note conclu conclut "
             "déclarait affirmait ajoutait indiquait précisait soulignait assurait expliquait réplique répliqué "
             "rétorque rétorqué riposte riposté martelait insistait répète répété réitéré confirmé"),
    "es": _w("dijo afirmó declaró señaló añadió agregó aseguró indicó explicó subrayó insistió sostuvo manifestó "
             "expresó apuntó recalcó precisó dice afirma declara señala añade agrega asegura indica explica"),
    "pt": _w("disse afirmou declarou acrescentou explicou ressaltou sublinhou assegurou indicou frisou salientou "
             "diz afirma declara acrescenta explica"),
    "it": _w("detto dichiarato affermato aggiunto sottolineato spiegato precisato ribadito assicurato "
             "dice afferma dichiara aggiunge sottolinea spiega"),
    "de": _w("sagte sagt erklärte erklärt betonte betont fügte hieß heißt teilte teilt schrieb schreibt "
             "so meinte unterstrich bekräftigte versicherte"),
    "ru": _w("заявил заявила заявило заявили сказал сказала сказало сказали отметил отметила отметило отметили "
             "подчеркнул подчеркнула подчеркнуло подчеркнули добавил добавила добавило добавили сообщил сообщила "
             "сообщило сообщили пояснил пояснила пояснило пояснили указал указала указало указали рассказал "
             "рассказала рассказало рассказали написал написала написали заявляют сообщают говорится"),
    "uk": _w("заявив заявила заявило заявили сказав сказала сказало сказали зазначив зазначила зазначило "
             "зазначили наголосив наголосила наголосило наголосили додав додала додало додали повідомив повідомила "
             "повідомило повідомили розповів розповіла розповіло розповіли написав написала написали "
             "заявляють наголошують повідомляють йдеться"),
    "pl": _w("powiedział powiedziała powiedziało powiedzieli oświadczył oświadczyła oświadczyło oświadczyli dodał "
             "dodała dodało dodali podkreślił podkreśliła podkreśliło podkreślili stwierdził stwierdziła "
             "stwierdziło stwierdzili poinformował poinformowała poinformowało poinformowali napisał napisała"),
    "ar": _w("قال قالت وقال وقالت أضاف أضافت وأضاف وأضافت أكد أكدت وأكد وأكدت صرح صرحت"),
}
# Nouns of a claim: the actor they name (by a genitive, "by", a possessive or as a modifier) is the
# one who made the claim, the denial's TARGET, never its author: "les accusations DE Washington",
# "Kyiv's ALLEGATIONS", "US CLAIMS".
CLAIM_NOUNS: frozenset[str] = _w(
    "allegation allegations claim claims accusation accusations charge charges report reports assertion assertions "
    "accusing suggestion suggestions insinuation insinuations rumour rumours rumor rumors "
    "information informations story stories article articles speculation news "
    "allégation allégations affirmation affirmations accusation accusations rumeur rumeurs propos informations "
    "rapport rapports nouvelle nouvelles version versions thèse récit spéculations "
    "acusación acusaciones denuncia denuncias afirmaciones versiones rumores informaciones señalamientos "
    "información informe informes noticia noticias versión "
    "acusação acusações alegação alegações denúncia denúncias afirmações rumores informação informações "
    "notícia notícias reportagem relatório "
    "accusa accuse affermazioni notizie voci notizia informazione informazioni indiscrezioni "
    "vorwurf vorwürfe behauptung behauptungen bericht berichte berichten meldung meldungen anschuldigungen "
    "обвинения обвинений обвинение утверждения утверждений утверждение заявления слух слуха слухи слухов "
    "сообщения сообщение информация информацию информации публикация публикацию публикации данные "
    "звинувачення твердження заяви чутки повідомлення "
    "oskarżenia oskarżeń zarzuty twierdzenia doniesienia "
    "ادعاءات اتهامات مزاعم تقارير أنباء")
# Verbs of a claim before "by": "as CLAIMED by the Kremlin", "ALLEGED by Kyiv".
CLAIM_VERBS: frozenset[str] = _w(
    "claimed alleged reported asserted suggested accused affirmé prétendu allégué rapporté avancé affirmado "
    "denunciado alegado acusado behauptet berichtet vorgeworfen affermato denunciato accusato alegado")
# After a claim noun, these open the claim itself: "reports THAT Russia…", "les informations
# SELON LESQUELLES Paris…", "Berichte, WONACH…". An actor between there and the cue is content.
CLAIM_OPENERS: frozenset[str] = _w(
    "that of about on concerning regarding que qu' qu’ lesquelles laquelle lequel lesquels sur concernant "
    "de sobre cuales dass wonach über che cui su sul sulla что о об том про że بأن أن عن حول")
# Nouns whose complement is the speaker: "the spokesman FOR the Chilean government", "la voix
# de", "au nom de", "a source in", "officials in".
SPEAKER_NOUNS: frozenset[str] = _w(
    "spokesman spokeswoman spokesperson spokespeople official officials source sources representative "
    "representatives envoy envoys delegation voice behalf name secretary aide aides adviser advisers advisor "
    "advisors counsellor minister ministry government embassy ambassador "
    "office authorities leader leaders president head chief diplomat diplomats negotiator negotiators "
    "porte-parole responsable responsables représentant représentants représentante envoyé envoyée délégation "
    "voix nom part ministre ministère gouvernement ambassade ambassadeur ambassadrice autorités dirigeant "
    "dirigeants président présidente chef services cabinet diplomatie conseiller conseillère diplomate diplomates "
    "portavoz vocero vocera fuente fuentes representante delegación nombre ministro ministra ministerio gobierno "
    "embajada embajador embajadora autoridades presidente presidenta jefe jefa cancillería "
    "sprecher sprecherin vertreter vertreterin regierung ministerium botschaft botschafter botschafterin "
    "delegation behörden präsident präsidentin chef "
    "portavoce fonte fonti rappresentante delegazione ministero governo ambasciata ambasciatore autorità capo "
    "porta-voz fontes delegação ministério governo embaixada embaixador autoridades chefe "
    "представитель представителя пресс-секретарь источник источники делегация министр министерство "
    "правительство посольство посол власти президент глава "
    "джерело джерела речник речниця представник міністерство уряд посольство офіс "
    "rzecznik rzeczniczka źródło źródła przedstawiciel ministerstwo rząd ambasada")
# Prepositions that join a speaking noun to the state it speaks for ("the spokesman FOR", "officials
# IN Moscow"); "in/à/en" not after an envoy noun ("the ambassador TO Japan", "l'ambassade de France
# AU Sénégal" name the host country).
OWNER_LINKS: frozenset[str] = _w("for pour para per für dla") | _w("of de du des d' d’ del do da dos das di della von vom")
OWNER_PLACES: frozenset[str] = _w("in en à au aux dans a em no na nel nella im в во у w на")
# Nouns of those who serve a person or office, joined to it by "to": "an adviser TO the Peruvian
# president", "a spokeswoman to the prime minister" (not an envoy "to Japan": HOSTED_NOUNS).
AIDE_NOUNS: frozenset[str] = _w(
    "adviser advisers advisor advisors aide aides counsellor counselor spokesman spokeswoman spokesperson secretary")
HOSTED_NOUNS: frozenset[str] = _w(
    "ambassador ambassadors embassy envoy envoys delegation mission consulate consul diplomat diplomats "
    "ambassade ambassadeur ambassadrice ambassadeurs envoyé envoyée délégation mission consulat consul "
    "embajada embajador embajadora delegación misión consulado embaixada embaixador delegação missão "
    "ambasciata ambasciatore delegazione missione botschaft botschafter botschafterin delegation "
    "посольство посол делегация миссия консульство")
# Conjunctions that coordinate two actors ("Russia AND China", "la France ET l'Allemagne"): the
# second shares the role of the first.
COORDINATORS: frozenset[str] = _w("and or nor et ou ni y o e und oder sowie i и или та або lub oraz و أو ,")
# Words that end a clause (an actor after one of these, before the cue, opens a new clause).
CLAUSE_WORDS: frozenset[str] = _w(
    "and but while whereas although though because since when if that which who whom whose "
    "et mais tandis alors que qu' qu’ qui dont lorsque quand si car puisque "
    "y pero mientras aunque porque cuando si que quien cuyo "
    "und aber während obwohl weil wenn dass der die das welche welcher "
    "e ma mentre perché quando se che cui "
    "mas enquanto porque quando se que "
    "и но а что который которая которые когда если "
    "і але що який яка які коли якщо "
    "i ale że który która którzy gdy jeśli "
    "و لكن بينما أن إن الذي التي")
CLAUSE_PUNCT: frozenset[str] = frozenset(',;:()[]«»"“”„—–،؛、，；：。「」『』')
# Determiners and other light words that may stand between a clause start and its subject.
DETERMINERS: dict[str, frozenset[str]] = {
    "en": _w("the a an this that these those its their his her also now then meanwhile however yesterday today "
             "earlier later"),
    "fr": _w("le la les l' l’ un une ce cet cette ces son sa ses leur leurs hier aujourd'hui aujourd’hui "
             "également aussi désormais"),
    "es": _w("el la los las lo un uno una su sus este esta estos estas ayer hoy también"),
    "pt": _w("o a os as um uma seu sua seus suas este esta ontem hoje também"),
    "it": _w("il lo la l' l’ i gli le un uno una suo sua ieri oggi anche"),
    "de": _w("der die das den dem des ein eine einer einem eines sein seine ihre gestern heute auch"),
    "ru": _w("тоже также вчера сегодня"), "uk": _w("також вчора сьогодні"), "pl": _w("także również wczoraj dziś"),
}
# Subject pronouns that can stand for the speaker introduced in an earlier sentence.
PRONOUNS: dict[str, frozenset[str]] = {
    "en": _w("he she they"), "fr": _w("il elle ils elles -il -elle -ils -elles"),
    "es": _w("él ella ellos ellas"), "pt": _w("ele ela eles elas"), "it": _w("lui lei egli ella essi"),
    "de": _w("er sie"), "ru": _w("он она они"), "uk": _w("він вона вони"), "pl": _w("on ona oni one"),
}
# Honorifics before a surname: "M. Li", "Mr Geng", "Frau Baerbock".
HONORIFICS: frozenset[str] = _w(
    "m. mr mr. mrs mrs. ms ms. mme mme. mlle dr dr. herr frau sr. sra. sig. sig.ra signor signora señor señora "
    "senhor senhora pan pani г-н г-жа господин госпожа")


def words(table: dict[str, frozenset[str]], lang: str | None) -> frozenset[str]:
    """The table's words for ``lang``; the union of all languages when it has no entry."""
    found = table.get(lang or "")
    if found is not None:
        return found
    return _UNIONS.setdefault(id(table), frozenset().union(*table.values()))


_UNIONS: dict[int, frozenset[str]] = {}
