//! Cranelift CPU backend.

use super::Executable;
use crate::error::{Error, Result};
use crate::ir::Func;
use crate::runtime::Layout;
use std::sync::Arc;

pub fn compile(_f: &Func, _layouts: &[Layout], _threads: usize) -> Result<Arc<dyn Executable>> {
    Err(Error::backend("the CPU backend is not built yet"))
}

pub fn emit_clif(_f: &Func, _layouts: &[Layout]) -> Result<String> {
    Err(Error::backend("the CPU backend is not built yet"))
}
