//! CUDA backend.

use super::Executable;
use crate::error::{Error, Result};
use crate::ir::Func;
use crate::runtime::Layout;
use std::sync::Arc;

pub fn check_available(_device: usize) -> Result<()> {
    Err(Error::backend("CUDA target unavailable: not built yet"))
}

pub fn compile(_f: &Func, _layouts: &[Layout], _device: usize) -> Result<Arc<dyn Executable>> {
    Err(Error::backend("CUDA target unavailable: not built yet"))
}

pub fn emit_source(_f: &Func, _layouts: &[Layout]) -> Result<String> {
    Err(Error::backend("CUDA target unavailable: not built yet"))
}
