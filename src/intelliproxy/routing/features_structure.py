"""Structural evidence: the shape of a text rather than its words.

Each rule has a gate: words (looked up in the text's token set) and marks (substrings of
the lower-cased text), one of which must occur before the regex runs at all. Where a
rule runs, its branches start with literals where possible: a branch that starts with
a common letter class or `\\b` makes the engine try every position (~20 ns a char),
whereas a set lookup costs ~50 ns in total. That keeps a 3 KB prompt under 1 ms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    words: frozenset[str]  # gate: any of these tokens ...
    marks: tuple[str, ...]  # ... or any of these substrings of the lower-cased text
    pattern: re.Pattern[str]
    category: str
    weight: float
    reason: str
    lower: bool = False  # match against the lower-cased text (cheaper than re.I)
    require: str = ""  # a substring that must also occur


def _rule(
    words: str,
    marks: tuple[str, ...],
    pattern: str,
    category: str,
    weight: float,
    reason: str,
    *,
    lower: bool = False,
    multiline: bool = False,
    require: str = "",
) -> Rule:
    compiled = re.compile(pattern, re.MULTILINE if multiline else 0)
    return Rule(frozenset(words.split()), marks, compiled, category, weight, reason, lower, require)


_DOCSTRING = "\"\"\"|'''"

# A rule per block reads better than the formatter's one item per line.
# fmt: off
RULES: tuple[Rule, ...] = (
    _rule("", ("```",), r"```", "code", 2.5, "code-fence"),
    _rule(
        "", (),
        r"\A\s*(?:def \w+\(|import \w|from [\w.]+ import|class \w+|#include|(?:public|private) \w"
        r"|package \w|function \w+\(|fn \w+|func \w+|using \w+;)",
        "code", 3.0, "starts-with-code",
    ),
    _rule("", ('"""', "'''"), _DOCSTRING, "code", 1.5, "docstring"),
    _rule(
        "", ("error", "exception", "traceback", "panic:", "fault", "err!", "undefined reference",
             "cannot find symbol", "command not found", "\tat ", "    at "),
        r"Traceback \(most recent call last\)|\n\s+at [\w.$<>]+\(.*:\d+\)"
        r"|(?:Error|Exception)(?::| in | at )|panic:|Segmentation fault|error\[E\d+\]"
        r"|npm ERR!|undefined reference to|cannot find symbol|command not found",
        "code", 3.5, "stack-trace",
    ),
    _rule(
        "", (),
        r"^[ \t]*(?:def |class \w+[(:]|import \w|from [\w.]+ import|#include"
        r"|public (?:static|class)|function \w+\s*\(|const \w+\s*=|let \w+\s*=|var \w+\s*="
        r"|func \w+\(|fn \w+\(|package \w|using \w+;|SELECT |INSERT INTO|CREATE TABLE|return\b"
        r"|\w+\s*=\s*\[)",
        "code", 2.5, "code-line", multiline=True,
    ),
    _rule(
        # No bare .c / .h: "Washington D.C." is not a C file.
        "", (".",),
        r"\.(?:py|js|ts|tsx|jsx|java|cpp|cc|hpp|go|rs|rb|php|cs|kt|sh|sql|ya?ml|json|toml|ini"
        r"|cfg|html|css|ipynb|gradle|csproj|vue)\b",
        "code", 2.0, "file-path", lower=True,
    ),
    _rule(
        "sudo apt apt-get pip npm git chmod grep xargs ls awk sed",
        ("$ ", "|grep", "| sort", "| wc", "| head", "| tail", "| uniq"),
        r"\A\$ \w|\n\s*\$ \w|sudo \w|apt(?:-get)? install|pip install|npm (?:install|run|i )"
        r"|git (?:commit|push|pull|clone|checkout|rebase|merge|log|stash|diff)\b|chmod |grep "
        r"|xargs |\| ?(?:grep|awk|sed|sort|uniq|wc|head|tail)\b|ls -\w|awk '|sed '",
        "code", 2.5, "shell",
    ),
    _rule("assert", (">>>",), r"^>>> |assert\s+[\w.]+\s*\(", "code", 2.5, "tests", multiline=True),
    _rule("select", (), r"select\b[\s\S]{1,200}?\bfrom\b", "code", 2.0, "sql", lower=True),
    _rule("", ("</", "/>"), r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", "code", 1.2, "markup"),
    _rule(
        "constraints", ("example 1", "<=", "10^"),
        r"example \d+:|constraints:|\d+\s*<=\s*[\w.\[\]]+\s*<=|10\^\d",
        "code", 2.0, "judge-format", lower=True,
    ),
    _rule(
        # An online-judge statement: an input section, then an output section.
        "input", (), r"(?:^|\n)\s*input(?: format)?\s*:?\s*(?:\n|$)[\s\S]{0,1500}?\n\s*output\b"
        r"|\binput:[\s\S]{0,1500}?\boutput:",
        "code", 3.0, "io-spec", lower=True, require="output",
    ),
    _rule(
        # Regex syntax: lookarounds, character ranges, escaped classes with quantifiers.
        "", ("(?", "\\d", "\\w", "\\s", "\\b", "[a-z", "[a-z", "[0-9", "[^"),
        r"\(\?[=!:<]|\[\^?[a-zA-Z0-9]-[a-zA-Z0-9]|\\[dwsbDWS][+*?{)\]]",
        "code", 2.5, "regex-syntax",
    ),
    _rule(
        "", ("$", "\\"),
        r"\$[^$\n]{1,120}\$|\\(?:frac|sqrt|cdot|times|leq?|geq?|neq|pi|sum|int|prod|binom|left"
        r"|right|begin|mathbf|mathrm|angle|infty|alpha|beta|theta|lfloor|pmod|equiv)\b|\\\[|\\\(",
        "reasoning", 3.0, "latex",
    ),
    _rule("", tuple("≤≥≠∑∫√π∞∈∀∃±×÷²³"), r"[≤≥≠∑∫√π∞∈∀∃±×÷²³]", "reasoning", 2.0, "math-symbols"),
    _rule(
        "", ("^", "="),
        r"\^\s*\(?-?\d|\d[a-z]\s*[+\-=]|[+\-*/×÷]\s*\d+\s*=|\([a-z]\)\s*=",
        "reasoning", 2.0, "equation",
    ),
    _rule(
        "all no some", (), r"(?:all|some|no) [a-z]+ are [a-z]",
        "reasoning", 2.0, "syllogism", lower=True, require=" are ",
    ),
    _rule(
        "", ("--", ":1.", ":0."),
        r"--(?:ar|v|q|s|stylize|niji|seed|no)\s+[\w:.]+|\(\w[\w ]{1,30}:[01]\.\d\)",
        "image", 3.0, "sd-syntax",
    ),
    _rule(
        "", ("look like", "looks like", "visuali", "mm ", "mm,", "f/", "by greg"),
        r"(?:show|give) me (?:what|how) .{1,80}?(?:looks?|would look|might look) like"
        r"|visuali[sz]e (?:a|an|the|what)\b|\d{2,3}mm\b|f/\d|by greg",
        "image", 2.5, "show-look", lower=True,
    ),
    _rule(
        "see", ("picture this",),
        r"(?:like|love|want|wanna) to see (?:a|an|some|two|three)\b|\Apicture this\b",
        "image", 1.5, "want-to-see", lower=True,
    ),
    _rule(
        "pretend imagine character let's lets continue once media",
        ("if you were", "you are now", "you will", "i want you to", "respond as", "what happens"),
        r"pretend (?:to be|you are|you're|that you)|imagine (?:you are|you're|yourself)"
        r"|if you were an?\b|you are now\b|stay in character|let'?s (?:play a game|role-?play"
        r"|pretend)|you will (?:play|act as)|i want you to (?:play|be|pretend)|respond as\b"
        r"|continue (?:the|this|my) (?:story|text|tale|narrative|scene|chapter|poem)"
        r"|once upon a time|what happens next|in media res",
        "uncensored", 2.5, "role-play", lower=True,
    ),
    _rule(
        "", ("[", "as a", "as an", "you are a"),
        r"^\s*\[(?:wp|sp|eu|tt|cw|ff|pi|rf|ot)\]|^(?:as|you are) an? [\w\- ]{2,40},",
        "uncensored", 2.0, "persona", lower=True, multiline=True,
    ),
    _rule(
        # An opening persona ("You are a medieval innkeeper.") but not an assistant brief.
        "", ("you are a",),
        r"\A\s*you are an? (?![\w\- ]*\b(?:assistant|helpful|expert|ai|model|bot|chatbot|tutor"
        r"|teacher|engineer|developer|programmer|translator|analyst|consultant|advisor"
        r"|specialist|professional|given)\b)[\w\- ]{2,40}[.,!]",
        "uncensored", 2.0, "persona-open", lower=True,
    ),
    _rule("", ("act as",), r"act as (?:a|an|my|the)\b", "uncensored", 1.5, "act-as", lower=True),
    # A role-play turn that opens with an action between asterisks: "*walks in* Hello?"
    _rule("", ("*",), r"\A\s*\*[a-z][^*\n]{2,120}\*", "uncensored", 2.5, "rp-action", lower=True),
    _rule(
        # Lettered options, (A)/(B)/(C) or A./B./C.: a multiple-choice problem.
        "", (" (b)", "\n(b)", " b)", "\nb)", " b.", "\nb.", " b:", "\nb:"),
        r"(?:\(b\)|\bb[.:)]) [\s\S]{1,300}?(?:\(c\)|\bc[.:)]) [\s\S]{1,300}?(?:\(d\)|\bd[.:)]) ",
        "reasoning", 2.0, "multiple-choice", lower=True, require="c",
    ),
    _rule(
        "calculate compute evaluate", ("what is", "what's", "% of"),
        r"(?:what is|what's|calculate|compute|evaluate) [-\d(.$]|\d%? of \d",
        "reasoning", 2.5, "arithmetic", lower=True,
    ),
    _rule(
        "convert", (), r"convert -?\d[\d,.]* ?[a-z°]+ (?:to|into) ",
        "reasoning", 2.0, "unit-conversion", lower=True,
    ),
)

# Code punctuation that prose almost never has. Plain substrings: cheap and clear.
SYNTAX_MARKS = (
    "=>", "!=", "==", "&&", "||", "::", ";\n", "{\n", "}\n", ");", "();", "->", "+=", "[i]",
    "):", "range(", "len(", "self.", "i++", "print(", "for i in", "null;", "</",
)
# fmt: on


# One index over every rule's gate, so that a text is checked against each word and mark
# once rather than rule by rule (most rules are gated out on most prompts).
def _gate_index() -> tuple[dict[str, list[int]], dict[str, list[int]], tuple[int, ...]]:
    by_word: dict[str, list[int]] = {}
    by_mark: dict[str, list[int]] = {}
    for index, rule in enumerate(RULES):
        for word in rule.words:
            by_word.setdefault(word, []).append(index)
        for mark in rule.marks:
            by_mark.setdefault(mark, []).append(index)
    ungated = tuple(i for i, rule in enumerate(RULES) if not (rule.words or rule.marks))
    return by_word, by_mark, ungated


_BY_WORD, _BY_MARK, _UNGATED = _gate_index()
_GATE_WORDS = frozenset(_BY_WORD)


def rules_to_try(tokens: frozenset[str], lower: str) -> list[Rule]:
    """The rules whose gate opens for this text (and whose `require` is met), in order."""
    open_ = set(_UNGATED)
    for word in _GATE_WORDS.intersection(tokens):
        open_.update(_BY_WORD[word])
    for mark, indices in _BY_MARK.items():
        if mark in lower:
            open_.update(indices)
    rules = (RULES[i] for i in sorted(open_))
    return [rule for rule in rules if not rule.require or rule.require in lower]


IDENTIFIER_BEFORE_PAREN = re.compile(r"(?:[a-z0-9]_[A-Za-z0-9_]*|[a-z][A-Z][A-Za-z0-9]*)$")
MAX_PARENS = 40


def has_code_identifier(text: str) -> bool:
    """snake_case( or camelCase( somewhere: a call in code, rare in prose."""
    pos = text.find("(")
    for _ in range(MAX_PARENS):
        if pos < 0:
            return False
        if IDENTIFIER_BEFORE_PAREN.search(text, max(0, pos - 40), pos):
            return True
        pos = text.find("(", pos + 1)
    return False


_IMAGE_NOUN = re.compile(r"(?:image|picture|photo|screenshot|diagram|chart|figure|scan)s?\b")
_IMAGE_REF_BEFORE = re.compile(
    r"(?:(?:in|from|of|on|at) (?:this|the attached|the uploaded|the above|these|my|that)"
    r"|(?:describe|caption|what(?:'s| is) in) (?:this|the|my)) (?:\w+ )?$"
)
MAX_IMAGE_NOUNS = 20


def refers_to_an_image(lower: str) -> bool:
    """ "in this photo", "describe the image": the user means a picture they attached.

    Finds the noun first (few candidates), then looks just behind it: much cheaper than
    a regex whose branches start with common words like "in" or "of".
    """
    return _preceded(_IMAGE_NOUN, _IMAGE_REF_BEFORE, lower, MAX_IMAGE_NOUNS, 40)


def _preceded(
    anchor: re.Pattern[str], before: re.Pattern[str], lower: str, limit: int, reach: int
) -> bool:
    """Does `before` match just behind one of the first `limit` matches of `anchor`?"""
    for count, match in enumerate(anchor.finditer(lower)):
        if count >= limit:
            break
        start = match.start()
        if before.search(lower, max(0, start - reach), start):
            return True
    return False


_ROLE = re.compile(r"the role of|in character")
_ROLE_VERB = re.compile(r"(?:take on|takes on|embrace|assume|play|playing|step into|stay|remain) $")
MAX_ROLES = 10


def takes_a_role(lower: str) -> bool:
    """ "embrace the role of Sheldon", "stay in character": a role-play set-up.

    Finds the literal first, then looks at the verb just before it (cheap on long texts).
    """
    return _preceded(_ROLE, _ROLE_VERB, lower, MAX_ROLES, 12)
