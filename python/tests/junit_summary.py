"""Reading a peer suite's JUnit XML: every failure is explained by a row of the suite's
table of known reasons, or it is reported as unexplained (a bug). Shared by
`numexpr_suite/run.py` and `pandas_suite/run.py`."""

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Outcome:
    passed: int = 0
    # skip message -> test ids
    skipped: dict = field(default_factory=lambda: defaultdict(list))
    # known reason -> test ids
    failed: dict = field(default_factory=lambda: defaultdict(list))
    # (test id, first lines of the message)
    unexplained: list = field(default_factory=list)

    @property
    def nfail(self):
        return sum(map(len, self.failed.values())) + len(self.unexplained)

    @property
    def nskip(self):
        return sum(map(len, self.skipped.values()))

    def failure_lines(self, most=None):
        """Markdown: one section per known reason (`most` ids listed at most), then the
        unexplained failures with their messages."""
        lines = []
        for reason, tests in sorted(self.failed.items(), key=lambda kv: -len(kv[1])):
            shown = tests if most is None else tests[:most]
            lines += [f"## failed, {len(tests)}: {reason}", *[f"- {t}" for t in shown]]
            if len(shown) < len(tests):
                lines.append(f"- ... {len(tests) - len(shown)} more")
            lines.append("")
        if self.unexplained:
            lines.append(f"## failed, {len(self.unexplained)}: UNEXPLAINED (bugs)")
            lines += [f"- {t}: {' | '.join(m)[:300]}" for t, m in self.unexplained] + [""]
        return lines


def classify(known, test_id, message):
    """The reason of the first `(reason, test pattern, message pattern)` row of `known`
    that matches, else None."""
    for reason, tpat, mpat in known:
        if re.search(tpat, test_id) and re.search(mpat, message):
            return reason
    return None


def read_junit(xml, known, skip_key=lambda message: message):
    """The outcome of every test case in the JUnit file `xml`; skips are grouped by
    `skip_key(message)`."""
    out = Outcome()
    for case in ET.parse(xml).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        skip = case.find("skipped")
        if bad is not None:
            message = (bad.get("message") or "") + "\n" + (bad.text or "")
            reason = classify(known, test_id, message)
            if reason is None:
                out.unexplained.append((test_id, (bad.get("message") or "").splitlines()[:3]))
            else:
                out.failed[reason].append(test_id)
        elif skip is not None:
            out.skipped[skip_key(skip.get("message") or "")].append(test_id)
        else:
            out.passed += 1
    return out
