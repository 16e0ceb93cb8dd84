"""A small multilingual concept lexicon for linking one story across languages (fr/en/es/de).

WHY: two reports of one event in different languages share almost no words, but they share what
the event is about: a submarine, drones, talks, an embassy, a summit. EMM links stories across
languages with language-independent features (named entities, numbers, multilingual thesaurus
descriptors); this is the thesaurus part, kept to the vocabulary of diplomatic denials and
refusals. Cue words (deny, reject, refuse, attend...) are deliberately absent: every alert has them.

Forms are folded (lower case, no accents: ``rules.folding.fold``). A form ending in ``*`` is a
prefix (``negocia*`` = negociación, negociaciones, negociar...); any other form matches the whole
word, plus a plural ``s``/``es``/``en``/``n``. German compounds (``Panzerlieferung``) match a
German form of at least 5 letters found inside the word.
"""

from __future__ import annotations

from functools import lru_cache

# concept -> forms in en, fr, es, de (one flat tuple; the languages overlap a lot)
CONCEPTS: dict[str, tuple[str, ...]] = {
    # --- military means
    "SUBMARINE": ("submarine", "sous-marin", "sous-marins", "submarino", "u-boot", "u-boote"),
    "DRONE": ("drone", "drones", "dron", "drohne", "drohnen"),
    "MISSILE": ("missile", "misil", "misiles", "rakete", "raketen", "rocket", "roquette", "cohete", "cohetes"),
    "TANK": ("tank", "char", "chars", "tanque", "panzer"),
    "AIRCRAFT": ("aircraft", "plane", "jet", "jets", "warplane", "avion", "avions", "aeronave", "avion", "flugzeug",
                 "kampfjet", "helicopter", "helicoptere", "helicoptero", "hubschrauber"),
    "WARSHIP": ("warship", "destroyer", "frigate", "fregate", "fregata", "fragata", "destructor", "zerstorer",
                "kriegsschiff", "fregatte"),
    "SHIP": ("ship", "vessel", "boat", "navire", "bateau", "batiment", "buque", "barco", "embarcacion", "schiff",
             "boot", "frachter", "cargo", "tanker", "petrolier", "petrolero"),
    "COASTGUARD": ("coast guard", "coastguard", "garde-cotes", "guardia costera", "kustenwache"),
    "WEAPONS": ("weapon", "arms", "armes", "arme", "armas", "arma", "waffe", "waffen", "munition*", "ammunition",
                "municion*"),
    "TROOPS": ("troops", "soldier", "soldiers", "troupe", "troupes", "soldat", "soldats", "tropa", "tropas",
               "soldado", "soldados", "truppe", "truppen", "soldaten", "militar*", "militaire*", "military"),
    "BASE": ("military base", "naval base", "base navale", "base militaire", "base naval", "base militar",
             "stutzpunkt", "marinestutzpunkt", "militarbasis", "facility", "installation navale"),
    "NUCLEAR": ("nuclear", "nucleaire", "nuclear", "atom*", "nuklear*", "uranium", "uranio", "uran",
                "enrich*", "enrichi*", "enriquec*", "anreicher*"),
    "CHEMICAL": ("chemical", "chimique", "chimiques", "quimic*", "chemisch*", "sarin", "chlorine", "chlore", "cloro",
                 "chlor"),
    "BORDER": ("border", "frontier", "frontiere", "frontera", "grenze"),
    "AIRSPACE": ("airspace", "espace aerien", "espacio aereo", "luftraum"),
    "WATERS": ("territorial waters", "eaux territoriales", "aguas territoriales", "hoheitsgewasser"),
    "FJORD": ("fjord", "fjords", "fiordo"),
    "STRAIT": ("strait", "detroit", "estrecho", "meerenge"),
    "PORT": ("port", "harbour", "harbor", "puerto", "hafen"),
    "AIRPORT": ("airport", "aeroport", "aeropuerto", "flughafen"),
    "CABLE": ("cable", "cables", "kabel", "pipeline", "gazoduc", "oleoduc", "gasoducto", "oleoducto"),
    "HOSPITAL": ("hospital", "hopital", "krankenhaus", "klinik", "clinic", "clinique", "clinica"),
    "SCHOOL": ("school", "ecole", "escuela", "schule"),
    "ATTACK": ("attack", "attacks", "attaque", "attaques", "ataque", "ataques", "angriff", "anschlag", "assault",
               "offensive", "offensiva"),
    "STRIKE": ("strike", "strikes", "airstrike", "frappe", "frappes", "bombard*", "bombing", "bombe", "bomba",
               "bombe", "luftangriff", "shelling", "raid"),
    "INCURSION": ("incursion", "incursions", "intrusion", "eindringen", "violation", "violacion", "verletzung",
                  "eingedrungen"),
    "COLLISION": ("collision", "collided", "rammed", "ramming", "eperonne", "eperonnage", "embist*", "abordaje",
                  "ramm*", "kollision", "zusammensto*"),
    "CASUALTIES": ("killed", "dead", "deaths", "casualties", "tues", "morts", "victimes", "muertos", "victimas",
                   "tote", "opfer"),
    "MASSACRE": ("massacre", "masacre", "massaker", "genocide", "genocidio", "volkermord"),
    # --- security and intelligence
    "ESPIONAGE": ("spy", "spies", "spying", "espionage", "espion*", "espia", "espias", "espionaje", "spion*",
                  "intelligence", "renseignement*", "inteligencia", "geheimdienst*"),
    "HACKING": ("hack*", "cyber*", "pirat*", "informatique", "hacker", "hackers", "cibern*", "ciberataque*",
                "computer"),
    "COUP": ("coup", "golpe", "putsch", "destabili*", "desestabiliz*"),
    "ASSASSINATION": ("assassination", "assassinat", "asesinato", "attentat", "mordanschlag", "poison*",
                      "empoisonn*", "envenen*", "vergift*", "kill plot", "kidnap*", "enlev*", "secuestr*", "entfuhr*"),
    "TERRORISM": ("terror*", "terroris*", "jihad*", "djihad*", "yihad*", "dschihad*"),
    "DETAINEES": ("detainee", "detainees", "prisoner", "prisoners", "hostage", "hostages", "detenu", "detenus",
                  "prisonnier", "prisonniers", "otage", "otages", "detenido", "detenidos", "preso", "presos",
                  "rehen", "geisel", "geiseln", "haftling", "haftlinge", "gefangene"),
    "EXTRADITION": ("extradit*", "extrad*", "auslieferung", "ausliefern", "hand over", "remettre", "entregar"),
    "SANCTIONS": ("sanction", "sanctions", "sancion", "sanciones", "sanktion", "sanktionen", "embargo"),
    "MERCENARIES": ("mercenar*", "soldner", "wagner", "paramilitar*"),
    "REBELS": ("rebel", "rebels", "rebelle", "rebelles", "rebelde", "rebeldes", "rebellen", "insurg*", "militia",
               "milice", "milicia", "miliz"),
    # --- diplomacy
    "TALKS": ("talks", "negotiation", "negotiations", "negotiat*", "pourparler", "pourparlers", "negociation*",
              "negocia*", "verhandlung", "verhandlungen", "gesprache", "dialogue", "dialogo", "dialog"),
    "MEETING": ("meeting", "meet", "met", "rencontre", "rencontrerait", "rencontrer", "reunion", "reunio",
                "reunirse", "reunido", "reuni*", "treffen", "getroffen", "encounter", "entrevue", "entrevista"),
    "SUMMIT": ("summit", "sommet", "cumbre", "gipfel", "gipfeltreffen"),
    "CONFERENCE": ("conference", "conferencia", "konferenz", "forum", "foro"),
    "VISIT": ("visit", "visite", "visita", "besuch", "trip", "voyage", "viaje", "reise"),
    "MEDIATION": ("mediation", "mediat*", "mediacion", "mediador", "vermittl*", "good offices", "bons offices",
                  "buenos oficios"),
    "AGREEMENT": ("agreement", "deal", "accord", "accords", "acuerdo", "acuerdos", "pacto", "pact", "abkommen",
                  "vereinbarung", "vertrag", "treaty", "traite", "tratado", "memorandum"),
    "DECLARATION": ("declaration", "statement", "communique", "declaracion", "erklarung", "resolution",
                    "resolucion"),
    "COALITION": ("coalition", "coalicion", "koalition", "alliance", "alianza", "allianz", "bundnis"),
    "EMBASSY": ("embassy", "ambassade", "embajada", "botschaft", "consulate", "consulat", "consulado", "konsulat"),
    "AMBASSADOR": ("ambassador", "ambassadeur", "embajador", "botschafter", "envoy", "envoys", "envoye", "enviado especial",
                   "gesandte*", "diplomat", "diplomats", "diplomate", "diplomates", "diplomatico", "diplomaticos",
                   "diplomaten"),
    "SUMMONS": ("summon*", "convoqu*", "einbestell*", "einbestellt"),
    "EXPULSION": ("expel*", "expuls*", "ausweis*", "persona non grata"),
    "APOLOGY": ("apolog*", "excuse", "excuses", "disculpa*", "entschuldig*"),
    "INVITATION": ("invitation", "invited", "invite", "invitacion", "invitado", "einladung", "eingeladen"),
    "CEASEFIRE": ("ceasefire", "cease-fire", "truce", "pause", "cessez-le-feu", "treve", "alto el fuego", "tregua",
                  "waffenruhe", "waffenstillstand", "feuerpause"),
    "PEACE": ("peace", "paix", "paz", "frieden", "friedens*"),
    "REFERENDUM": ("referendum", "volksabstimmung"),
    "ELECTION": ("election", "elections", "electoral", "elecciones", "eleccion", "wahl", "wahlen", "vote", "scrutin",
                 "votacion", "abstimmung"),
    "INTERFERENCE": ("interfer*", "ingerence", "ingerencia", "einmischung", "meddl*"),
    "ANNEXATION": ("annex*", "anexion", "anexar"),
    "RECOGNITION": ("recogni*", "reconnaissance", "reconnaitre", "reconocimiento", "anerkennung", "anerkenn*"),
    "MEMBERSHIP": ("membership", "adhesion", "adhesion", "mitgliedschaft", "beitritt", "accession"),
    # --- economy and aid
    "OIL": ("oil", "petrole", "petroleo", "erdol", "crude"),
    "GAS": ("gas", "gaz", "lng", "gnl", "erdgas"),
    "ENERGY": ("energy", "energie", "energia", "electricity", "electricite", "electricidad", "strom"),
    "LOAN": ("loan", "credit", "pret", "prestamo", "kredit", "debt", "dette", "deuda", "schulden", "bailout"),
    "TRADE": ("trade", "tariff*", "tarif*", "commerce", "comercio", "arancel*", "handel", "zoll", "zolle", "exports",
              "imports", "exportations", "importations"),
    "AID": ("aid", "aide", "ayuda", "hilfe", "assistance", "asistencia", "unterstutzung"),
    "GRAIN": ("grain", "grains", "cereales", "cereal", "getreide", "wheat", "ble", "trigo", "weizen", "food",
              "alimentaire", "alimentos", "lebensmittel"),
    "FISHING": ("fishing", "fisheries", "fish", "peche", "pesca", "pesquer*", "fischerei", "fangquote*", "fisch",
                "quota", "quotas", "cuota", "cuotas"),
    "MIGRATION": ("migration", "migrant", "migrants", "migratoire", "migracion", "migrante*", "migratori*",
                  "refugee", "refugees", "refugie", "refugies", "refugiado*", "fluchtling*", "asylum", "asile",
                  "asilo", "asyl"),
    "RADAR": ("radar", "radars", "radardaten"),
    "JOURNALIST": ("journalist*", "reporter", "reporters", "periodista*", "correspondent*", "corresponsal*",
                   "korrespondent*"),
    "FREEDOM": ("freedom", "freedoms", "liberte", "libertes", "libertad", "libertades", "freiheit"),

    "WATER": ("water", "eau", "eaux", "agua", "aguas", "wasser"),
    "SATELLITE": ("satellite", "satelite", "satellit"),
    "OLYMPICS": ("olympic*", "olympique*", "olimpic*", "olympisch*"),
    "CLIMATE": ("climate", "climat", "clima", "klima", "cop"),
    "SECURITY": ("security", "securite", "seguridad", "sicherheit", "surete", "safety"),
    "NAVIGATION": ("navigation", "shipping", "navegacion", "schifffahrt", "maritime", "maritim*", "corridor*",
                   "korridor*"),
    "CLOSURE": ("close", "closed", "closing", "closure", "shut", "shutdown", "fermer", "ferme", "fermee",
                "fermeture", "cerrar", "cerrado", "cerrada", "cierre", "schliess*", "geschlossen", "schlies*"),
    "SUPPLY": ("supply", "supplies", "shipment", "shipments", "deliveries", "delivery", "livraison", "livraisons",
               "approvisionnement*", "suministro*", "entrega", "entregas", "lieferung", "lieferungen"),
    "DEFENCE": ("defence", "defense", "defensa", "verteidigung*", "rustung*", "armament*", "armement*"),
    # --- regions named in diplomatic news (seas and areas, in the four languages)
    "SEA": ("sea", "seas", "mer", "mers", "mar", "mares", "meer", "meere", "ocean", "oceans", "oceano", "ozean"),
    "ARCTIC": ("arctic", "arctique", "artico", "arktis"),
    "BALTIC": ("baltic", "baltique", "baltico", "ostsee", "ostseeraum"),
    "BLACK_SEA": ("black sea", "mer noire", "mar negro", "schwarzes meer", "schwarzen meer", "schwarzmeer*"),
    "MEDITERRANEAN": ("mediterranean", "mediterranee", "mediterraneo", "mittelmeer*"),
    "RED_SEA": ("red sea", "mer rouge", "mar rojo", "roten meer", "rotes meer"),
    "SOUTH_CHINA_SEA": ("south china sea", "mer de chine meridionale", "mar de china meridional",
                        "sudchinesische*"),
    "SAHEL": ("sahel",),
    "BALKANS": ("balkans", "balcanes", "balkan"),
    "CAUCASUS": ("caucasus", "caucase", "caucaso", "kaukasus"),
    # --- armed groups that diplomatic denials are often about
    "TALIBAN": ("taliban", "talibans", "talibanes", "taleban"),
    "HOUTHIS": ("houthi", "houthis", "huthi", "huthis", "huti", "hutis", "houthistes"),
    "HAMAS": ("hamas",),
    "HEZBOLLAH": ("hezbollah", "hizbollah", "hezbola", "hisbollah"),
    "ISLAMIC_STATE": ("islamic state", "etat islamique", "estado islamico", "islamischer staat", "islamischen staat",
                      "daech", "daesh", "isis"),
    "AL_QAEDA": ("al-qaeda", "al-qaida", "al qaeda", "al qaida", "alqaeda"),
    "PKK": ("pkk",),
    "M23": ("m23",),
}

# Concepts that many unrelated events share: they count half when two reports are compared.
GENERIC = frozenset({"SECURITY", "MEETING", "TALKS", "AGREEMENT", "DECLARATION", "ATTACK", "TROOPS", "PEACE",
                        "AID", "TRADE", "ENERGY", "WEAPONS", "SHIP", "CONFERENCE", "VISIT", "AMBASSADOR",
                     "CASUALTIES", "STRIKE", "ELECTION", "SEA", "FREEDOM"})

WORD_FORMS: dict[str, str] = {}      # exact folded form -> concept
PREFIXES: list[tuple[str, str]] = []  # (folded prefix, concept), longest first
PHRASES: list[tuple[str, str]] = []   # multi-word folded forms -> concept (matched in the folded text)
COMPOUND_FORMS: list[tuple[str, str]] = []  # German forms (>= 5 letters) searched inside words

for _concept, _forms in CONCEPTS.items():
    for _form in _forms:
        if " " in _form:
            PHRASES.append((_form, _concept))
        elif _form.endswith("*"):
            PREFIXES.append((_form[:-1], _concept))
        else:
            WORD_FORMS.setdefault(_form, _concept)
            if len(_form) >= 5 and _form.isalpha():
                COMPOUND_FORMS.append((_form, _concept))
PREFIXES.sort(key=lambda p: -len(p[0]))
_PLURALS = ("s", "es", "en", "n")
# PREFIXES by their first letters, longest first within each bucket: a word is compared only with
# the prefixes it can start with (concept_of runs on every word of every alert's text)
_PREFIX_KEY = min((len(p) for p, _ in PREFIXES), default=1)
_PREFIXES_BY_START: dict[str, list[tuple[str, str]]] = {}
for _prefix, _concept in PREFIXES:
    _PREFIXES_BY_START.setdefault(_prefix[:_PREFIX_KEY], []).append((_prefix, _concept))


@lru_cache(maxsize=1 << 16)  # news words repeat: most calls are for a word already seen
def concept_of(word: str, lang: str | None = None) -> str | None:
    """The concept a folded word names, if any."""
    hit = WORD_FORMS.get(word)
    if hit:
        return hit
    for suffix in _PLURALS:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            hit = WORD_FORMS.get(word[: -len(suffix)])
            if hit:
                return hit
    for prefix, concept in _PREFIXES_BY_START.get(word[:_PREFIX_KEY], ()):
        if word.startswith(prefix):
            return concept
    if lang == "de" and len(word) >= 8:  # compounds: Panzerlieferung, Schwarzmeer-Konferenz
        for form, concept in COMPOUND_FORMS:
            if form in word:
                return concept
    return None


def concepts_in(folded_text: str, words: list[str], lang: str | None = None) -> set[str]:
    """Concepts named in a folded text (its words already split)."""
    found = {c for c in (concept_of(w, lang) for w in words) if c}
    for phrase, concept in PHRASES:
        if phrase in folded_text:
            found.add(concept)
    return found
