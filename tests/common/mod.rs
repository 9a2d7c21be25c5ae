//! What the fixture-driven tests share: reading the corpus's floats, and binding an
//! input that the corpus stores as the backing array of a strided view.
#![allow(dead_code)]

use ndarray::{ArrayD, ArrayViewD, Slice};
use nexpr::{DynArray, Vars};
use serde_json::Value;

/// The view taking every 2nd element along the last axis.
pub fn every_other_last<T>(a: &ArrayD<T>) -> ArrayViewD<'_, T> {
    let last = a.ndim() - 1;
    a.slice_each_axis(|ax| {
        if ax.axis.index() == last {
            Slice::new(0, None, 2)
        } else {
            Slice::from(..)
        }
    })
}

/// Binds `name` to `array`, or with `strided` to the every-2nd-element view of it.
pub fn bind<'a>(vars: &mut Vars<'a>, name: &str, array: &'a DynArray, strided: bool) {
    if !strided {
        vars.insert(name, array);
        return;
    }
    match array {
        DynArray::Bool(a) => vars.insert(name, every_other_last(a)),
        DynArray::I32(a) => vars.insert(name, every_other_last(a)),
        DynArray::I64(a) => vars.insert(name, every_other_last(a)),
        DynArray::F32(a) => vars.insert(name, every_other_last(a)),
        DynArray::F64(a) => vars.insert(name, every_other_last(a)),
        DynArray::C64(a) => vars.insert(name, every_other_last(a)),
        DynArray::C128(a) => vars.insert(name, every_other_last(a)),
    };
}

/// A float of the corpus: a number, `"nan"`, `"inf"`, `"-inf"`, or `"~<literal>"` (a
/// float literal that `numpy_fixtures.rs` quoted before parsing, to read it exactly).
pub fn float_of(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            s => s
                .strip_prefix('~')
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| panic!("bad float {s:?}")),
        },
        Value::Number(n) => n.as_f64().expect("float"),
        other => panic!("bad float {other}"),
    }
}
