"""The exceptions nexpr raises.

Each derives from the built-in exception numexpr raises in the same situation, so code
written for numexpr keeps catching them (pandas falls back to NumPy on ``TypeError``
and ``NotImplementedError``); where numexpr and NumPy disagree, from both. Every one
also derives from :class:`NexprError` and carries:

* ``kind``: ``'parse'``, ``'type'``, ``'overflow'``, ``'zero-division'``, ``'name'``,
  ``'shape'``, ``'dtype'``, ``'eval'``, ``'io'``, ``'backend'``, ``'usage'``, ``'memory'``, ``'cancelled'`` or ``'internal'``;
* ``expression``: the text evaluated (empty when not about the text);
* ``span``: ``(start, end)`` character offsets of the fault in it, or None.

The message shows the expression with a caret under the fault.
"""

__all__ = [
    "NexprError",
    "ExpressionSyntaxError",
    "BooleanOperatorError",
    "ExpressionTypeError",
    "ExpressionOverflowError",
    "ExpressionZeroDivisionError",
    "UnknownNameError",
    "ShapeError",
    "UnsupportedDTypeError",
    "EvaluationError",
    "NexprIOError",
    "BackendError",
    "UsageError",
    "NexprMemoryError",
    "InternalError",
]


class NexprError(Exception):
    """Base class of every nexpr error."""

    kind = "other"
    expression = ""
    span = None


class ExpressionSyntaxError(NexprError, SyntaxError, ValueError):
    """Malformed text. A ``SyntaxError`` (``offset`` is the 1-based column of the
    fault), and a ``ValueError`` as numexpr's refusal of forbidden constructs is."""


class BooleanOperatorError(ExpressionSyntaxError, TypeError):
    """Python's ``and``, ``or`` or ``not`` in an expression (use ``&``, ``|``, ``~``);
    also a ``TypeError``, as numexpr raises."""


class ExpressionTypeError(NexprError, TypeError, NotImplementedError):
    """Operand dtypes an operation does not take (numexpr: ``NotImplementedError``,
    NumPy: ``TypeError``)."""


class ExpressionOverflowError(NexprError, OverflowError):
    """A constant too large for the dtype it meets (``int32_array + 3000000000``,
    ``float_array + 2**1024``, ``2.0**5000``): an ``OverflowError``, as Python and NumPy
    raise."""


class ExpressionZeroDivisionError(NexprError, ZeroDivisionError):
    """A constant expression that divides by zero (``1/0``, ``5 % 0``): a
    ``ZeroDivisionError``, as Python raises. Division by zero between arrays is not an
    error: it gives NumPy's results (inf, nan, 0 for integers)."""


class UnknownNameError(NexprError, KeyError):
    """A name found neither in the local nor the global dict (a ``KeyError``, as in
    numexpr); ``name`` is the name."""

    name = None

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class ShapeError(NexprError, ValueError):
    """Operands that do not broadcast together, or an ``out=`` of the wrong shape."""


class UnsupportedDTypeError(NexprError, TypeError, ValueError):
    """An array of a dtype nexpr does not carry (uint64, strings, objects, records)."""


class EvaluationError(NexprError, ValueError):
    """An error while computing (an integer to a negative integer power, an empty
    reduction)."""


class NexprIOError(NexprError, OSError):
    """A file that cannot be read or written."""


class BackendError(NexprError, RuntimeError):
    """A target that cannot run here (no CUDA device or NVRTC) or failed to compile."""


class UsageError(NexprError, ValueError):
    """A bad argument (an unknown ``order=``, keyword or target)."""


class NexprMemoryError(NexprError, MemoryError):
    """A result, or the memory an evaluation needs, larger than can be allocated (a
    ``MemoryError``, as NumPy raises): nothing was computed."""


class InternalError(NexprError, RuntimeError):
    """A bug in nexpr (a Rust panic), stopped before it reached Python; please report
    it with the expression and the inputs' shapes and dtypes."""
