"""Errors: numexpr's exception types, nexpr's caret messages, and no panic ever."""

import random
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import same

import nexpr as ne
from nexpr import errors


def test_syntax_error_offset_is_one_based_character_column():
    with pytest.raises(SyntaxError) as ei:
        ne.evaluate("a + * b", local_dict={"a": 1, "b": 2})
    e = ei.value
    assert e.offset == 5  # the `*`
    assert e.lineno == 1
    assert e.text == "a + * b"
    assert "^" in str(e) and "line 1, column 5" in str(e)
    assert isinstance(e, ValueError)  # numexpr's refusal of forbidden syntax
    assert e.kind == "parse" and e.span == (4, 5)
    # Columns count characters, not bytes.
    with pytest.raises(SyntaxError) as ei:
        ne.evaluate("a + éé", local_dict={"a": 1})
    assert ei.value.offset == 5 and ei.value.span[0] == 4


def test_unknown_name_is_keyerror_with_caret():
    a = np.arange(3)  # noqa: F841 - looked up by name
    with pytest.raises(KeyError) as ei:
        ne.evaluate("a + zz")
    assert ei.value.name == "zz"
    assert "zz" in str(ei.value) and "^^" in str(ei.value)


def test_type_errors_are_typeerror_and_notimplementederror():
    a = np.arange(3.0)
    b = np.ones(3, bool)
    for ex in ["a & 1.5", "b - b", "~a", "a << 1"]:
        with pytest.raises(TypeError):
            ne.evaluate(ex, local_dict={"a": a, "b": b})
        with pytest.raises(NotImplementedError):
            ne.evaluate(ex, local_dict={"a": a, "b": b})


def test_boolean_keywords_are_typeerror():
    x = np.arange(3)  # noqa: F841
    with pytest.raises(TypeError, match="&"):
        ne.evaluate("(x > 1) and (x < 9)")


def test_shape_and_eval_errors_are_valueerror():
    a = np.arange(3)
    with pytest.raises(ValueError):
        ne.evaluate("a + b", local_dict={"a": a, "b": np.arange(4)})
    with pytest.raises(ValueError, match="negative integer powers"):
        ne.evaluate("a ** -1", local_dict={"a": a})
    with pytest.raises(ValueError):
        ne.evaluate("sum(y, axis=2)", local_dict={"y": np.ones((3, 3))})
    # Python's ValueError of a constant expression: 1 << -1, 3 >> -1.
    for ex in ("a + (1 << -1)", "a + (3 >> -1)"):
        with pytest.raises(ValueError, match="negative shift count"):
            ne.evaluate(ex, local_dict={"a": a})


def test_unicode_spans_never_panic():
    # A span ending inside a multi-byte character (the core's own caret would panic).
    for ex in ["(3+1).ᵇit_length()", "a.ᵇ", "ᵇ", "a + ᵇᵇ", "a\n+ é*", "€€ + 1"]:
        with pytest.raises(errors.NexprError):
            ne.evaluate(ex, local_dict={"a": np.ones(2)})


def test_fuzz_no_panic():
    rng = random.Random(1)
    alphabet = list("ab()+-*/%<>=!&|^~.,0123456789 jeE_\n\t") + ["sin", "where", "sum", "axis=", "é", "ᵇ", "**", "//", "1e400", "True"]
    arrays = {"a": np.arange(4.0), "b": np.arange(4)}
    for _ in range(3000):
        ex = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        try:
            ne.evaluate(ex, local_dict=arrays)
        except errors.NexprError:
            pass
        except BaseException as e:  # a PanicException is a BaseException
            raise AssertionError(f"{ex!r} raised {type(e).__name__}: {e}") from e


def test_validate_returns_exception():
    assert isinstance(ne.validate("a +", local_dict={}), SyntaxError)
    assert isinstance(ne.validate("q", local_dict={}), KeyError)
    assert ne.validate("1 + 1") is None


def test_re_evaluate_without_previous():
    import threading

    box = []

    def run():
        try:
            ne.re_evaluate()
        except RuntimeError as e:
            box.append(e)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert box


def test_constant_overflow_is_overflowerror():
    i32 = np.arange(3, dtype=np.int32)
    f = np.arange(3.0)
    for ex, d in [("i32 + 3000000000", {"i32": i32}), ("f + 2**1024", {"f": f}),
                  ("f + 2.0**5000", {"f": f})]:
        with pytest.raises(OverflowError) as ei:
            ne.evaluate(ex, local_dict=d)
        assert isinstance(ei.value, errors.ExpressionOverflowError)
        assert isinstance(ei.value, errors.NexprError) and ei.value.kind == "overflow"
        assert not isinstance(ei.value, TypeError)
    # NumPy raises the same class for the same operation
    with pytest.raises(OverflowError):
        i32 + 3000000000


def test_constant_division_by_zero_is_zerodivisionerror():
    f = np.arange(3.0)
    for ex in ["f + 1/0", "f + 5 % 0", "f + 0**-1", "f + 1.0 // 0"]:
        with pytest.raises(ZeroDivisionError) as ei:
            ne.evaluate(ex, local_dict={"f": f})
        assert isinstance(ei.value, errors.ExpressionZeroDivisionError)
        assert ei.value.kind == "zero-division" and "^" in str(ei.value)
    # between arrays, division by zero is NumPy's result, not an error
    with np.errstate(all="ignore"):
        same(ne.evaluate("f / (f * 0)"), f / (f * 0), exact=True)


def test_out_must_be_an_ndarray():
    a = np.arange(3.0)
    for bad in ([0.0, 0.0, 0.0], (1,), "x"):
        with pytest.raises(ValueError, match="out= must be a NumPy array") as ei:
            ne.evaluate("a * 2", local_dict={"a": a}, out=bad)
        assert "weak reference" not in str(ei.value)
        with pytest.raises(ValueError, match="out= must be a NumPy array"):
            ne.compile("a * 2")(a, out=bad)


def test_duplicate_program_outputs_fail_at_build():
    with pytest.raises(SyntaxError, match="declared twice"):
        ne.program("output y, y\ny = x + 1\n")


def _matching_brace(text, i):
    """The index of the brace that closes the one at `i`."""
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return j
    raise ValueError("unbalanced braces")


def _rust_functions(text):
    """(attributes, name, body, offset) of every `fn` in Rust source `text`, bodies found by
    brace matching (the binding's sources have balanced braces in their strings)."""
    out = []
    for m in re.finditer(r"((?:\s*#\[[^\n]*\]\n)*)\s*(?:pub(?:\(crate\))? )?fn (\w+)", text):
        i = text.index("{", m.end())
        j = _matching_brace(text, i)
        out.append((m.group(1), m.group(2), text[i : j + 1], m.start()))
    return out


def test_every_entry_point_turns_a_panic_into_an_internal_error():
    """Every function, method and module initializer the extension exports runs under
    `errors::shielded`, so that a panic (a bug) is an ``InternalError`` (a
    ``RuntimeError``), never pyo3's ``PanicException``, which escapes ``except
    Exception``. Getters only read a field and are left out."""
    src = Path(__file__).resolve().parents[1] / "src"
    if not src.is_dir():
        pytest.skip("the binding's sources are not next to the tests")
    checked, unshielded = [], []
    for path in sorted(src.glob("*.rs")):
        text = path.read_text()
        methods = []
        for m in re.finditer(r"#\[pymethods\]\s*impl[^{]*\{", text):
            start = m.end() - 1
            methods.append((start, _matching_brace(text, start)))
        for attrs, name, body, at in _rust_functions(text):
            exported = "#[pyfunction]" in attrs or "#[pymodule]" in attrs
            in_methods = any(lo < at < hi for lo, hi in methods)
            if not (exported or in_methods) or "#[getter]" in attrs:
                continue
            checked.append(name)
            if "shielded(" not in body:
                unshielded.append(f"{path.name}: {name}")
    assert not unshielded, unshielded
    # The scan found the entry points (a change of layout must not make it vacuous).
    for name in ["evaluate", "compile", "__call__", "run", "emit", "_nexpr", "run_cli"]:
        assert name in checked
    assert len(checked) >= 25, checked
