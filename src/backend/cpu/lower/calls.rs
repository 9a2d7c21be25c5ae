//! Calls of the out-of-line helpers (`super::super::helpers`, whose table gives each
//! one's symbol and signature): declared once per kernel, called with operation and
//! dtype codes where one helper serves many operations. Float helpers take and return
//! f64 (an f32 travels exactly in it); complex helpers write their (re, im) result
//! as two f64 to a stack slot.

use super::plan::Mode;
use super::values::{clif_type, mem, real_of, Val};
use super::Lowerer;
use crate::backend::cpu::helpers::{
    self, binop_code, dtype_code, unop_code, Helper, CBINARY, CUNARY, FBINARY, FUNARY,
};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::{BinOp, UnOp};
use cranelift_codegen::ir::types::{self, Type};
use cranelift_codegen::ir::{AbiParam, FuncRef, InstBuilder, StackSlotData, StackSlotKind, Value};
use cranelift_module::{Linkage, Module};

impl Lowerer<'_, '_> {
    /// The kernel's reference to helper `h`, declared on first use.
    pub(super) fn helper(&mut self, h: &Helper) -> Result<FuncRef> {
        self.import(h.name, h.params, h.returns)
    }

    /// The kernel's reference to the imported function `name` of this signature.
    pub(super) fn import(
        &mut self,
        name: &'static str,
        params: &[Type],
        returns: &[Type],
    ) -> Result<FuncRef> {
        if let Some(&r) = self.helpers.get(name) {
            return Ok(r);
        }
        let mut sig = self.module.make_signature();
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns
            .extend(returns.iter().map(|&t| AbiParam::new(t)));
        let id = self
            .module
            .declare_function(name, Linkage::Import, &sig)
            .map_err(|e| Error::backend(format!("declaring {name}: {e}")))?;
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.helpers.insert(name, r);
        Ok(r)
    }

    /// Calls `fr` and returns its one result.
    pub(super) fn call1(&mut self, fr: FuncRef, args: &[Value]) -> Value {
        let inst = self.b.ins().call(fr, args);
        self.b.inst_results(inst)[0]
    }

    fn widen(&mut self, x: Value, ty: DType) -> Value {
        if real_of(ty) == DType::F32 {
            self.b.ins().fpromote(types::F64, x)
        } else {
            x
        }
    }

    fn narrow(&mut self, x: Value, ty: DType) -> Value {
        if real_of(ty) == DType::F32 {
            self.b.ins().fdemote(types::F32, x)
        } else {
            x
        }
    }

    /// A unary float function of `value`: its direct helper where it has one.
    pub(super) fn float_helper_unary(&mut self, op: UnOp, x: Value, ty: DType) -> Result<Value> {
        if let Some(direct) = helpers::direct(op, ty) {
            let fr = self.helper(direct)?;
            return Ok(self.call1(fr, &[x]));
        }
        let fr = self.helper(&FUNARY)?;
        let op_code = self.b.ins().iconst(types::I32, unop_code(op));
        let type_code = self.b.ins().iconst(types::I32, dtype_code(ty));
        let x = self.widen(x, ty);
        let r = self.call1(fr, &[op_code, type_code, x]);
        Ok(self.narrow(r, ty))
    }

    /// A binary float operation of `value` with a float result.
    pub(super) fn float_helper_binary(
        &mut self,
        op: BinOp,
        x: Value,
        y: Value,
        ty: DType,
    ) -> Result<Value> {
        let fr = self.helper(&FBINARY)?;
        let op_code = self.b.ins().iconst(types::I32, binop_code(op));
        let type_code = self.b.ins().iconst(types::I32, dtype_code(ty));
        let x = self.widen(x, ty);
        let y = self.widen(y, ty);
        let r = self.call1(fr, &[op_code, type_code, x, y]);
        Ok(self.narrow(r, ty))
    }

    /// The address of the slot complex helpers write their result to.
    fn out_slot(&mut self) -> Value {
        let slot = *self.helper_result_slot.get_or_insert_with(|| {
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3))
        });
        self.b.ins().stack_addr(types::I64, slot, 0)
    }

    /// Reads a helper's (re, im) f64 result back as a value of dtype `out`.
    fn read_slot(&mut self, slot: Value, out: DType) -> Val {
        let re = self.b.ins().load(types::F64, mem(), slot, 0);
        let im = self.b.ins().load(types::F64, mem(), slot, 8);
        let c = Val::C(re, im);
        self.cast(Mode::Scalar, c, DType::C128, out)
    }

    /// A unary op of `value` on a complex `x` of dtype `ty`, with result dtype `out`.
    pub(super) fn complex_helper_unary(
        &mut self,
        op: UnOp,
        x: Val,
        ty: DType,
        out: DType,
    ) -> Result<Val> {
        let fr = self.helper(&CUNARY)?;
        let (re, im) = x.c(&mut self.b, clif_type(ty));
        let (re, im) = (self.widen(re, ty), self.widen(im, ty));
        let op_code = self.b.ins().iconst(types::I32, unop_code(op));
        let type_code = self.b.ins().iconst(types::I32, dtype_code(ty));
        let out_code = self.b.ins().iconst(types::I32, dtype_code(out));
        let result = self.out_slot();
        self.b
            .ins()
            .call(fr, &[op_code, type_code, out_code, re, im, result]);
        Ok(self.read_slot(result, out))
    }

    /// A binary op of `value` on complex operands of dtype `ty`, with result `out`.
    pub(super) fn complex_helper_binary(
        &mut self,
        op: BinOp,
        x: Val,
        y: Val,
        ty: DType,
        out: DType,
    ) -> Result<Val> {
        let fr = self.helper(&CBINARY)?;
        let (xr, xi) = x.c(&mut self.b, clif_type(ty));
        let (yr, yi) = y.c(&mut self.b, clif_type(ty));
        let (xr, xi) = (self.widen(xr, ty), self.widen(xi, ty));
        let (yr, yi) = (self.widen(yr, ty), self.widen(yi, ty));
        let op_code = self.b.ins().iconst(types::I32, binop_code(op));
        let type_code = self.b.ins().iconst(types::I32, dtype_code(ty));
        let out_code = self.b.ins().iconst(types::I32, dtype_code(out));
        let result = self.out_slot();
        self.b
            .ins()
            .call(fr, &[op_code, type_code, out_code, xr, xi, yr, yi, result]);
        Ok(self.read_slot(result, out))
    }
}
