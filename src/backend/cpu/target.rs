//! What the instruction set a kernel is compiled for offers the lowering, read from
//! Cranelift's `TargetIsa` (its name and flags), never from the build's `cfg` or from
//! the CPU running the compiler: the JIT's ISA is the host's (`cranelift_native` sets
//! its flags from this CPU), `object.rs`'s is another one (aarch64), and one lowering
//! serves both, so an aarch64 object is what an aarch64 host would JIT.
//!
//! Three questions depend on the ISA: whether 128-bit vector code can be compiled at
//! all, how wide the staged transcendentals may run (nexpr's batch functions and
//! libmvec's wide variants are AVX2 or AVX-512 code), and whether libmvec's vector ABI
//! (x86-64's `_ZGV*` functions) applies. Anywhere else than x86-64 the answers are the
//! portable ones: 128-bit vectors where the ISA has them, transcendentals as scalar
//! calls per lane.

use crate::options::MathWidth;
use cranelift_codegen::isa::TargetIsa;

/// Whether the ISA's boolean flag `name` is set.
fn flag(isa: &dyn TargetIsa, name: &str) -> bool {
    isa.isa_flags()
        .iter()
        .any(|f| f.name == name && f.as_bool() == Some(true))
}

/// Whether Cranelift can compile 128-bit vector code for `isa`: SSE2 and NEON are
/// part of x86-64 and aarch64; riscv64 needs the V extension (without it Cranelift
/// would fail on the first vector type); anything else gets the scalar loop.
pub fn vectors_ok(isa: &dyn TargetIsa) -> bool {
    match isa.name() {
        "x64" | "aarch64" => true,
        "riscv64" => flag(isa, "has_v"),
        _ => false,
    }
}

/// Whether libmvec's x86-64 vector functions (`_ZGVbN2v_sin`, …) may be called:
/// their ABI passes xmm/ymm/zmm registers, which exist on x86-64 only (aarch64's
/// libmvec has `_ZGVnN2v_*` functions with another ABI, which nexpr does not use).
pub fn libmvec_abi(isa: &dyn TargetIsa) -> bool {
    isa.name() == "x64"
}

/// The widest transcendentals code for `isa` may call: 512 bits with AVX-512F and
/// AVX-512DQ (glibc's 512-bit functions otherwise run the 256-bit ones twice), 256
/// with AVX2 and FMA, else 128 (per vector or per lane, inside the loop): on every
/// ISA but x86-64, and on x86-64 without AVX2.
pub fn math_ceiling(isa: &dyn TargetIsa) -> MathWidth {
    if isa.name() != "x64" || !(flag(isa, "has_avx2") && flag(isa, "has_fma")) {
        MathWidth::Bits128
    } else if flag(isa, "has_avx512f") && flag(isa, "has_avx512dq") {
        MathWidth::Bits512
    } else {
        MathWidth::Bits256
    }
}

/// The narrower of two resolved widths (neither is `Auto`).
pub fn narrower(a: MathWidth, b: MathWidth) -> MathWidth {
    let bits = |w| match w {
        MathWidth::Bits128 => 128,
        MathWidth::Bits256 => 256,
        MathWidth::Bits512 | MathWidth::Auto => 512,
    };
    if bits(a) <= bits(b) {
        a
    } else {
        b
    }
}

/// The x86-64 backend is in every build on an x86-64 host (Cranelift's `host-arch`).
#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use cranelift_codegen::isa::{self, OwnedTargetIsa};
    use cranelift_codegen::settings::{self, Configurable};

    fn x64(features: &[&str]) -> OwnedTargetIsa {
        let mut b = isa::lookup_by_name("x86_64-unknown-linux-gnu").unwrap();
        for f in features {
            b.enable(f).unwrap();
        }
        b.finish(settings::Flags::new(settings::builder())).unwrap()
    }

    #[test]
    fn the_math_width_follows_the_target_flags() {
        let cases: [(&[&str], MathWidth); 5] = [
            (&[], MathWidth::Bits128),
            (&["has_avx2"], MathWidth::Bits128),
            (&["has_avx2", "has_fma"], MathWidth::Bits256),
            (&["has_avx2", "has_fma", "has_avx512f"], MathWidth::Bits256),
            (
                &["has_avx2", "has_fma", "has_avx512f", "has_avx512dq"],
                MathWidth::Bits512,
            ),
        ];
        for (features, want) in cases {
            let isa = x64(features);
            assert_eq!(math_ceiling(&*isa), want, "{features:?}");
            assert!(vectors_ok(&*isa) && libmvec_abi(&*isa));
        }
    }

    #[test]
    fn narrower_takes_the_smaller_width() {
        use MathWidth::*;
        assert_eq!(narrower(Bits512, Bits128), Bits128);
        assert_eq!(narrower(Bits256, Bits512), Bits256);
        assert_eq!(narrower(Bits256, Bits256), Bits256);
    }
}
