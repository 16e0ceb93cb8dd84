"""Very common words of news text (folded), used only to choose prefilter literals.

WHY: the prefilter needs, for each phrase or regex, ONE string that every match contains. Any word
of "false report" will do for correctness, but "report" occurs in a third of English news and
"false" in very few: picking the rare word decides whether an article reaches spaCy. Being on this
list never changes what a rule matches, only which literal stands for it. Function words of
fr/en/es/de/it/pt plus the frequent words of wire copy; a hand list (no spaCy import: the rule
loader must stay light for the bot).
"""

from __future__ import annotations

_FUNCTION = """
a à au aux avec ce ces cette d de des du elle en et il ils je la le les leur lui l mais me même mes
n ne ni nous on ou par pas plus pour qu que qui sa se ses si son sur ta te tes toi ton tu un une vous y
est sont été etre être a ont avait avaient sera seront serait fait font faire dit dire peut doit
tout tous toute toutes très aussi comme dont où après avant depuis entre sans sous selon vers contre
aucun aucune jamais rien point lieu eu ete cours encore déjà deux trois
the a an and or but if of to in on at by for from with as is are was were be been being has have had
do does did not no nor never it its this that these those he she they we you i his her their our
will would shall should can could may might must said says say told report reports reported new
also more most than then there here about after before over under into out up down all any some one
two three year years week day time people city
el la los las un una unos unas y o pero de del al a en con por para como que se su sus es son fue ha
han no ni lo le les más muy ya sin sobre entre dijo dice
der die das den dem des ein eine einen einem einer und oder aber von zu im in am an auf mit für ist
sind war hat haben wird werden nicht kein keine sich es er sie wir auch noch nur
il lo gli i le un una e o ma di da in con su per che non è sono ha hanno
o os as um uma e ou mas de do da dos das em no na com por para que não é são foi tem
"""
_NEWS = """
plan plans projet projets conseil réunion reunion decision décision rencontre rencontres président
gouvernement government minister ministre ministère ministry public publique annonce annoncé
announced statement communiqué semaine mois année ville travaux works work meeting meetings group
groupe pays country countries national nationale state states état etats city council police
prix price prices budget marché market project talks leader leaders official officials
"""


def _fold(word: str) -> str:
    from dementi.rules.folding import fold

    return fold(word)


FUNCTION_WORDS: frozenset[str] = frozenset(_fold(w) for w in _FUNCTION.split())
COMMON_WORDS: frozenset[str] = FUNCTION_WORDS | frozenset(_fold(w) for w in _NEWS.split())


def is_common(word: str) -> bool:
    return word in COMMON_WORDS


def literal_rarity(literal: str) -> int:
    """How selective a literal is: letters/digits of its uncommon words (a frequent news word counts
    1, a function word 0), plus one per extra word ("the" 0, "report" 1, "false" 5,
    "false report" 7, "n'a ete" 2)."""
    words = "".join(c if c.isalnum() else " " for c in literal).split()
    if not words:
        return 0
    return sum(0 if w in FUNCTION_WORDS else 1 if w in COMMON_WORDS else len(w) for w in words) + len(words) - 1


def clause_rarity(literals) -> int:
    """A clause (one literal of the set must occur) is as selective as its weakest literal."""
    return min((literal_rarity(lit) for lit in literals), default=0)
