"""Type stubs of the compiled module (see nexpr/__init__.py for the documentation)."""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__version__: str

def evaluate(
    ex: str,
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
    out: np.ndarray | None = None,
    order: str = "K",
    casting: str = "same_kind",
    **kwargs: Any,
) -> np.ndarray: ...
def validate(
    ex: str,
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
    out: np.ndarray | None = None,
    order: str = "K",
    casting: str = "same_kind",
    **kwargs: Any,
) -> BaseException | None: ...
def re_evaluate(
    local_dict: Mapping[str, Any] | None = None,
    global_dict: Mapping[str, Any] | None = None,
    _frame_depth: int = 2,
) -> np.ndarray: ...
def expression_names(ex: str) -> list[str]: ...
def compile(
    ex: str,
    target: str = "cpu",
    threads: int | None = None,
    *,
    device: int = 0,
    fast_math: bool = False,
) -> Kernel: ...
def program(
    source: str,
    target: str = "cpu",
    threads: int | None = None,
    *,
    device: int = 0,
    fast_math: bool = False,
) -> Kernel: ...

class Kernel:
    source: str
    input_names: list[str]
    output_names: list[str]
    target: str
    threads: int | None
    is_program: bool
    def __call__(self, *arrays: Any, out: np.ndarray | None = None, **named: Any) -> Any: ...
    def run(self, *arrays: Any, **named: Any) -> dict[str, np.ndarray]: ...
    def emit(self, what: str = "ir", *arrays: Any, **named: Any) -> str: ...
    def result_dtypes(self, *inputs: Any, **named: Any) -> dict[str, np.dtype]: ...
    def result_dtype(self, *inputs: Any, **named: Any) -> np.dtype: ...
    def _result_types(self, *inputs: Any, **named: Any) -> tuple[list[np.dtype], bool]: ...
    def __dask_tokenize__(self) -> tuple[Any, ...]: ...

def _set_num_threads(n: int) -> int: ...
def _get_num_threads() -> int: ...
def _max_threads() -> int: ...
def _default_threads() -> int: ...
def _cores() -> int: ...
def _clear_cache() -> None: ...
def _kernel_sources() -> Sequence[tuple[str, str]]: ...
def _rebuild_kernel(
    source: str, program: bool, target: str, threads: int | None, device: int, fast_math: bool
) -> Kernel: ...
def _rebuild_cache_info() -> tuple[int, int]: ...
def run_cli(argv: list[str]) -> int: ...
