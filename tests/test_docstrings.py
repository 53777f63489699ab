"""The library's docstrings and docments render on the site's API pages as reStructuredText: a literal closed right
before a letter (the `Edit` objects written as "`Edit`" + "s") is not closed there, and Sphinx leaves a link to an anchor
that does not exist (it failed the site's link check twice). Caught here, in the quick suite, rather than in `make docs`."""
from pathlib import Path

LIB = Path(__file__).resolve().parents[1]/'v2s_nb'


def _unclosed(text:str) -> bool:
    "Does a `literal` in `text` end right before a letter or digit (so rST does not end it there)?"
    parts = text.split('`')
    return any(parts[k + 1][:1].isalnum() for k in range(1, len(parts) - 1, 2))


def test_no_literal_runs_into_a_word():
    bad = []
    for f in sorted(LIB.rglob('*.py')):
        for i, line in enumerate(f.read_text().splitlines(), 1):
            s = line.strip()
            text = s if s.startswith(('"', "'")) else s.split('# ', 1)[1] if '# ' in s else ''   # docstrings and docments
            if '``' not in text and _unclosed(text): bad.append(f'{f.relative_to(LIB.parent)}:{i}: {s[:110]}')
    assert not bad, 'a `literal` followed by a letter does not end in rST: write "the `Edit` objects", not "`Edit`s":\n' + '\n'.join(bad)


def test_the_check_can_fail():
    assert _unclosed('the `Edit`s applied') and not _unclosed("`face_ellipse`'s box, `a` and `b`")
