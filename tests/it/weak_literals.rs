//! A constant expression of literals stays a Python value through `.real`, `.imag`
//! and `complex()` (as `np.real(1.5)` is the Python float 1.5 and `complex(1.5, 2)`
//! a Python complex): weak where it meets an array, with Python's errors. Checked on
//! the interpreter and the CPU backend.

use nexpr::{DType, DynArray, ErrorKind, Expr, Target, Vars};
use num_complex::Complex32;

fn eval(text: &str, target: Target) -> Result<DynArray, ErrorKind> {
    let f = ndarray::arr1(&[1.5f32, -2.0]);
    let k = Expr::parse(text)
        .and_then(|e| e.compile(target))
        .map_err(|e| e.kind)?;
    k.eval(&Vars::new().with("f", &f)).map_err(|e| e.kind)
}

const TARGETS: [Target; 2] = [Target::Interp, Target::Cpu { threads: 1 }];

#[test]
fn parts_of_literals_are_python_values() {
    for t in TARGETS {
        let dtype = |text: &str| eval(text, t).unwrap().dtype();
        assert_eq!(dtype("f + (1.5).real"), DType::F32);
        assert_eq!(dtype("f + real(1.5)"), DType::F32);
        assert_eq!(dtype("f + (2j).imag"), DType::F32);
        assert_eq!(dtype("f + ((1+2j).real + 3)"), DType::F32);
        // True.real is the int 1, not a bool.
        let one = eval("(True).real", t).unwrap();
        assert_eq!(one.as_array::<i64>().unwrap().sum(), 1);
        assert_eq!(dtype("(True).imag + (False).real"), DType::I64);
        // Python raises where a float array would give NaN.
        assert_eq!(
            eval("-2.5 % (False).real", t).unwrap_err(),
            ErrorKind::ZeroDivision
        );
        assert_eq!(
            eval("f + 1 / (0.0).imag", t).unwrap_err(),
            ErrorKind::ZeroDivision
        );
    }
}

#[test]
fn complex_of_literals_is_a_python_complex() {
    for t in TARGETS {
        let dtype = |text: &str| eval(text, t).unwrap().dtype();
        // As `f + (1.5+2j)`: complex64, not complex128.
        assert_eq!(dtype("f + complex(1.5, 2)"), DType::C64);
        assert_eq!(dtype("f * complex(1, 0)"), DType::C64);
        // complex(re, im) = re + 1j*im, also for a complex operand.
        let z = eval("complex(f, 1j)", t).unwrap();
        let z = z.as_array::<Complex32>().unwrap();
        assert_eq!(
            z.as_slice().unwrap(),
            &[Complex32::new(0.5, 0.0), Complex32::new(-3.0, 0.0)]
        );
        assert_eq!(dtype("complex(1.5, 2j) + f"), DType::C64);
    }
}
