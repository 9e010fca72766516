"""Find a rule's phrases in transcript text, the way a human reviewer would.

Transcripts come from ASR or from people typing, so the same sentence arrives in many
shapes: traditional characters, full-width punctuation, contractions, homophone slips
("本次通话将被路音") and small misspellings. A reviewer reads past all of that; a rule
that matched only exact strings would miss most real violations. So each clause is
normalised first and a phrase then matches in one of four ways, cheapest first:

1. a regular expression written in the rule file (``patterns``);
2. the plain phrase as a substring (whole words in English);
3. Mandarin only: the same toneless pinyin syllables (catches homophone ASR slips);
4. fuzzy, only for long phrases because short ones fuzzily match ordinary words
   ("sue" ~ "see"): rapidfuzz ratio over pinyin windows of the phrase's own length
   (Mandarin), partial ratio over letters (English).

Pinyin matches must keep at least half of the phrase's characters, so a name that
happens to sound like a forbidden word (彭涛先生 ~ 套现) is not taken for it.

A concept can also be composed (``combine`` in the rule file): one word from each of
several lexicons - semantic categories such as consequence actions x the borrower's
people x ultimatum frames - in order, within a clause or a turn. Phrase lists only catch
the sentences someone already wrote down; a product of short categories catches the
paraphrases, and the evidence still names the words that matched ("swing by + your job").

A match inside a negation ("we will not sue you", "我们不会起诉您") or a hypothetical
about someone else ("if anyone says they are police, hang up", "如果有人上门催收") does
not count, because compliance cares about what was said, not which words occurred.
Advice against something reaches over the whole list that follows ("I would not
recommend a card or a payday loan", "不建议您用月付或者找亲戚借钱").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

_HAN = re.compile(r"[\u4e00-\u9fff]")
_ALL_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
#: Clause boundaries; a decimal point or thousands comma inside a number is not one.
_CLAUSE_SPLIT = re.compile(r"(?<!\d)[.,]|[.,](?!\d)|[;:!?、。，；：！？…\n]+|\s[-—]+\s")
_EN_CONTRACTIONS = [
    (r"\bwon't\b", "will not"), (r"\bcan't\b", "can not"), (r"\bcannot\b", "can not"),
    (r"\bain't\b", "is not"), (r"n't\b", " not"), (r"'ll\b", " will"), (r"'re\b", " are"),
    (r"'ve\b", " have"), (r"'d\b", " would"), (r"\bi'm\b", "i am"), (r"\bgonna\b", "going to"),
    (r"\b(it|that|there|here|what|who|he|she|this|call|everybody|everyone|nobody|name)'s\b",
     r"\1 is"),
    # Recognisers and hurried typists drop the apostrophe: "dont call me", "im gonna".
    # Only forms that are no other word (not "ill", "well", "its", "id", "were").
    (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must|need)nt\b", r"\1 not"),
    (r"\bcant\b", "can not"), (r"\bwont\b", "will not"), (r"\baint\b", "is not"),
    (r"\bim\b", "i am"), (r"\bive\b", "i have"), (r"\byoure\b", "you are"),
    (r"\byouve\b", "you have"), (r"\byoull\b", "you will"), (r"\btheyre\b", "they are"),
    (r"\b(that|what|there)s\b", r"\1 is"), (r"\b(that|it|there|she|he|they)ll\b", r"\1 will"), (r"\bshes\b", "she is"), (r"\bhes\b", "he is"),
]
_EN_NEGATORS = frozenset({"not", "never", "no", "nobody", "nothing", "neither", "nor", "without"})
#: Words after a negator that end its reach: a new subject ("no, we will sue") or a veiled
#: threat ("you do not want us to come to your job", "do not make me call your boss").
_EN_NEG_BLOCK = frozenset({"i", "we", "they", "he", "she", "but", "us", "me", "make", "want", "so", "otherwise"})
#: "could not your sister ...?" - an auxiliary, the negator, then a subject: a question.
_EN_AUX = frozenset({"could", "would", "can", "do", "does", "did", "is", "are", "will", "should", "was"})
_EN_QUESTION_SUBJECTS = frozenset({"your", "he", "she", "they", "someone", "somebody", "anyone", "anybody"})
_EN_CONDITION = frozenset({"if", "unless", "until", "when", "whether"})
_EN_NEG_WINDOW = 8  # words; long enough for a list: "nobody will come to your house or arrest you"
#: A Mandarin negator followed only by these (modal verbs, pronouns, "suggest"...)
#: still negates what comes next: 不会起诉您, 不建议您通过网贷, 我们不会要求您去借钱.
_ZH_NEG = re.compile(r"(?:不|没|别|无需|无须|未)[有会要是再去用能想打算对给把跟向找让您你他她们我建议通过求并也更或者和及借碰办刷、\s]{0,8}$")
#: A negated modal reaches over a short verb phrase of any words: 我们不会安排人去您家,
#: 绝不会派同事到您单位 (the words between are open-ended, so the reach is kept short).
_ZH_NEG_MODAL = re.compile(r"(?:不|没|别|绝不|从不|决不|并不|也不)(?:会|要|用|再|能|想|打算|准备|可能|得|必|需要)[^，。！？；]{0,6}$")
#: Advice against something covers the rest of the clause, however long the list after
#: it: 不建议您用月付或者找亲戚借钱来还.
_ZH_ADVISED_AGAINST = re.compile(r"(?:不|并不|从不|绝不)(?:建议|推荐|鼓励|提倡|主张|要求|希望|想让|愿意看到)")
#: Lawful consequences stated as such cover their clause: "the lender may repossess the
#: vehicle as permitted by state law", 公司有权通过法律程序申请处置抵押车辆.
_LAWFUL = {"en": re.compile(r"\b(as (permitted|allowed|provided) (by|under)|in accordance with|under the terms of|"
                            r"according to (the|your) (contract|agreement|terms)|subject to (the )?(law|court)|"
                            r"(has|have) the (legal )?right to|is entitled to|are entitled to)\b"),
           "zh": re.compile(r"依法|依照法律|法律程序|按(照)?合同|依(据|照)?合同|合同约定|有权通过|经法院判决|法院判决后")}
#: Hypotheticals about someone else: "如果有人上门催收，您可以报警", "if anyone says they
#: are from the police, hang up" - a warning about misconduct is not misconduct.
_ZH_SOMEONE = re.compile(r"(如果|要是|万一|假如|若|如|凡是)有人|有人(自称|冒充|假冒)|冒充|假冒|自称")
_EN_SOMEONE = re.compile(r"\b(if|when|whenever) (anyone|anybody|someone|somebody|a caller|a person)\b"
                         r"|\b(anyone|anybody|someone|somebody|people|callers?) (claiming|pretending|posing|"
                         r"who (claims?|pretends?|says?))\b|\bpretend(s|ing)? to be\b|\bimpersonat")
_FUZZY_MIN_EN, _FUZZY_MIN_ZH = 20, 5  # shortest phrase (letters / characters) matched fuzzily
FUZZY_SCORE = 90.0


@dataclass(frozen=True)
class Hit:
    """Where a concept matched: clause index, character span in the normalised clause,
    and how (``regex``, ``exact``, ``pinyin``, ``fuzzy``) - the "how" goes into the
    evidence so a reviewer can tell a confident match from a lenient one."""

    clause: int
    start: int
    end: int
    text: str
    how: str


_HitFn = Callable[[int, int, str], "Hit | None"]


@dataclass(frozen=True)
class Concept:
    """A named set of ways to say one thing, compiled from a rule file."""

    name: str
    lang: str
    patterns: tuple[re.Pattern[str], ...]
    phrases: tuple[str, ...]
    negatable: bool = True
    combos: tuple["Combo", ...] = ()
    #: Shortest phrase matched by its pinyin homophones. Two characters suit a concept's
    #: own phrases (录音 heard as 路音); a lexicon's short words are combined with other
    #: words and would find too many namesakes (你姨 in 你易借钱), so they need three.
    pinyin_min: int = 2
    #: Words just before / after a match that make it something else (rule files'
    #: ``not_preceded_by`` / ``not_followed_by``).
    not_preceded_by: tuple[re.Pattern[str], ...] = ()
    not_followed_by: tuple[re.Pattern[str], ...] = ()

    @functools.cached_property
    def _pinyin(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((p, tuple(pinyin(p))) for p in self.phrases if _ALL_HAN.match(p) and len(p) >= self.pinyin_min)


@dataclass(frozen=True)
class Combo:
    """A composed way to say something: one word from each lexicon (semantic category),
    in the listed order, within one clause (``scope="clause"``) or one turn (``"turn"``).
    "garnish" x "your wages", "去" x "你老家": each category is a short list a reviewer
    can extend, and their product covers phrasings nobody listed one by one."""

    parts: tuple[Concept, ...]
    scope: str = "clause"


def lexicon(name: str, words: Sequence[str], lang: str) -> Concept:
    """A semantic category as a concept. English words also match their inflections
    (sue: sues, sued, suing, suit is not one), Mandarin ones their pinyin homophones."""
    if lang == "zh":
        return Concept(name, lang, (), tuple(dict.fromkeys(words)), negatable=False, pinyin_min=3)
    rx = [re.compile(r"(?<![\w'])" + r"\s+".join(_inflect(w) for w in word.split()) + r"(?!\w)")
          for word in dict.fromkeys(words)]
    return Concept(name, lang, tuple(rx), (), negatable=False)


def _inflect(word: str) -> str:
    """A regular expression for an English word and its regular inflections."""
    w = re.escape(word)
    if len(word) < 3 or not word.isalpha():
        return w
    if word.endswith("e") and not word.endswith("ee"):
        return re.escape(word[:-1]) + "(?:e|es|ed|ing|er|ers)"
    if word.endswith("y") and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies|ied|ying)"
    last = re.escape(word[-1])
    return w + f"(?:s|es|ed|ing|er|ers|{last}ed|{last}ing|{last}er)?"


def normalise(text: str, lang: str) -> str:
    """Compare-ready text: NFKC (full-width to half-width), lower case, simplified
    characters, English contractions expanded, thousands separators dropped."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    if lang == "zh":
        text = to_simplified(text)
        text = re.sub(r"(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])", "", text)
    else:
        for pattern, repl in _EN_CONTRACTIONS:
            text = re.sub(pattern, repl, text)
    return re.sub(r"\s+", " ", text).strip()


#: Sounds a reply may start with before its first word ("uh, yeah", "呃 对").
_EN_FILLERS = frozenset({"uh", "um", "umm", "uhm", "er", "erm", "ah", "oh", "ugh", "hmm", "hm", "well",
                         "hello", "hi", "hey", "like", "so", "okay", "ok"})
_ZH_FILLERS = frozenset({"呃", "额", "啊", "喂", "那个", "哦", "噢", "唉", "哎", "嗨", "emmm", "emm"})


def pauses(text: str, lang: str) -> list[str]:
    """Mandarin: the pieces between the pauses a transcript marks with spaces (speech
    recognisers write "嗯 我是 怎么了" for three breaths). ``normalise`` joins them, as
    Chinese is written without spaces, but a short reply's first piece on its own says
    whether it was a yes. English words are separated anyway: none (the clauses serve)."""
    if lang != "zh":
        return []
    plain = to_simplified(unicodedata.normalize("NFKC", text).lower())
    return [normalise(p, lang) for p in re.split(r"\s+|" + _CLAUSE_SPLIT.pattern, plain) if p and p.strip()]


def lead(text: str, lang: str) -> str:
    """The first word of a reply (Mandarin: the first piece between pauses), fillers
    skipped: "uh yeah who is this" leads with "yeah", "呃 对 我是黄磊" with "对". An
    unpunctuated transcript has no clause that is only the "yes"; this is that clause."""
    pieces = pauses(text, lang) if lang == "zh" else normalise(text, lang).split()
    fillers = _ZH_FILLERS if lang == "zh" else _EN_FILLERS
    for piece in pieces:
        piece = piece.strip(" ,.!?;:-\"'")
        if piece and piece not in fillers:
            return piece
    return ""


def clauses(text: str, lang: str) -> list[str]:
    """Normalised clauses of one turn. Negation and most rules work within a clause:
    "if you don't pay, we'll sue" has its "don't" in a different clause from "sue"."""
    out = []
    for part in _CLAUSE_SPLIT.split(normalise(text, lang)):
        part = re.sub(r"[\"'()\[\]“”‘’《》<>]", " ", part) if lang == "en" else part
        part = re.sub(r"\s+", " ", part).strip(" -")
        if part:
            out.append(part)
    return out


@functools.lru_cache(maxsize=1)
def _t2s() -> object | None:
    try:
        import opencc
    except ImportError:  # pragma: no cover - the zh extra is not installed
        return None
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (ASR often emits traditional for Mandarin)."""
    conv = _t2s()
    return conv.convert(text) if conv is not None else text  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=65536)
def pinyin(text: str) -> tuple[str, ...]:
    """Toneless syllables, exactly one item per character so spans map back to text.
    Without pypinyin (the ``zh`` extra) characters stand in for syllables, so matching
    degrades to exact characters instead of failing."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - the zh extra is not installed
        return tuple(text)

    return tuple(lazy_pinyin(text, errors=lambda s: list(s)))


def find(concept: Concept, clause_list: Sequence[str]) -> list[Hit]:
    """Every non-negated match of ``concept`` in the clauses, in order."""
    hits: list[Hit] = []
    for i, clause in enumerate(clause_list):
        raw = list(_raw_hits(concept, i, clause))
        for hit in raw:
            if concept.negatable and negated(clause, hit, raw, concept.lang):
                continue
            hits.append(hit)
    for combo in concept.combos:
        hits += _combo_hits(concept, combo, clause_list)
    if concept.not_preceded_by or concept.not_followed_by:
        hits = [h for h in hits if not _excluded(concept, clause_list[h.clause], h)]
    return sorted(hits, key=lambda h: (h.clause, h.start))


def _excluded(concept: Concept, clause: str, hit: Hit) -> bool:
    before, after = clause[:hit.start], clause[hit.end:]
    return (any(rx.search(before) for rx in concept.not_preceded_by)
            or any(rx.match(after) for rx in concept.not_followed_by))


#: How far apart (characters) the words of a one-clause combination may be. Recogniser
#: output often has no punctuation, so one "clause" may be a whole turn; words of one
#: thought stay close ("去你老家", "call your boss"), words 40 characters apart belong to
#: different thoughts ("你回去跟你爸妈要啊 要不来你就让你家里亲戚凑一凑": 去 ... 你家).
_COMBO_GAP = {"zh": 12, "en": 80}


def _chain(found: Sequence[Sequence[Hit]], gap: int) -> list[Hit] | None:
    """One hit per part, in the listed order, not overlapping, each within ``gap``
    characters of the one before when both are in one clause; the earliest such chain,
    or None."""
    def extend(chosen: list[Hit]) -> list[Hit] | None:
        if len(chosen) == len(found):
            return chosen
        prev = chosen[-1] if chosen else None
        for h in found[len(chosen)]:
            if prev is not None and (h.clause, h.start) < (prev.clause, prev.end):
                continue
            if prev is not None and h.clause == prev.clause and h.start - prev.end > gap:
                continue
            if (done := extend([*chosen, h])) is not None:
                return done
        return None

    return extend([])


def _combo_hits(concept: Concept, combo: Combo, clause_list: Sequence[str]) -> list[Hit]:
    """Matches of a combination. Negation is judged per part, because it may govern any
    of them: "we will not contact your employer" (the action), "nobody at your job will
    hear about it" (the target)."""
    groups = [range(len(clause_list))] if combo.scope == "turn" else [[i] for i in range(len(clause_list))]
    out: list[Hit] = []
    # A turn-wide combination reaches across clauses, but within one unpunctuated
    # "clause" its words still have to be near each other (half as far again).
    gap = _COMBO_GAP[concept.lang] * (2 if combo.scope == "clause" else 3) // 2
    for group in groups:
        found = [sorted((h for i in group for h in _raw_hits(part, i, clause_list[i])),
                        key=lambda h: (h.clause, h.start)) for part in combo.parts]
        chosen = _chain(found, gap)
        if chosen is None:
            continue
        if concept.negatable and any(negated(clause_list[h.clause], h, [], concept.lang) for h in chosen):
            continue
        last = max(chosen, key=lambda h: (h.clause, h.end))
        same = [h for h in chosen if h.clause == last.clause]
        start = min(h.start for h in same)
        words = " + ".join(h.text for h in sorted(chosen, key=lambda h: (h.clause, h.start)))
        out.append(Hit(last.clause, start, last.end, words, "combo"))
    return out


def first(concept: Concept, clause_list: Sequence[str]) -> Hit | None:
    """The first non-negated match, or None."""
    found = find(concept, clause_list)
    return found[0] if found else None


def _raw_hits(concept: Concept, i: int, clause: str) -> Iterable[Hit]:
    seen: set[tuple[int, int]] = set()

    def hit(start: int, end: int, how: str) -> Hit | None:  # records the span once
        if any(s < end and start < e for s, e in seen):
            return None
        seen.add((start, end))
        return Hit(i, start, end, clause[start:end], how)

    for rx in concept.patterns:
        for m in rx.finditer(clause):
            if m.end() > m.start() and (h := hit(m.start(), m.end(), "regex")):
                yield h
    for phrase in concept.phrases:
        if concept.lang == "en":
            for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", clause):
                if h := hit(m.start(), m.end(), "exact"):
                    yield h
        else:
            start = clause.find(phrase)
            while start >= 0:
                if h := hit(start, start + len(phrase), "exact"):
                    yield h
                start = clause.find(phrase, start + 1)
    if concept.lang == "zh" and _HAN.search(clause):
        yield from _pinyin_hits(concept, clause, hit)
    yield from _fuzzy_hits(concept, clause, hit)


def _pinyin_hits(concept: Concept, clause: str, hit: _HitFn) -> Iterable[Hit]:
    syl = pinyin(clause)
    for phrase, target in concept._pinyin:
        n = len(target)
        for s in range(len(syl) - n + 1):
            if syl[s:s + n] == target and _slip(phrase, clause[s:s + n]) and (h := hit(s, s + n, "pinyin")):
                yield h


def _slip(phrase: str, heard: str) -> bool:
    """A plausible ASR slip keeps at least half of the characters: 路音 for 录音 is one,
    but 涛先 (from the name 彭涛先生) sounding like 套现 is a coincidence."""
    same = sum(a == b for a, b in zip(phrase, heard))
    return 2 * same >= len(phrase)


def _fuzzy_hits(concept: Concept, clause: str, hit: _HitFn) -> Iterable[Hit]:
    if concept.lang == "zh":
        # ASR slips substitute characters one for one, so compare windows of the
        # phrase's own length; a partial ratio would also accept a truncated phrase.
        syl = pinyin(clause)
        for phrase, target in concept._pinyin:
            n = len(target)
            if n < _FUZZY_MIN_ZH:
                continue
            want = " ".join(target)
            for s in range(len(syl) - n + 1):
                if (fuzz.ratio(want, " ".join(syl[s:s + n])) >= FUZZY_SCORE
                        and _slip(phrase, clause[s:s + n]) and (h := hit(s, s + n, "fuzzy"))):
                    yield h
        return
    for phrase in concept.phrases:
        if len(phrase) < _FUZZY_MIN_EN or len(clause) < len(phrase) - 3:
            continue
        al = fuzz.partial_ratio_alignment(phrase, clause, score_cutoff=FUZZY_SCORE)
        if al is not None:
            s, e = _word_span(clause, al.dest_start, al.dest_end)
            if h := hit(s, e, "fuzzy"):
                yield h


def _word_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def negated(clause: str, hit: Hit, others: Sequence[Hit], lang: str) -> bool:
    """True when a negation governs the match. Earlier matches of the same concept are
    blanked out first, so one negation covers a list: "不建议您通过网贷或者借钱还款"."""
    if _LAWFUL[lang].search(clause):
        return True
    prefix = clause[:hit.start]
    for other in sorted(others, key=lambda h: -h.start):
        if other.end <= hit.start:
            prefix = prefix[:other.start] + ("" if lang == "zh" else " ") + prefix[other.end:]
    if lang == "zh":
        if _ZH_SOMEONE.search(prefix):
            return True
        # 能不能/是不是/有没有 ask a question; they negate nothing.
        plain = re.sub(r"(.)[不没]\1", "", prefix)
        return bool(_ZH_NEG.search(plain) or _ZH_NEG_MODAL.search(plain) or _ZH_ADVISED_AGAINST.search(plain))
    if _EN_SOMEONE.search(prefix):
        return True
    words = re.findall(r"[\w$'.-]+", prefix)
    if _advised_against(words):
        return True
    for pos in range(len(words) - 1, max(-1, len(words) - 2 - _EN_NEG_WINDOW), -1):
        if words[pos] in _EN_NEGATORS:
            after, before = words[pos + 1:], words[:pos]
            if after[:1] == ["you"] or (after[:1] and after[0] in _EN_QUESTION_SUBJECTS and before
                                        and before[-1] in _EN_AUX):
                # "couldn't you borrow it?", "couldn't your grandma front it?" ask; they negate nothing
                return False
            if any(w in _EN_NEG_BLOCK for w in after) or any(w in _EN_CONDITION for w in before):
                return False
            return True
    return False


#: Verbs of advice: "not" right before one covers the whole rest of the clause, however
#: long the list after it ("I would not recommend putting it on a card or taking a payday loan").
_EN_ADVICE = frozenset({"recommend", "suggest", "advise", "encourage", "urge"})
#: ... and verbs that advise only with "you" or "to" after them: "we do not want you to
#: borrow", "you do not have to ask your family" - but "you do not want to find out" is veiled.
_EN_ADVICE_YOU: dict[str, str] = {"want": "you", "need": "you", "ask": "you", "expect": "you", "asking": "you", "have": "to"}


def _advised_against(words: Sequence[str]) -> bool:
    """True when a negated verb of advice governs the rest of the clause, with no new
    subject or "but" in between to end its reach."""
    for pos, word in enumerate(words):
        if word not in _EN_NEGATORS:
            continue
        nxt = words[pos + 1:pos + 3]
        advice = any(w in _EN_ADVICE for w in nxt) or (
            len(nxt) == 2 and _EN_ADVICE_YOU.get(nxt[0]) == nxt[1])
        blockers = _EN_NEG_BLOCK - {"make", "want"} - ({"you"} if not advice else set())
        if advice and not any(w in blockers for w in words[pos + 3:]):
            return True
    return False


def compile_template(template: str, synonyms: dict[str, list[str]], regex: bool) -> list[str]:
    """Expand ``{name}`` references to a synonym list: as an alternation group in a
    regular expression, or as every combination for a plain phrase (so exact, pinyin
    and fuzzy matching all see whole phrases)."""
    names = re.findall(r"\{([A-Za-z_]\w*)\}", template)
    if regex:
        for n in names:
            alts = sorted(synonyms[n], key=len, reverse=True)
            template = template.replace("{" + n + "}", "(?:" + "|".join(map(re.escape, alts)) + ")")
        return [template]
    out = [template]
    for n in dict.fromkeys(names):
        out = [t.replace("{" + n + "}", alt) for t in out for alt in synonyms[n]]
    return out
