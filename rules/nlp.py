"""spaCy pipelines per language, loaded lazily and cached for the life of the process.

WHY lazy: loading fr_core_news_sm takes seconds and much memory; most articles never reach stage
2, and a worker that only sees English should never load the French model. Which pipeline (the
"Languages" section of docs/rules.md): fr -> fr_core_news_sm (tagger, dependency parser, lemmatizer); en/es/de/it/pt ->
``spacy.blank(lang)`` + the spacy-lookups-data lookup lemmatizer; zh/ja -> a character/script
tokenizer (rules.tokenizers); anything else -> a blank tokenizer (ko: the multi-language one,
words are separated by spaces). Language detection uses py3langid, which ships its model inside the wheel (no download).
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

STATISTICAL_MODELS: dict[str, str] = {"fr": "fr_core_news_sm"}
LOOKUP_LEMMA_LANGS = frozenset({"en", "es", "de", "it", "pt", "nl"})
# Written without spaces: one token per ideograph/kana (rules.tokenizers), no SudachiPy/jieba needed.
SCRIPT_TOKENIZED = frozenset({"zh", "ja"})
_pipelines: dict[str, object] = {}
_lock = threading.Lock()


def _build(lang: str):
    import spacy

    from dementi.rules.tokenizers import ScriptTokenizer

    model = STATISTICAL_MODELS.get(lang)
    if model:
        try:
            # NER is excluded: actors come from the gazetteer (spaCy's fr NER tags ministries as
            # LOC), and stage 2 runs faster without it.
            return spacy.load(model, exclude=["ner"])
        except OSError:
            log.warning("spaCy model %s is not installed; using a blank %s pipeline", model, lang)
    try:
        nlp = spacy.blank("xx" if lang in SCRIPT_TOKENIZED else lang)
    except (ImportError, KeyError, ValueError):  # ko: spaCy's Korean tokenizer needs mecab-ko
        nlp = spacy.blank("xx")
    if lang in SCRIPT_TOKENIZED:
        nlp.tokenizer = ScriptTokenizer(nlp.vocab)
        return nlp
    if lang in LOOKUP_LEMMA_LANGS:
        try:
            nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
            nlp.initialize()
        except Exception as exc:  # tables missing for this language: tokens only
            log.warning("no lookup lemmas for %s (%s)", lang, exc)
            nlp = spacy.blank(lang)
    return nlp


def get_pipeline(lang: str | None):
    """The cached pipeline for ``lang`` (ISO 639-1); unknown/None -> multi-language tokenizer."""
    key = (lang or "xx").lower()
    nlp = _pipelines.get(key)
    if nlp is None:
        with _lock:
            nlp = _pipelines.get(key)
            if nlp is None:
                nlp = _build(key)
                _pipelines[key] = nlp
    return nlp


def has_parser(nlp) -> bool:
    return "parser" in getattr(nlp, "pipe_names", ())


_TYPOGRAPHIC_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def parser_text(nlp, text: str) -> str:
    """The text a statistical pipeline should parse: typographic apostrophes made straight.

    WHY: fr_core_news_sm learned elision on straight apostrophes; on "L\u2019Argentine refuse" it
    tags "L\u2019" as a proper-noun subject and the state is no longer the verb's subject (about
    half of real French news write \u2019). One character for one, so every offset into the
    original text stays valid (the Unit keeps the original text)."""
    return text.translate(_TYPOGRAPHIC_APOSTROPHES) if has_parser(nlp) else text


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` (py3langid, model bundled in the wheel); "xx" when empty."""
    sample = text.strip()[:1500]
    if not sample:
        return "xx"
    import py3langid

    return py3langid.classify(sample)[0]
