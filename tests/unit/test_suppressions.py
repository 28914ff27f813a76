"""Every `# type: ignore` and `# noqa` names what it silences and says why, on its line:
`# type: ignore[code]  # reason` and `# noqa: CODE  # reason`. mypy (warn_unused_ignores, in
strict mode) and ruff (RUF100) say when one silences nothing; this says when one is unexplained."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("workflows", "activities", "api", "models", "servicedesk", "tests", "bench")
SUPPRESSION = re.compile(r"#\s*(type:\s*ignore|noqa)\b(?P<rest>.*)$")
EXPLAINED = re.compile(r"^(\[[a-z-]+(,\s*[a-z-]+)*\]|:\s*[A-Z]+[0-9]+(,\s*[A-Z]+[0-9]+)*)\s+#\s*\S")


def unexplained() -> list[str]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "histories" in path.parts:  # recorded workflow histories' fixtures, not code
                continue
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
            for token in tokens:
                if token.type != tokenize.COMMENT:
                    continue
                if (m := SUPPRESSION.search(token.string)) and not EXPLAINED.match(m.group("rest")):
                    out.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.line.strip()}")
    return out


def test_every_suppression_names_its_code_and_says_why():
    assert unexplained() == []
