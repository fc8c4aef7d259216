"""``quiztool bank lint``: the item-writing flaws an exam committee looks for first.

Each check is a small pure function over the items as read from the YAML files (with lines).
Which findings are errors and which are warnings is the table in ``banks/README.md``; keep the
two in step (``SEVERITY`` below). An item's ``lint_ok: "<reason>"`` silences its warnings (the
reason is the justification a reviewer reads); errors are never silenced. Bank-wide checks (the
key's length rank, the key counts of multiple-response items, how many stems name a source)
report on the bank as a whole.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from itertools import combinations
from pathlib import Path

from question_bank.bank.loader import load_bank
from question_bank.bank.locations import COVERAGE_FILE_NAME
from question_bank.bank.locations import resolve
from question_bank.bank.yaml_lines import LineDict
from question_bank.bank.yaml_lines import LineList
from question_bank.bank.yaml_lines import YamlSyntaxError
from question_bank.bank.problems import BankError
from question_bank.bank.yaml_lines import read_yaml

ERROR = "error"
WARNING = "warning"

#: check name -> severity (the README's table says the same; a test keeps them in step).
SEVERITY = {
    "near-duplicate": ERROR,
    "leak": ERROR,
    "key-length": ERROR,
    "key-stands-out": WARNING,
    "mr-key-counts": ERROR,
    "mr-all-keyed": ERROR,
    "absolute-word": WARNING,
    "names-source": WARNING,
    "too-many-source-stems": ERROR,
    "matching-extras": ERROR,
    "all-none-above": ERROR,
    "negative-stem": ERROR,
    "tf-balance": ERROR,
    "clang": WARNING,
    "tf-shared-fact": WARNING,
    "shared-fact": WARNING,
}

#: Stems whose content words overlap this much (Jaccard) are near-duplicates.
DUPLICATE_THRESHOLD = 0.6
#: A key phrase must have at least this many content words to count as a leak into a stem...
LEAK_MIN_WORDS = 3
#: ...and this many to count as a leak into another item's options (short labels such as
#: "Therapeutic use of self" are the shared vocabulary of the topic, not give-aways).
LEAK_MIN_WORDS_OPTIONS = 6
#: Most stems that may name a source in a whole bank (CONTENT.md: fewer than ten).
MAX_SOURCE_STEMS = 9
#: How far above chance the key may be the longest / one of the two longest options.
LENGTH_SLACK = 0.10
#: The most common key count of multiple-response items may hold at most this share of them.
MR_MAX_SHARE = 0.5
#: True/false items: the more common answer may hold at most this share (else "true" is a cue).
TF_MAX_SHARE = 0.65
#: A key this much longer than every distractor stands out on its own.
STANDS_OUT_RATIO = 1.5
#: Clang cues: a stem word echoed by the key. Words are compared by their first letters (so
#: "dependency" meets "independence" and "regardless" meets "regard")...
CLANG_ROOT = 5
#: ...of words at least this long...
CLANG_MIN_WORD = 5
#: ...that are not the topic's common vocabulary: a root in this share of all stems or more
#: ("therapeutic", "relationship", "phase") is the subject, not a cue.
CLANG_COMMON_SHARE = 0.08

_STOPWORDS = frozenset(
    """a an the and or but of to in on at for with by from as is are was were be been being it its
    this that these those which who whom what when where why how do does did done has have had
    not no nor so than then there their they them he she his her him you your we our us i me my
    can could should would will may might must shall into onto about over under up down out if
    each every any some more most less least very just also own same other such only one two
    three four five six client nurse patient person individual care worker therapist""".split()
)
_ABSOLUTES = ("only", "always", "never", "all", "none")
_ABSOLUTE_RE = re.compile(r"\b(" + "|".join(_ABSOLUTES) + r")\b", re.IGNORECASE)
_ALL_NONE_RE = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.IGNORECASE)
_NEGATIVE_RE = re.compile(r"\b(not|except|least)\b", re.IGNORECASE)
#: Quoted words ('personal but not intimate') are the seeds' or a person's words, not the stem's.
_QUOTED_RE = re.compile(r"(?<![A-Za-z])'[^']*'(?![A-Za-z])|\"[^\"]*\"")
_EMPHASIS_RE = re.compile(r"(\*\*|__|<em>|<strong>)\s*$")
#: Words and phrases by which a stem names a seed, a framework or a list.
_SOURCE_RE = re.compile(
    r"\b(seeds?|sources?|according to|frameworks?|four-stage model|four stages|psychiatric[- ]nursing (key )?components?|"
    r"therapy/counselling|nurse-client (framework|components|list)|health and social care "
    r"(framework|components|list|source|guide)|bordin|family institute|nhs|the [a-z/-]+ list|"
    r"(this|the|one|another) (text|guide|article|page))\b",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9'-]*")
#: A capitalised word that does not open a sentence: a name (Mrs Cole), not a cue.
_NAME_RE = re.compile(r"(?<![.!?:'\"] )(?<!^)\b([A-Z][a-z]+)")
#: Capitalised in English but not names: a vignette's "on Sundays" echoed only by the key is a cue.
_CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december christmas easter".split()
)


class LintInputError(Exception):
    """The input cannot be linted at all (missing file, not YAML, not a bank file)."""


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    line: int
    item_id: str
    check: str
    message: str
    justified: str | None = None

    @property
    def severity(self) -> str:
        return SEVERITY[self.check]

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        who = f" {self.item_id}:" if self.item_id else ""
        note = f" (lint_ok: {self.justified})" if self.justified else ""
        return f"{where}:{who} {self.severity} [{self.check}] {self.message}{note}"


@dataclass(slots=True)
class LintReport:
    items: int = 0
    findings: list[Finding] = field(default_factory=list)
    key_length_ranks: Counter = field(default_factory=Counter)
    mr_key_counts: Counter = field(default_factory=Counter)
    source_stems: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING and not f.justified]

    @property
    def justified(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING and f.justified]


@dataclass(frozen=True, slots=True)
class _Item:
    """What the checks need of one item, read from its YAML mapping."""

    file: str
    line: int
    raw: LineDict
    case: str | None = None  # the case this item is a part of (delivered whole with its other parts)

    @property
    def id(self) -> str:
        value = self.raw.get("id")
        return value if isinstance(value, str) else f"(item at line {self.line})"

    @property
    def kind(self) -> str:
        kind = self.raw.get("type")
        if kind == "scenario":
            kind = self.raw.get("carries")
        return kind if isinstance(kind, str) else ""

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        return value if isinstance(value, str) else ""

    def choices(self, name: str) -> list[LineDict]:
        value = self.raw.get(name)
        return [c for c in value if isinstance(c, LineDict)] if isinstance(value, list) else []

    def line_of(self, name: str) -> int:
        return self.raw.key_lines.get(name, self.line)

    @property
    def enemies(self) -> set[str]:
        value = self.raw.get("enemies")
        return {e for e in value if isinstance(e, str)} if isinstance(value, list) else set()

    @property
    def lint_ok(self) -> str | None:
        value = self.raw.get("lint_ok")
        return value.strip() if isinstance(value, str) and value.strip() else None

    @property
    def covers(self) -> set[str]:
        value = self.raw.get("covers")
        return {c for c in value if isinstance(c, str)} if isinstance(value, list) else set()

    def key_ids(self) -> set[str]:
        """The option ids keyed in a single / multiple item (a string or a list in the file)."""
        key = self.raw.get("key")
        return {key} if isinstance(key, str) else set(key) if isinstance(key, list) else set()

    def key_texts(self) -> list[str]:
        """The texts a student must pick to be right (options of single / multiple items)."""
        if self.kind not in ("single", "multiple"):
            return []
        keys = self.key_ids()
        return [c["text"] for c in self.choices("options") if c.get("id") in keys and isinstance(c.get("text"), str)]

    def shown_text(self) -> str:
        """Everything a student reads: vignette, stem and every choice."""
        parts = [self.text("vignette"), self.text("stem")]
        for name in ("options", "premises", "responses", "statements", "categories"):
            parts.extend(c["text"] for c in self.choices(name) if isinstance(c.get("text"), str))
        return " ".join(parts)


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def _content_words(text: str) -> list[str]:
    return [w for w in _words(text) if w not in _STOPWORDS and len(w) > 2]


def read_items(files: Iterable[tuple[str, str]]) -> list[_Item]:
    """Every item of the bank files given as ``(name, text)``; LintInputError if one is unreadable."""
    items = []
    for name, text in files:
        try:
            document, _ = read_yaml(text)
        except YamlSyntaxError as exc:
            raise LintInputError(f"{name}:{exc.line}: {exc.message}") from None
        if not isinstance(document, LineDict) or not (isinstance(document.get("items"), LineList)
                                                      or isinstance(document.get("cases"), LineList)):
            raise LintInputError(f"{name}:1: not a bank file (a mapping with pool, title and items)")
        lists: list[tuple[LineList, str | None]] = (
            [(document["items"], None)] if isinstance(document.get("items"), LineList) else [])
        for case in document.get("cases") or ():  # a case pool: its cases' items are items too
            if isinstance(case, LineDict) and isinstance(case.get("items"), LineList):
                lists.append((case["items"], str(case.get("id", f"(case at line {case.line})"))))
        for raw_items, case_id in lists:
            for index, raw in enumerate(raw_items):
                if isinstance(raw, LineDict):
                    items.append(_Item(name, raw.line, raw, case_id))
                else:
                    raise LintInputError(f"{name}:{raw_items.item_lines[index]}: an item must be a mapping")
    return items


def lint_texts(files: Iterable[tuple[str, str]]) -> LintReport:
    """Lint bank files given as ``(name, text)`` pairs."""
    items = read_items(files)
    report = LintReport(items=len(items))
    findings: list[Finding] = []
    for item in items:
        findings.extend(_item_checks(item))
    findings.extend(_near_duplicates(items))
    findings.extend(_leaks(items))
    findings.extend(_key_length(items, report))
    findings.extend(_mr_key_counts(items, report))
    findings.extend(_source_stems(items, report))
    findings.extend(_true_false_balance(items))
    findings.extend(_clang_cues(items))
    findings.extend(_shared_facts(items))
    by_id = {item.id: item for item in items}
    report.findings = sorted(
        (_justify(f, by_id.get(f.item_id)) for f in findings),
        key=lambda f: (f.file, f.line, f.check),
    )
    return report


def lint_bank(paths: Iterable[str | Path] | None = None) -> LintReport:
    """Lint the bank files at ``paths`` (files or directories), or the shipped bank."""
    given = None if paths is None else [Path(p) for p in paths]
    for path in given or []:
        if not path.exists():
            raise LintInputError(f"{path}: no such file or directory")
    require_valid(given)
    files = resolve(given)
    texts = []
    for bank_file in files.bank_files:
        if bank_file.name == COVERAGE_FILE_NAME:
            continue
        try:
            texts.append((bank_file.name, bank_file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise LintInputError(f"{bank_file.name}: cannot be read ({exc})") from None
    if not texts:
        raise LintInputError("no bank files (*.yaml) were found")
    return lint_texts(texts)


def require_valid(paths: list[Path] | None) -> None:
    """LintInputError listing the validator's problems (file, line, field) unless the bank loads.

    The checks read the YAML as written; on a bank the validator refuses (an id that is a list, a
    key naming no option) they would trip over shapes they never expect. Lint and coverage judge
    items; whether they are well formed is ``quiztool bank validate``'s answer, given here whole.
    """
    try:
        load_bank(paths)
    except BankError as error:
        listed = "\n".join(f"  {message}" for message in error.messages)
        raise LintInputError(f"the bank does not validate; fix these first (quiztool bank validate):\n{listed}") from None


def _justify(finding: Finding, item: _Item | None) -> Finding:
    if finding.severity == WARNING and item is not None and item.lint_ok:
        return Finding(finding.file, finding.line, finding.item_id, finding.check, finding.message, item.lint_ok)
    return finding


def _finding(item: _Item, line: int, check: str, message: str) -> Finding:
    return Finding(item.file, line, item.id, check, message)


# --- one item at a time ---------------------------------------------------------------------

def _item_checks(item: _Item) -> Iterator[Finding]:
    yield from _absolute_words(item)
    yield from _all_none(item)
    yield from _negative_stem(item)
    yield from _matching_extras(item)
    yield from _key_stands_out(item)
    yield from _mr_all_keyed(item)


def _absolute_words(item: _Item) -> Iterator[Finding]:
    if item.kind == "true_false":
        found = _ABSOLUTE_RE.findall(item.text("stem"))
        if found:
            words = ", ".join(sorted({w.lower() for w in found}))
            yield _finding(item, item.line_of("stem"), "absolute-word", f"true/false statement uses {words}")
    for choice in item.choices("options"):
        text = choice.get("text")
        if isinstance(text, str) and _ABSOLUTE_RE.search(text) and not _ALL_NONE_RE.search(text):
            words = ", ".join(sorted({w.lower() for w in _ABSOLUTE_RE.findall(text)}))
            yield _finding(item, choice.line, "absolute-word", f"option {choice.get('id')} uses {words}")


def _all_none(item: _Item) -> Iterator[Finding]:
    for name in ("options", "responses", "statements"):
        for choice in item.choices(name):
            text = choice.get("text")
            if isinstance(text, str) and _ALL_NONE_RE.search(text):
                yield _finding(item, choice.line, "all-none-above", f"{name[:-1]} {choice.get('id')}: {text!r}")


def _negative_stem(item: _Item) -> Iterator[Finding]:
    if item.kind == "true_false":
        return  # a statement, not a question: negation there is the absolute-word check's business
    stem = _QUOTED_RE.sub(lambda quoted: " " * len(quoted.group(0)), item.text("stem"))
    for match in _NEGATIVE_RE.finditer(stem):
        word = match.group(0)
        emphasised = word.isupper() or bool(_EMPHASIS_RE.search(stem[: match.start()]))
        if not emphasised and "?" in stem[match.start():] + ":":
            yield _finding(
                item, item.line_of("stem"), "negative-stem",
                f"negative stem {word!r} without emphasis (write {word.upper()} in capitals, or ask positively)",
            )
            return


def _matching_extras(item: _Item) -> Iterator[Finding]:
    if item.kind != "matching":
        return
    extra = len(item.choices("responses")) - len(item.choices("premises"))
    if extra not in (1, 2):
        yield _finding(
            item, item.line_of("responses"), "matching-extras",
            f"{extra} extra responses (give 1 or 2 more responses than premises, so the last pair "
            "does not fall out by elimination)",
        )


def _key_stands_out(item: _Item) -> Iterator[Finding]:
    if item.kind != "single":
        return
    key = item.raw.get("key")
    lengths = {c.get("id"): len(str(c.get("text", ""))) for c in item.choices("options")}
    if key not in lengths or len(lengths) < 3:
        return
    others = [n for i, n in lengths.items() if i != key]
    if lengths[key] > STANDS_OUT_RATIO * max(others):
        yield _finding(
            item, item.line_of("key"), "key-stands-out",
            f"the key ({lengths[key]} characters) is much longer than every distractor (at most {max(others)})",
        )


def _mr_all_keyed(item: _Item) -> Iterator[Finding]:
    if item.kind != "multiple":
        return
    key = item.raw.get("key")
    options = item.choices("options")
    if isinstance(key, list) and options and len(set(key)) >= len(options):
        yield _finding(item, item.line_of("key"), "mr-all-keyed", "every option is keyed: nothing to discriminate")


# --- across items ---------------------------------------------------------------------------

def _links_of(items: list[_Item]) -> Callable[[_Item, _Item], bool]:
    """Whether two items are kept off one form, read as the draw reads enemies: an enemy named by
    any part of a case keeps the whole case away, so a part counts as linked through its case.
    The one idea of "linked" for every check that asks for enemy links."""
    members: dict[str, set[str]] = {}
    group_enemies: dict[str, set[str]] = {}
    for item in items:
        group = item.case or item.id
        members.setdefault(group, set()).add(item.id)
        group_enemies.setdefault(group, set()).update(item.enemies)

    def linked(a: _Item, b: _Item) -> bool:
        group_a, group_b = a.case or a.id, b.case or b.id
        return bool(group_enemies[group_a] & (members[group_b] | {group_b})
                    or group_enemies[group_b] & (members[group_a] | {group_a}))

    return linked


def _near_duplicates(items: list[_Item]) -> Iterator[Finding]:
    linked = _links_of(items)
    words = {item.id: set(_content_words(item.text("vignette") + " " + item.text("stem"))) for item in items}
    for a, b in combinations(items, 2):
        wa, wb = words[a.id], words[b.id]
        if len(wa) < 3 or len(wb) < 3 or linked(a, b):
            continue
        similarity = len(wa & wb) / len(wa | wb)
        if similarity >= DUPLICATE_THRESHOLD:
            yield _finding(
                b, b.line_of("stem"), "near-duplicate",
                f"stem is {similarity:.0%} like {a.id}'s ({a.file}:{a.line}); merge them or mark them as enemies",
            )


def _phrase(text: str) -> str:
    return " " + " ".join(_words(text)) + " "


def _leaks(items: list[_Item]) -> Iterator[Finding]:
    linked = _links_of(items)
    shown = {item.id: _phrase(item.shown_text()) for item in items}
    stems = {item.id: _phrase(item.text("vignette") + " " + item.text("stem")) for item in items}
    for a in items:
        for key_text in a.key_texts():
            size = len(_content_words(key_text))
            if size < LEAK_MIN_WORDS:
                continue
            phrase = _phrase(key_text)
            for b in items:
                if b is a or linked(a, b):
                    continue
                where = "stem" if phrase in stems[b.id] else ""
                if not where and size >= LEAK_MIN_WORDS_OPTIONS and phrase in shown[b.id]:
                    where = "options"
                if where:
                    yield _finding(
                        a, a.line_of("key"), "leak",
                        f"the key {key_text!r} appears in the {where} of {b.id} ({b.file}:{b.line}); "
                        "mark them as enemies or reword one",
                    )


def _key_length(items: list[_Item], report: LintReport) -> Iterator[Finding]:
    expected_top1 = expected_top2 = 0.0
    counted = []
    for item in items:
        if item.kind != "single":
            continue
        options = item.choices("options")
        key = item.raw.get("key")
        if len(options) < 2 or key not in {c.get("id") for c in options}:
            continue
        key_len = next(len(str(c.get("text", ""))) for c in options if c.get("id") == key)
        rank = 1 + sum(1 for c in options if len(str(c.get("text", ""))) > key_len)
        report.key_length_ranks[rank] += 1
        expected_top1 += 1 / len(options)
        expected_top2 += min(2, len(options)) / len(options)
        counted.append(item)
    total = len(counted)
    if total < 10:
        return
    top1 = report.key_length_ranks[1] / total
    top2 = (report.key_length_ranks[1] + report.key_length_ranks[2]) / total
    chance1, chance2 = expected_top1 / total, expected_top2 / total
    if top1 > chance1 + LENGTH_SLACK or top2 > chance2 + LENGTH_SLACK:
        yield Finding(
            counted[0].file, 1, "", "key-length",
            f"the key is the longest option in {top1:.0%} and one of the two longest in {top2:.0%} of "
            f"{total} single-choice items (chance: {chance1:.0%} and {chance2:.0%})",
        )


def _mr_key_counts(items: list[_Item], report: LintReport) -> Iterator[Finding]:
    mr = [item for item in items if item.kind == "multiple" and isinstance(item.raw.get("key"), list)]
    for item in mr:
        count = len(set(item.raw["key"]))
        report.mr_key_counts[count] += 1
        if not 1 <= count <= 5:
            yield _finding(item, item.line_of("key"), "mr-key-counts", f"{count} keys (give 1 to 5)")
    if len(mr) < 6:
        return
    common, held = report.mr_key_counts.most_common(1)[0]
    if held / len(mr) > MR_MAX_SHARE or len(report.mr_key_counts) < 3:
        spread = ", ".join(f"{n} keys: {c}" for n, c in sorted(report.mr_key_counts.items()))
        yield Finding(
            mr[0].file, 1, "", "mr-key-counts",
            f"multiple-response items cluster on {common} keys ({spread}); spread them over 1 to 5 so "
            "the number of keys is no cue",
        )


def _source_stems(items: list[_Item], report: LintReport) -> Iterator[Finding]:
    for item in items:
        text = item.text("vignette") + " " + item.text("stem")
        match = _SOURCE_RE.search(text)
        if match:
            report.source_stems.append(item.id)
            yield _finding(
                item, item.line_of("stem"), "names-source",
                f"the stem names a source ({match.group(0)!r}); only where the seeds disagree and that is the point",
            )
    if len(report.source_stems) > MAX_SOURCE_STEMS:
        first = next(item for item in items if item.id == report.source_stems[0])
        yield Finding(
            first.file, 1, "", "too-many-source-stems",
            f"{len(report.source_stems)} stems name a source (at most {MAX_SOURCE_STEMS})",
        )


def _true_false_balance(items: list[_Item]) -> Iterator[Finding]:
    keys = [item.raw.get("key") for item in items if item.kind == "true_false" and isinstance(item.raw.get("key"), bool)]
    if len(keys) < 8:
        return
    true_share = sum(keys) / len(keys)
    if max(true_share, 1 - true_share) > TF_MAX_SHARE:
        first = next(item for item in items if item.kind == "true_false")
        yield Finding(
            first.file, 1, "", "tf-balance",
            f"{sum(keys)} of {len(keys)} true/false statements are true: balance them so the answer is no cue",
        )


def _roots(text: str, common: frozenset[str] = frozenset()) -> set[str]:
    """The compared beginnings of the long content words of ``text``, names left out."""
    names = {name.lower() for name in _NAME_RE.findall(text)}
    names = {name for name in names if name.removesuffix("s") not in _CALENDAR_WORDS}
    words = (word.removesuffix("'s") for word in _content_words(text))
    return {
        word[:CLANG_ROOT] for word in words
        if len(word) >= CLANG_MIN_WORD and "'" not in word and word not in names
    } - common


def _echoes(root: str, text: str) -> bool:
    return any(root in word for word in _content_words(text))


def _word_with(root: str, text: str) -> str:
    return next((word for word in _content_words(text) if root in word), root)


def _clang_cues(items: list[_Item]) -> Iterator[Finding]:
    """A stem word that only the key repeats, or a statement that repeats its own category's name.

    A testwise student who knows nothing picks the option that echoes the question (NBME's "clang
    association"): "dependency" in the stem and "independence" only in the key; "agree" in a
    statement sorted under "Agreement on goals". Echoing the word in a distractor too, or not at
    all, removes the cue.
    """
    stems = {item.id: item.text("vignette") + " " + item.text("stem") for item in items}
    spread = Counter(root for item in items for root in _roots(stems[item.id]))
    common = frozenset(root for root, n in spread.items() if n >= max(3, CLANG_COMMON_SHARE * len(items)))
    for item in items:
        if item.kind in ("single", "multiple"):
            yield from _clang_in_options(item, stems[item.id], common)
        elif item.kind == "classification":
            yield from _clang_in_statements(item, common)


def _clang_in_options(item: _Item, stem: str, common: frozenset[str]) -> Iterator[Finding]:
    keys = item.key_ids()
    options = [(c.get("id"), str(c.get("text", ""))) for c in item.choices("options")]
    for root in sorted(_roots(stem, common)):
        in_keys = [oid for oid, text in options if oid in keys and _echoes(root, text)]
        in_distractors = [oid for oid, text in options if oid not in keys and _echoes(root, text)]
        if in_keys and not in_distractors and len(in_keys) == len(keys):
            echoed = _word_with(root, next(text for oid, text in options if oid == in_keys[0]))
            yield _finding(
                item, item.line_of("key"), "clang",
                f"the stem's word {_word_with(root, stem)!r} comes back in the key ({', '.join(map(str, in_keys))}: "
                f"{echoed!r}) and in no distractor, so a student can pick the key by the word; reword, repeat "
                "it in a distractor too, or justify in lint_ok",
            )


def _clang_in_statements(item: _Item, common: frozenset[str]) -> Iterator[Finding]:
    key = item.raw.get("key")
    categories = {c.get("id"): str(c.get("text", "")) for c in item.choices("categories")}
    if not isinstance(key, dict):
        return
    for statement in item.choices("statements"):
        own = key.get(statement.get("id"))
        if own not in categories:
            continue
        for root in sorted(_roots(categories[own], common)):
            shared = any(_echoes(root, text) for cid, text in categories.items() if cid != own)
            if not shared and _echoes(root, str(statement.get("text", ""))):
                yield _finding(
                    item, statement.line, "clang",
                    f"statement {statement.get('id')} repeats {_word_with(root, categories[own])!r} of its own "
                    f"category {categories[own]!r}, so it sorts itself by the word; reword, or justify in lint_ok",
                )


def _shared_facts(items: list[_Item]) -> Iterator[Finding]:
    """Two items that test the same fact give each other away on one form more often than any
    wording check can see, so items declaring a common fact in ``covers`` must be enemies.
    ``tf-shared-fact`` when one is a true/false item (a whole proposition: the other item's key
    states or refutes it, and a truth value has no words for ``leak`` to find), reported on the
    true/false item; ``shared-fact`` otherwise (blind review 7 found most give-aways *acted out*: a
    vignette shows the nurse doing what another item asks). Enemies count case-wide, as forms do (a
    form holds a case whole). Parts of two cases are left to reviewers: cases cannot be enemies of
    one another (an instructor may put every case on one form)."""
    linked = _links_of(items)
    for a, b in combinations(items, 2):
        shared = ", ".join(sorted(a.covers & b.covers))
        if not shared or (a.case and b.case) or linked(a, b):
            continue
        if "true_false" in (a.kind, b.kind):
            statement, other = (a, b) if a.kind == "true_false" else (b, a)
            yield _finding(
                statement, statement.line_of("covers"), "tf-shared-fact",
                f"this true/false item and {other.id} ({other.file}:{other.line}) both test {shared}: the one "
                "states or refutes the other's answer; mark them as enemies (or justify with lint_ok)",
            )
        else:
            yield _finding(
                a, a.line_of("covers"), "shared-fact",
                f"this item and {b.id} ({b.file}:{b.line}) both test {shared}: on one form the one "
                "can give the other away (a vignette that acts out the other's key); mark them as enemies "
                "(or justify with lint_ok)",
            )
