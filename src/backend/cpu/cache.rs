//! The process-wide compile cache: bounded, least-recently-used, keyed by the IR text
//! (which names every input dtype and operation), the input layouts, the vector plan
//! (lanes, groups, fast math and the math width resolved for this CPU) and the
//! optimization level (which `CpuOptions` choose). The thread count is not
//! part of the key because it does not change the generated code.
//!
//! Evicting an entry only drops the cache's `Arc`; the machine code is freed when the
//! last kernel using it is dropped (see `jit::Compiled`).

use super::jit::{self, Compiled};
use super::lower::{leaf_sum_ok, VectorPlan};
use crate::error::Result;
use crate::ir::Func;
use crate::options::{CpuOptions, OptLevel};
use crate::runtime::Layout;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub const CAPACITY: usize = 256;

type Key = (String, Vec<Layout>, Option<VectorPlan>, OptLevel, bool);

#[derive(Default)]
struct Lru {
    map: HashMap<Key, (Arc<Compiled>, u64)>,
    tick: u64,
}

fn cache() -> &'static Mutex<Lru> {
    static C: OnceLock<Mutex<Lru>> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// The kernel of `f` and, for a float sum, its leaf-sum form (see
/// `lower::leaf_sum_ok`): compiled, or from the cache.
pub fn get_or_compile(
    f: &Func,
    layouts: &[Layout],
    opts: &CpuOptions,
) -> Result<(Arc<Compiled>, Option<Arc<Compiled>>)> {
    let plan = VectorPlan::for_func(f, opts);
    let level = opts.opt_level;
    let text = crate::ir::print::print(f);
    let key = |leaf_sum| (text.clone(), layouts.to_vec(), plan, level, leaf_sum);
    let code = entry(key(false), || jit::compile(f, layouts, plan, false, level))?;
    let leaf = if leaf_sum_ok(f, plan) {
        Some(entry(key(true), || {
            jit::compile(f, layouts, plan, true, level)
        })?)
    } else {
        None
    };
    Ok((code, leaf))
}

fn entry(key: Key, compile: impl FnOnce() -> Result<Compiled>) -> Result<Arc<Compiled>> {
    {
        let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
        c.tick += 1;
        let t = c.tick;
        if let Some(e) = c.map.get_mut(&key) {
            e.1 = t;
            return Ok(e.0.clone());
        }
    }
    // Compile outside the lock: other threads may compile other kernels meanwhile
    // (two threads racing on the same key both compile; one result wins).
    let code = Arc::new(compile()?);
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    c.tick += 1;
    let t = c.tick;
    if c.map.len() >= CAPACITY {
        if let Some(old) = c
            .map
            .iter()
            .min_by_key(|(_, v)| v.1)
            .map(|(k, _)| k.clone())
        {
            c.map.remove(&old);
        }
    }
    let e = c.map.entry(key).or_insert((code, t));
    Ok(e.0.clone())
}

/// Number of cached kernels (for tests).
pub fn len() -> usize {
    cache().lock().unwrap_or_else(|e| e.into_inner()).map.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::MathWidth;
    use crate::{Expr, Target, Vars};

    /// The math width changes the code (staged kernels from 256 bits on), so it
    /// is part of the key: kernels of the two widths are never shared.
    #[test]
    fn math_width_is_part_of_the_key() {
        let a = ndarray::arr1(&[0.5f64, 1.5, 2.5]);
        let vars = Vars::new().with("a", &a);
        let k = Expr::parse("sin(a) * 2.0 + cos(a)")
            .unwrap()
            .compile(Target::Cpu { threads: 1 })
            .unwrap();
        let f = k.typed_ir(&vars).unwrap();
        let layouts = [Layout::Contiguous];
        let opts = |math_width| CpuOptions {
            math_width,
            ..Default::default()
        };
        let narrow = get_or_compile(&f, &layouts, &opts(MathWidth::Bits128)).unwrap();
        let wide = get_or_compile(&f, &layouts, &opts(MathWidth::Bits512)).unwrap();
        let again = get_or_compile(&f, &layouts, &opts(MathWidth::Bits128)).unwrap();
        assert!(Arc::ptr_eq(&narrow.0, &again.0));
        let resolved = crate::math::resolve(MathWidth::Bits512);
        assert_eq!(
            Arc::ptr_eq(&narrow.0, &wide.0),
            resolved == MathWidth::Bits128,
            "resolved {resolved:?}"
        );
    }
}
