//! The CLI prints arrays exactly as NumPy's `repr` does: a differential test against
//! `tests/fixtures/numpy_repr.json`, written by NumPy itself
//! (`tests/fixtures/gen_repr_fixtures.py`).

use ndarray::{ArrayD, IxDyn};
use nexpr::repr;
use nexpr::DynArray;
use num_complex::{Complex32, Complex64};
use serde_json::Value;

/// A float from Python's `float.hex()` (or `inf`, `-inf`, `nan`).
fn hex_f64(s: &str) -> f64 {
    match s {
        "inf" => return f64::INFINITY,
        "-inf" => return f64::NEG_INFINITY,
        "nan" | "-nan" => return f64::NAN,
        _ => {}
    }
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let s = s.strip_prefix("0x").expect("hex float");
    let (mant, exp) = s.split_once('p').expect("exponent");
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    let m = u64::from_str_radix(&format!("{ip}{fp}"), 16).expect("hex digits");
    let mut k = exp.parse::<i32>().expect("exponent") - 4 * fp.len() as i32;
    let mut v = m as f64;
    while k < -537 {
        v *= 2f64.powi(-537);
        k += 537;
    }
    while k > 537 {
        v *= 2f64.powi(537);
        k -= 537;
    }
    v *= 2f64.powi(k);
    if neg {
        -v
    } else {
        v
    }
}

fn array(case: &Value) -> DynArray {
    let shape: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let data = case["data"].as_array().unwrap();
    let sh = IxDyn(&shape);
    let f = |v: &Value| hex_f64(v.as_str().unwrap());
    let c = |v: &Value| (f(&v[0]), f(&v[1]));
    match case["dtype"].as_str().unwrap() {
        "bool" => DynArray::Bool(
            ArrayD::from_shape_vec(sh, data.iter().map(|v| v.as_bool().unwrap()).collect())
                .unwrap(),
        ),
        "int32" => DynArray::I32(
            ArrayD::from_shape_vec(
                sh,
                data.iter().map(|v| v.as_i64().unwrap() as i32).collect(),
            )
            .unwrap(),
        ),
        "int64" => DynArray::I64(
            ArrayD::from_shape_vec(sh, data.iter().map(|v| v.as_i64().unwrap()).collect()).unwrap(),
        ),
        "float32" => DynArray::F32(
            ArrayD::from_shape_vec(sh, data.iter().map(|v| f(v) as f32).collect()).unwrap(),
        ),
        "float64" => {
            DynArray::F64(ArrayD::from_shape_vec(sh, data.iter().map(f).collect()).unwrap())
        }
        "complex64" => DynArray::C64(
            ArrayD::from_shape_vec(
                sh,
                data.iter()
                    .map(|v| {
                        let (r, i) = c(v);
                        Complex32::new(r as f32, i as f32)
                    })
                    .collect(),
            )
            .unwrap(),
        ),
        "complex128" => DynArray::C128(
            ArrayD::from_shape_vec(
                sh,
                data.iter()
                    .map(|v| {
                        let (r, i) = c(v);
                        Complex64::new(r, i)
                    })
                    .collect(),
            )
            .unwrap(),
        ),
        d => panic!("dtype {d}"),
    }
}

#[test]
fn prints_like_numpy_repr() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/numpy_repr.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 100);
    let mut failures = Vec::new();
    for case in cases {
        let want = case["repr"].as_str().unwrap();
        let got = repr(&array(case));
        if got != want {
            failures.push(format!(
                "{}:\n  numpy: {want:?}\n  nexpr: {got:?}",
                case["name"].as_str().unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
