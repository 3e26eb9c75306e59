r"""Hostile theme templates: each attempt, in the caption.txt.j2 of a user theme given by path, is refused.

Every attempt runs through ``make_post(article, theme=PATH)`` in one subprocess limited to 768 MiB of
address space and 120 s (a template that escaped its bounds would be killed, not take the test run
down), 20 s per attempt. Each must fail with one ``ThemeError`` line that names the template file and the
line (when the failure is in a template's code), run nothing (the marker file its payload would create
does not appear), read nothing outside the theme (no /etc/passwd text anywhere) and write no post.

| attempt | what it checks |
|---|---|
| `cycler.__init__.__globals__.os.popen(...)` | the reported code execution: dunder attributes refused |
| `joiner`/`namespace`/`lipsum` `.__init__.__globals__` | the other globals |
| `self._TemplateReference__context` | private names |
| `''.__class__.__mro__[1].__subclasses__()`, `hashtags.__class__.mro()` | class walking refused at the first step |
| `"{0.__class__.__init__.__globals__}".format(lead)` | format-string attribute access (str.format in the sandbox) |
| `cycler\|attr("__init__")` | the attr filter does not exist in theme templates |
| `[cycler]\|map(attribute="__init__")` | attribute lookups by filters go through the sandbox |
| `lead.translate(...)`, `hashtags.append(...)` | only a short list of str methods; lists are immutable |
| `range(10**10)`, `"x" * 10**10`, `2 ** (10 ** 8)` | memory exhaustion refused before anything is allocated |
| `"%999999999s"\|format`, `"{:>999999999}".format`, `_("%(n)999999999d")`, `center(10**9)` | format widths bounded |
| `("{0}" * 300000).format(lead)`, a list of lists printed, doubling a string in a loop | text amplification bounded |
| nested `range(100000)` loops, a recursive `loop()` | huge loops: at most 100,000 steps per render |
| a macro that calls itself | recursion: one line, not a RecursionError traceback |
| `{% include "secret.txt" %}` where secret.txt -> /etc/passwd | a symlinked file out of the theme is refused |
| `{% include "etc/passwd" %}` where etc -> /etc | a symlinked folder out of the theme is refused |
| `{% include "/etc/passwd" %}`, `{% extends "../../x" %}`, `"../" ~ "../etc/passwd"` | absolute and `..` names |
| `{% include "missing.j2" %}` | a missing include: one line with the include's line |
| caption.txt.j2 -> /etc/passwd, a FIFO, /dev/zero; a 2 MB template | the template itself: no read out, no hang |
| control: a symlink to a file inside the theme, `_()` and `ngettext` | legitimate templates still work |
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

MEMORY = 768 * 1024 * 1024
TIMEOUT = 120
PASSWD_LINE = "root:x:0:0"
ARTICLE = """---
title: The Tunguska event
date: 1908-06-30
handle: skyhistory
credit: "Photo: Leonid Kulik's expedition, 1927"
hashtags: [onthisday, tunguska]
---

A huge explosion flattened 2,000 square kilometres of taiga. People sixty kilometres away felt the heat.

Nobody was hurt, as far as anyone knows.
"""

# Run every attempt in one process (postkit is imported once): a job per theme folder, one JSON line out.
RUNNER = r"""
import json, signal, sys, time
from postkit.errors import PostkitError
from postkit.pipeline import make_post

def hang(*_):
    raise TimeoutError("more than 20 s")

signal.signal(signal.SIGALRM, hang)
results = []
for job in json.load(sys.stdin):
    started = time.perf_counter()
    signal.alarm(20)
    try:
        make_post(job["article"], theme=job["theme"], out=job["out"])
        result = {"error": None, "message": ""}
    except PostkitError as exc:
        result = {"error": type(exc).__name__, "message": str(exc)}
    except BaseException as exc:
        result = {"error": "unexpected " + type(exc).__name__, "message": str(exc)}
    finally:
        signal.alarm(0)
    result.update(id=job["id"], seconds=time.perf_counter() - started)
    results.append(result)
print(json.dumps(results))
"""


def _symlink(target: str, name: str):
    def setup(theme: Path) -> None:
        (theme / name).symlink_to(target)

    return setup


def _fifo_caption(theme: Path) -> None:
    os.mkfifo(theme / "caption.txt.j2")


def _huge_caption(theme: Path) -> None:
    with open(theme / "caption.txt.j2", "wb") as file:
        file.truncate(2 * 1024 * 1024)


@dataclass(frozen=True)
class Attempt:
    id: str
    caption: str | None  # the caption template (MARKER: the file its payload would create)
    expected: str  # a regular expression the one-line message must match
    line: int | None = 1  # the template line the message names; None: the template as a whole
    setup: object = None  # a function of the theme folder, for symlinks and FIFOs


SANDBOX = "refused by the template sandbox: "
ATTEMPTS = [
    Attempt(
        "rce-cycler",
        "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
        SANDBOX + r"access to attribute '__init__' of a 'type' object is unsafe",
    ),
    Attempt(
        "rce-joiner",
        "{{ joiner.__init__.__globals__.__builtins__.__import__('os').system('touch MARKER') }}",
        SANDBOX + r"access to attribute '__init__'",
    ),
    Attempt(
        "rce-namespace",
        "{{ namespace.__init__.__globals__.os.system('touch MARKER') }}",
        SANDBOX + r"access to attribute '__init__'",
    ),
    Attempt("rce-lipsum", "{{ lipsum.__globals__.os.system('touch MARKER') }}", r"'lipsum' is undefined"),
    Attempt(
        "rce-context",
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system('touch MARKER') }}",
        SANDBOX + r"access to attribute '_TemplateReference__context'",
    ),
    Attempt(
        "subclasses",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        SANDBOX + r"access to attribute '__class__' of a 'str' object is unsafe",
    ),
    Attempt("mro", "{{ hashtags.__class__.mro() }}", SANDBOX + r"access to attribute '__class__' of a 'list'"),
    Attempt(
        "format-attribute",
        "{{ '{0.__class__.__init__.__globals__}'.format(lead) }}",
        SANDBOX + r"access to attribute '__class__' of a 'str' object is unsafe",
    ),
    Attempt(
        "attr-filter",
        "{{ cycler|attr('__init__')|attr('__globals__') }}",
        r"No filter named 'attr'; use Jinja's built-in filters \(all but attr\)",
    ),
    Attempt(
        "map-attribute",
        "{{ [cycler]|map(attribute='__init__')|map(attribute='__globals__')|list }}",
        SANDBOX + r"access to attribute '__init__'",
    ),
    Attempt(
        "str-translate",
        "{{ lead.translate({65: lead * 1000}) }}",
        SANDBOX + r"access to attribute 'translate' of a 'str'",
    ),
    Attempt("list-append", "{{ hashtags.append('x') }}", SANDBOX + r"access to attribute 'append' of a 'list' object"),
    Attempt("range-huge", "{{ range(10**10)|list }}", r"The sandbox blocks ranges larger than MAX_RANGE \(100000\)"),
    Attempt("string-times", "{{ 'x' * 10**10 }}", SANDBOX + r"'\*' would make 10,000,000,000 characters"),
    Attempt("power", "{{ 2 ** (10 ** 8) }}", SANDBOX + r"the template makes a number of about 200,000,000 bits"),
    Attempt("percent-width", "{{ '%999999999s'|format('x') }}", SANDBOX + r"the format '%999999999s' asks for a width"),
    Attempt("brace-width", "{{ '{:>999999999}'.format('x') }}", SANDBOX + r"the format '\{:>999999999\}'"),
    Attempt("gettext-width", "{{ _('%(n)999999999d', n=1) }}", SANDBOX + r"the format '%\(n\)999999999d'"),
    Attempt("center", "{{ lead|center(10**9) }}", SANDBOX + r"center\(1,000,000,000\) asks for a width over 10,000"),
    Attempt(
        "format-copies",
        "{{ ('{0}' * 300000).format(lead * 10) }}",
        SANDBOX + r"the format .* would make [\d,]+ characters, more than 1,000,000",
    ),
    Attempt(
        "list-of-lists",
        "{% set a = [lead] * 3000 %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}\n{{ [b, b, b, b, b, b, b, b, b, b] }}",
        SANDBOX + r"the template makes a value whose text would be more than 1,000,000 characters",
        line=2,
    ),
    Attempt(
        "doubling",
        "{% set ns = namespace(s=lead) %}\n{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        SANDBOX + r"the template makes a value of [\d,]+ characters or items, more than 1,000,000",
        line=2,
    ),
    Attempt(
        "nested-loops",
        "{% for i in range(100000) %}\n{% for j in range(100000) %}{% endfor %}{% endfor %}",
        SANDBOX + r"the template takes more than 100,000 loop turns, calls and operations",
        line=2,
    ),
    Attempt(
        "recursive-loop",
        "{% for i in range(100) recursive %}{% if loop.depth < 6 %}{{ loop(range(100)) }}{% endif %}{% endfor %}",
        SANDBOX + r"the template takes more than 100,000 loop turns",
    ),
    Attempt(
        "recursive-macro",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        r"the template includes, extends or calls itself too deeply",
    ),
    Attempt(
        "include-symlinked-file",
        "{% include 'secret.txt' %}",
        SANDBOX + r"'secret.txt' in .* leads to /etc/passwd, outside the template folders",
        setup=_symlink("/etc/passwd", "secret.txt"),
    ),
    Attempt(
        "include-symlinked-folder",
        "{% include 'etc/passwd' %}",
        SANDBOX + r"'etc/passwd' in .* leads to /etc/passwd, outside the template folders",
        setup=_symlink("/etc", "etc"),
    ),
    Attempt("include-absolute", "{% include '/etc/passwd' %}", r"template '/etc/passwd' was not found"),
    Attempt(
        "extends-parent",
        "{% extends '../../x' %}",
        SANDBOX + r"the template name '\.\./\.\./x' leads out of the template folders",
    ),
    Attempt(
        "include-built-name",
        "{% include '../' ~ '../../../../etc/passwd' %}",
        SANDBOX + r"the template name '\.\./\.\./\.\./\.\./\.\./etc/passwd' leads out of the template folders",
    ),
    Attempt("include-missing", "\n{% include 'missing.j2' %}", r"template 'missing.j2' was not found", line=2),
    Attempt(
        "caption-symlink-out",
        None,
        SANDBOX + r"'caption.txt.j2' in .* leads to /etc/passwd, outside the template folders",
        line=None,
        setup=_symlink("/etc/passwd", "caption.txt.j2"),
    ),
    Attempt(
        "caption-dev-zero",
        None,
        SANDBOX + r"'caption.txt.j2' in .* leads to /dev/zero, outside the template folders",
        line=None,
        setup=_symlink("/dev/zero", "caption.txt.j2"),
    ),
    Attempt(
        "caption-fifo",
        None,
        SANDBOX + r"'caption.txt.j2' cannot be read \(.* is not a regular file\)",
        line=None,
        setup=_fifo_caption,
    ),
    Attempt(
        "caption-2mb",
        None,
        SANDBOX + r"'caption.txt.j2' cannot be read \(.* is larger than 1,048,576 bytes\)",
        line=None,
        setup=_huge_caption,
    ),
]


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    """Prepare a theme folder per attempt (and one control), run them all in one bounded subprocess."""
    root = tmp_path_factory.mktemp("hostile-templates")
    article = root / "article.md"
    article.write_text(ARTICLE, encoding="utf-8")
    control = Attempt(
        "control",
        "{% include 'parts/hook.j2' %}\n{{ ngettext('%(num)s year', '%(num)s years', 2) }} {{ _('Pictured') }}\n"
        "{{ hashtags|map('format_hashtag')|join(' ') }}",
        "",
        setup=_symlink("real", "parts"),
    )
    jobs = []
    for attempt in [*ATTEMPTS, control]:
        theme = root / attempt.id / "theme"
        theme.mkdir(parents=True)
        (theme / "theme.toml").write_text('extends = "classic"\n', encoding="utf-8")
        if attempt.id == "control":
            (theme / "real").mkdir()
            (theme / "real" / "hook.j2").write_text("HOOK: {{ hook }}\n", encoding="utf-8")
        if attempt.caption is not None:
            marker = root / attempt.id / "MARKER"
            (theme / "caption.txt.j2").write_text(attempt.caption.replace("MARKER", str(marker)), encoding="utf-8")
        if attempt.setup is not None:
            attempt.setup(theme)
        jobs.append(
            {"id": attempt.id, "article": str(article), "theme": str(theme), "out": str(root / attempt.id / "out")}
        )
    done = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return root, {result["id"]: result for result in json.loads(done.stdout)}


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.id for a in ATTEMPTS])
def test_attempt_is_refused_with_one_line_naming_template_and_line(outcomes, attempt):
    root, results = outcomes
    result = results[attempt.id]
    folder = root / attempt.id
    message = result["message"]
    assert result["error"] == "ThemeError", result
    assert "\n" not in message and PASSWD_LINE not in message
    assert re.search(attempt.expected, message), message
    template = folder / "theme" / "caption.txt.j2"
    if attempt.line is not None:
        assert message.startswith(f"{template}, line {attempt.line}: "), message
    else:
        assert message.startswith("refused by the template sandbox: 'caption.txt.j2' "), message
        assert str(folder / "theme") in message
    assert not (folder / "MARKER").exists(), "the payload ran"
    assert not (folder / "out").exists(), "a post was written"
    assert result["seconds"] < 10


def test_a_legitimate_template_still_works(outcomes):
    """Control: includes through a symlink inside the theme, gettext callables and format_hashtag render."""
    root, results = outcomes
    assert results["control"]["error"] is None, results["control"]
    caption = (root / "control" / "out" / "caption.txt").read_text(encoding="utf-8")
    assert caption.startswith("HOOK: June 30, 1908")
    assert "2 years Pictured" in caption and "#onthisday #tunguska" in caption


def test_article_text_is_data_not_template(tmp_path):
    """An article whose title and body are template code gets them back as text, evaluated nowhere."""
    from postkit.pipeline import make_post

    article = tmp_path / "article.md"
    article.write_text(
        ARTICLE.replace("The Tunguska event", "'{{ cycler.__init__ }} {{ 7 * 7 }}'").replace(
            "Nobody was hurt", "{% include '/etc/passwd' %} Nobody was hurt"
        ),
        encoding="utf-8",
    )
    make_post(article, out=tmp_path / "out")
    caption = (tmp_path / "out" / "caption.txt").read_text(encoding="utf-8")
    assert "{{ cycler.__init__ }} {{ 7 * 7 }}" in caption and "49" not in caption
    assert PASSWD_LINE not in caption
