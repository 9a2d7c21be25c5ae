//! An engine's compile cache (`crate::Engine`): bounded, least-recently-used, keyed by the IR text
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
use crate::lru::Lru;
use crate::options::{CpuOptions, OptLevel};
use crate::runtime::Layout;
use std::sync::{Arc, Mutex};

type Key = (String, Vec<Layout>, Option<VectorPlan>, OptLevel, bool);

/// One engine's compile cache.
pub struct CompileCache {
    lru: Mutex<Lru<Key, Arc<Compiled>>>,
}

impl CompileCache {
    /// An empty cache of at most `capacity` kernels.
    pub fn new(capacity: usize) -> CompileCache {
        CompileCache {
            lru: Mutex::new(Lru::new(capacity)),
        }
    }

    /// The kernel of `f` and, for a float sum, its leaf-sum form (see
    /// `lower::leaf_sum_ok`): compiled, or from the cache.
    pub fn get_or_compile(
        &self,
        f: &Func,
        layouts: &[Layout],
        opts: &CpuOptions,
    ) -> Result<(Arc<Compiled>, Option<Arc<Compiled>>)> {
        let plan = jit::host_plan(f, opts);
        let level = opts.opt_level;
        let text = crate::ir::print::print(f);
        let key = |leaf_sum| (text.clone(), layouts.to_vec(), plan, level, leaf_sum);
        let code = self.entry(key(false), || jit::compile(f, layouts, plan, false, level))?;
        let leaf = if leaf_sum_ok(f, plan) {
            Some(self.entry(key(true), || jit::compile(f, layouts, plan, true, level))?)
        } else {
            None
        };
        Ok((code, leaf))
    }

    fn entry(&self, key: Key, compile: impl FnOnce() -> Result<Compiled>) -> Result<Arc<Compiled>> {
        if let Some(code) = self.lock().get(&key) {
            return Ok(code);
        }
        // Compile outside the lock: other threads may compile other kernels meanwhile
        // (two threads racing on the same key both compile; the first result stays).
        let code = Arc::new(compile()?);
        Ok(self.lock().insert(key, code))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru<Key, Arc<Compiled>>> {
        self.lru.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of cached kernels.
    pub fn len(&self) -> usize {
        self.lock().len()
    }
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
        let cache = CompileCache::new(8);
        let get = |w| cache.get_or_compile(&f, &layouts, &opts(w)).unwrap();
        let narrow = get(MathWidth::Bits128);
        let wide = get(MathWidth::Bits512);
        let again = get(MathWidth::Bits128);
        assert!(Arc::ptr_eq(&narrow.0, &again.0));
        let resolved = crate::math::resolve(MathWidth::Bits512);
        assert_eq!(
            Arc::ptr_eq(&narrow.0, &wide.0),
            resolved == MathWidth::Bits128,
            "resolved {resolved:?}"
        );
    }
}
