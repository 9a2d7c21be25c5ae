"""Every ```python block of the documentation runs, so no snippet can drift.

The blocks of README.md, python/README.md and docs/*.md are each run in a fresh
namespace (a block is a whole example: it imports what it uses). The fence's info
string says what else a block needs:

* ```python requires:pandas,dask``` -- skipped, with the reason, where one of those
  modules cannot be imported (``gpu`` means a CUDA device that nexpr can use);
* ```python nx``` -- not Python but an nexpr program (the language is Python-like):
  it is compiled with ``nexpr.program``;
* ```python no-run:REASON``` -- not run, for the reason given.

The Rust blocks are doctests (src/doc_snippets.rs), the shell blocks run against the
built command (cli/tests/cli/docs.rs).
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", ROOT / "python" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(`{3,})(.*)$")


@dataclass
class Block:
    """One fenced code block: where it is, its info string's words and its text."""

    path: Path
    line: int
    words: list[str]
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def option(self, key: str) -> str | None:
        for word in self.words[1:]:
            if word.startswith(key + ":"):
                return word[len(key) + 1 :]
        return None


def fenced_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, in order."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, info = opening.groups()
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != fence:
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path}:{i + 1}: a code block is never closed")
        blocks.append(Block(path, i + 1, info.split(), "\n".join(lines[i + 1 : end]) + "\n"))
        i = end + 1
    return blocks


PYTHON_BLOCKS = [b for path in DOCUMENTS for b in fenced_blocks(path) if b.words[:1] == ["python"]]


def test_the_documents_have_python_blocks() -> None:
    # A parser that found nothing would make every other test here vacuous.
    assert len(PYTHON_BLOCKS) >= 5, [b.id for b in PYTHON_BLOCKS]


def cuda_usable() -> bool:
    import nexpr

    threads = nexpr.get_num_threads()
    try:
        nexpr.compile("a + 1", target="cuda")
    except nexpr.errors.BackendError:
        return False
    return True


def skip_unless_available(block: Block) -> None:
    needs = block.option("requires")
    for need in needs.split(",") if needs else []:
        if need == "gpu":
            if not cuda_usable():
                pytest.skip(f"{block.id} needs a CUDA device and NVRTC, which this machine lacks")
        else:
            try:
                importlib.import_module(need)
            except ImportError as e:
                pytest.skip(f"{block.id} needs {need}, which is not installed ({e})")


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.id)
def test_python_block_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reason = block.option("no-run")
    if reason is not None:
        assert reason, f"{block.id}: no-run needs a reason (no-run:why)"
        pytest.skip(f"{block.id} is not run: {reason}")
    skip_unless_available(block)
    # Files a block writes land in a temporary directory; kernels/ is the repository's.
    monkeypatch.chdir(tmp_path)
    os.symlink(ROOT / "kernels", tmp_path / "kernels")
    if "nx" in block.words:
        import nexpr

        nexpr.program(block.text)
        return
    # Blank lines ahead of the block, so a traceback names the line of the document.
    code = compile("\n" * block.line + block.text, str(block.path), "exec")
    import nexpr

    threads = nexpr.get_num_threads()
    try:
        exec(code, {"__name__": "__doc_snippet__"})  # noqa: S102 - the documentation's own code
    finally:
        # A block that switches pandas to nexpr must not leave the switch on for the
        # tests that follow it.
        nexpr.uninstall_numexpr()
        nexpr.set_num_threads(threads)
