"""Structural evidence: the shape of a text rather than its words.

Each rule is (gate, pattern, category, weight, reason). The gate is a tuple of plain
substrings of the lower-cased text, at least one of which must occur before the regex
runs at all; `in` on a str is C-speed, whereas a regex that starts with a character
class or `\\b` costs ~20 ns per character. That keeps a 3 KB prompt well under 1 ms.
Patterns with `lower=True` run on the lower-cased text (cheaper than re.IGNORECASE).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    gate: tuple[str, ...]  # () = always run
    pattern: re.Pattern[str]
    category: str
    weight: float
    reason: str
    lower: bool = False  # match against the lower-cased text


_M = re.MULTILINE

RULES: tuple[Rule, ...] = (
    Rule(("```",), re.compile(r"```"), "code", 2.5, "code-fence"),
    Rule(
        (
            "error",
            "exception",
            "traceback",
            "panic:",
            "fault",
            "err!",
            "undefined reference",
            "cannot find symbol",
            "command not found",
            "\tat ",
            "    at ",
        ),
        re.compile(
            r"Traceback \(most recent call last\)|^\s+at [\w.$<>]+\(.*:\d+\)|"
            r"[a-z](?:Error|Exception)\b:?|[A-Z]\w*(?:Error|Exception):|panic:|"
            r"Segmentation fault|error\[E\d+\]|npm ERR!|undefined reference to|"
            r"cannot find symbol|command not found|\bError: ",
            _M,
        ),
        "code",
        3.5,
        "stack-trace",
    ),
    Rule(
        (),
        re.compile(
            r"^[ \t]*(?:def |class \w+[(:]|import \w|from [\w.]+ import|#include|"
            r"public (?:static|class)|function \w+\s*\(|const \w+\s*=|let \w+\s*=|var \w+\s*=|"
            r"func \w+\(|fn \w+\(|package \w|using \w+;|SELECT |INSERT INTO|CREATE TABLE|"
            r"return\b|\w+\s*=\s*\[)",
            _M,
        ),
        "code",
        2.5,
        "code-line",
    ),
    Rule(
        (
            ".py",
            ".js",
            ".ts",
            ".java",
            ".cpp",
            ".cc",
            ".hpp",
            ".go",
            ".rs",
            ".rb",
            ".php",
            ".cs",
            ".kt",
            ".sh",
            ".sql",
            ".yml",
            ".yaml",
            ".json",
            ".toml",
            ".ini",
            ".cfg",
            ".html",
            ".css",
            ".ipynb",
            ".gradle",
            ".vue",
            ".c ",
            ".h ",
            ".c\n",
            ".h\n",
        ),
        re.compile(
            r"(?<=\w)\.(?:py|js|ts|tsx|jsx|java|cpp|cc|hpp|go|rs|rb|php|cs|kt|sh|sql|ya?ml|"
            r"json|toml|ini|cfg|html|css|ipynb|gradle|csproj|vue|c|h)\b"
        ),
        "code",
        2.0,
        "file-path",
    ),
    Rule(
        (
            "$ ",
            "sudo ",
            "apt",
            "pip install",
            "npm ",
            "git ",
            "chmod",
            "grep",
            "xargs",
            "| ",
            "ls -",
            "awk ",
            "sed ",
        ),
        re.compile(
            r"^\s*\$ \w|sudo \w|apt(?:-get)? install|pip install|npm (?:install|run|i )|"
            r"git (?:commit|push|pull|clone|checkout|rebase|merge|log|stash|diff)\b|chmod |"
            r"grep |xargs |\| ?(?:grep|awk|sed|sort|uniq|wc|head|tail)\b|ls -\w|awk '|sed '",
            _M,
        ),
        "code",
        2.5,
        "shell",
    ),
    Rule((">>>", "assert"), re.compile(r"^>>> |assert\s+[\w.]+\s*\(", _M), "code", 2.5, "tests"),
    Rule(("select",), re.compile(r"select\b[\s\S]{1,200}?\bfrom\b"), "code", 2.0, "sql", True),
    Rule(("</", "/>"), re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>"), "code", 1.2, "markup"),
    Rule(
        ("example 1", "constraints", "<=", "10^"),
        re.compile(r"example \d+:|constraints:|\d+\s*<=\s*[\w.\[\]]+\s*<=|10\^\d"),
        "code",
        2.0,
        "judge-format",
        True,
    ),
    Rule(
        ("$", "\\"),
        re.compile(
            r"\$[^$\n]{1,120}\$|\\(?:frac|sqrt|cdot|times|leq?|geq?|neq|pi|sum|int|prod|binom|"
            r"left|right|begin|mathbf|mathrm|angle|infty|alpha|beta|theta|lfloor|pmod|equiv)\b|"
            r"\\\[|\\\("
        ),
        "reasoning",
        3.0,
        "latex",
    ),
    Rule(
        ("≤", "≥", "≠", "∑", "∫", "√", "π", "∞", "∈", "∀", "∃", "±", "×", "÷", "²", "³"),
        re.compile(r"[≤≥≠∑∫√π∞∈∀∃±×÷²³]"),
        "reasoning",
        2.0,
        "math-symbols",
    ),
    Rule(
        ("^", "="),
        re.compile(
            r"[a-z0-9)]\s*\^\s*\(?-?\d|\d[a-z]\s*[+\-=]|[a-z]\s*[+\-]\s*\d+\s*=|"
            r"\d\s*[+\-*/×÷]\s*\d+\s*=|[fgh]\([a-z]\)\s*="
        ),
        "reasoning",
        2.0,
        "equation",
    ),
    Rule(
        ("all ", "no "),
        re.compile(r"(?:^|\. |, |and |but )(?:all|no|some) \w+ are \w+"),
        "reasoning",
        1.5,
        "syllogism",
        True,
    ),
    Rule(
        ("--", ":1.", ":0."),
        re.compile(r"--(?:ar|v|q|s|stylize|niji|seed|no)\s+[\w:.]+|\(\w[\w ]{1,30}:[01]\.\d\)"),
        "image",
        3.0,
        "sd-syntax",
    ),
    Rule(
        ("look like", "looks like", "visuali", "mm ", "mm,", "f/", "by greg"),
        re.compile(
            r"(?:show|give) me (?:what|how) .{1,80}?(?:looks?|would look|might look) like|"
            r"visuali[sz]e (?:a|an|the|what)\b|\d{2,3}mm\b|\bf/\d|by greg"
        ),
        "image",
        2.5,
        "show-look",
        True,
    ),
    Rule(
        (
            "pretend",
            "imagine",
            "if you were",
            "you are now",
            "character",
            "let's",
            "lets ",
            "you will",
            "i want you to",
            "respond as",
            "continue",
            "once upon",
            "what happens next",
            "media res",
        ),
        re.compile(
            r"pretend (?:to be|you are|you're|that you)|imagine (?:you are|you're|yourself)|"
            r"if you were an?\b|you are now\b|stay in character|let'?s (?:play a game|role-?play|"
            r"pretend)|you will (?:play|act as)|i want you to (?:play|be|pretend)|respond as\b|"
            r"continue (?:the|this|my) (?:story|text|tale|narrative|scene|chapter|poem)|"
            r"once upon a time|what happens next|in media res"
        ),
        "uncensored",
        2.5,
        "role-play",
        True,
    ),
    Rule(
        ("[", "as a", "as an", "you are a"),
        re.compile(
            r"^\s*\[(?:wp|sp|eu|tt|cw|ff|pi|rf|ot)\]|^(?:as|you are) an? [\w\- ]{2,40},", _M
        ),
        "uncensored",
        2.0,
        "persona",
        True,
    ),
    Rule(("act as",), re.compile(r"act as (?:a|an|my|the)\b"), "uncensored", 1.0, "act-as", True),
    Rule(
        ("image", "picture", "photo", "screenshot", "diagram", "chart", "figure", "scan"),
        re.compile(
            r"(?:in|from|of|on|at) (?:this|the attached|the uploaded|the above|these|my|that) "
            r"(?:image|picture|photo|photograph|screenshot|diagram|chart|figure|scan)s?\b|"
            r"(?:describe|caption|what(?:'s| is) in) (?:this|the|my) (?:image|picture|photo)\b"
        ),
        "vision",
        2.0,
        "image-ref",
        True,
    ),
)

# Code punctuation that prose almost never has. Plain substrings: cheap and clear.
SYNTAX_MARKS = ("=>", "!=", "==", "&&", "||", "::", ";\n", "{\n", "}\n", ");", "();", "->")
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
