//! IR -> CUDA C. One `extern "C" __global__` kernel per specialization: a grid-stride
//! loop over the elements whose body is the program, one C statement per IR node, with
//! the structured statements (if, for, break) as C control flow. The semantics that C
//! does not give directly live in `prelude.cuh`.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ir::builtins::{self, Typing};
use crate::ir::{BinOp, Func, Op, ReduceOp, Stmt, UnOp, ValueId};
use crate::runtime::Layout;
use crate::value::Scalar;
use std::collections::HashSet;
use std::fmt::Write;

pub const KERNEL_NAME: &str = "nexpr_kernel";

/// A generated kernel and what its launcher needs to know about it.
#[derive(Clone, Debug)]
pub struct Emitted {
    pub source: String,
    /// Whether the kernel can raise the error flag (integer power).
    pub uses_err: bool,
    /// Whether any input is addressed through the shape/stride table.
    pub uses_geom: bool,
    /// A fused whole-array reduction: each block writes one partial result.
    pub reduce: Option<(ReduceOp, DType)>,
}

/// Threads per block of the reduction kernel (its shared-memory array is this long).
pub const REDUCE_BLOCK: u32 = 256;

pub fn cty(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::I32 => "int",
        DType::I64 => "long long",
        DType::F32 => "float",
        DType::F64 => "double",
        DType::C64 => "nx_c64",
        DType::C128 => "nx_c128",
    }
}

const RESERVED: &[&str] = &[
    "i",
    "n",
    "coord",
    "geom",
    "err",
    "ndim",
    "shape",
    "off",
    "rem",
    "q",
    "d",
    "partial",
    "acc",
    "sdata",
    "tid",
    "auto",
    "bool",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "true",
    "false",
    "class",
    "delete",
    "new",
    "namespace",
    "operator",
    "private",
    "protected",
    "public",
    "template",
    "this",
    "throw",
    "try",
    "catch",
    "typename",
    "using",
    "virtual",
    "friend",
    "mutable",
    "explicit",
    "export",
    "asm",
    "bool",
    "wchar_t",
    "nullptr",
    "decltype",
    "constexpr",
    "static_assert",
    "alignas",
    "alignof",
    "noexcept",
    "thread_local",
    "and",
    "or",
    "not",
    "xor",
    "bitand",
    "bitor",
    "compl",
    "and_eq",
    "or_eq",
    "xor_eq",
    "not_eq",
    "main",
    "threadIdx",
    "blockIdx",
    "blockDim",
    "gridDim",
    "warpSize",
    "min",
    "max",
    "abs",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "pow",
    "floor",
    "ceil",
    "trunc",
    "round",
    "isnan",
    "isinf",
    "isfinite",
    "signbit",
    "hypot",
    "atan2",
    "fmod",
    "copysign",
];

/// Gives each name a unique C identifier: itself where that is safe, else with a suffix.
struct Namer {
    used: HashSet<String>,
}

impl Namer {
    fn new() -> Namer {
        Namer {
            used: RESERVED.iter().map(|s| s.to_string()).collect(),
        }
    }
    fn name(&mut self, want: &str) -> String {
        let mut base: String = want
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert(0, 'v');
        }
        // Temporaries are `t<id>`, helpers `nx_*`, CUDA internals `__*`: stay clear.
        let clash = |s: &str| {
            s.starts_with("nx_")
                || s.starts_with("__")
                || s.starts_with("out_")
                || s.starts_with("off_")
                || (s.starts_with('t') && s.len() > 1 && s[1..].bytes().all(|b| b.is_ascii_digit()))
        };
        let mut cand = if clash(&base) {
            format!("{base}_")
        } else {
            base.clone()
        };
        let mut k = 1;
        while self.used.contains(&cand) {
            cand = format!("{base}_{k}");
            k += 1;
        }
        self.used.insert(cand.clone());
        cand
    }
}

fn unsupported(what: String) -> Error {
    Error::backend(format!("CUDA backend: {what} is not supported"))
}

/// A literal of `c`'s dtype that C reads back bit for bit.
fn literal(c: Scalar) -> String {
    fn f64_lit(x: f64) -> String {
        if x.is_finite() {
            let s = format!("{x:?}");
            if x < 0.0 || s.starts_with('-') {
                format!("({s})")
            } else {
                s
            }
        } else {
            format!("__longlong_as_double(0x{:016x}LL)", x.to_bits())
        }
    }
    fn f32_lit(x: f32) -> String {
        if x.is_finite() {
            let s = format!("{x:?}f");
            if s.starts_with('-') {
                format!("({s})")
            } else {
                s
            }
        } else {
            format!("__int_as_float(0x{:08x})", x.to_bits())
        }
    }
    match c {
        Scalar::Bool(b) => (if b { "true" } else { "false" }).into(),
        Scalar::I32(x) if x == i32::MIN => "(-2147483647 - 1)".into(),
        Scalar::I32(x) if x < 0 => format!("({x})"),
        Scalar::I32(x) => format!("{x}"),
        Scalar::I64(x) if x == i64::MIN => "(-9223372036854775807LL - 1)".into(),
        Scalar::I64(x) if x < 0 => format!("({x}LL)"),
        Scalar::I64(x) => format!("{x}LL"),
        Scalar::F32(x) => f32_lit(x),
        Scalar::F64(x) => f64_lit(x),
        Scalar::C64(z) => format!("nx_mk({}, {})", f32_lit(z.re), f32_lit(z.im)),
        Scalar::C128(z) => format!("nx_mk({}, {})", f64_lit(z.re), f64_lit(z.im)),
    }
}

/// `x` itself when it is one C term, else `(x)`.
fn atom(x: &str) -> String {
    let simple = x
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'[' | b']' | b'.'));
    if simple {
        x.to_string()
    } else {
        format!("({x})")
    }
}

/// `x` (of dtype `from`) converted to `to` with NumPy's `astype` meaning.
pub fn cast(x: &str, from: DType, to: DType) -> String {
    use DType::*;
    if from == to {
        return x.to_string();
    }
    let x = &atom(x);
    // Complex sources convert through their real part (NumPy's ComplexWarning case).
    let (x, from) = if from.is_complex() && !to.is_complex() && to != Bool {
        (format!("{x}.re"), from.real_part())
    } else {
        (x.to_string(), from)
    };
    match to {
        Bool => match from {
            C64 | C128 => format!("({x}.re != 0 || {x}.im != 0)"),
            _ => format!("({x} != 0)"),
        },
        I32 | I64 => {
            let conv = if to == I32 { "nx_f2i32" } else { "nx_f2i64" };
            match from {
                F32 | F64 => format!("{conv}((double){x})"),
                _ => format!("({}){x}", cty(to)),
            }
        }
        F32 | F64 => match from {
            Bool => format!("({x} ? {} : {})", one(to), zero(to)),
            _ => format!("({}){x}", cty(to)),
        },
        C64 | C128 => {
            let r = cty(to.real_part());
            match from {
                Bool => format!(
                    "nx_mk({x} ? {} : {}, {})",
                    one(to.real_part()),
                    zero(to.real_part()),
                    zero(to.real_part())
                ),
                C64 | C128 => format!("nx_mk(({r}){x}.re, ({r}){x}.im)"),
                _ => format!("nx_mk(({r}){x}, {})", zero(to.real_part())),
            }
        }
    }
}

fn zero(d: DType) -> &'static str {
    match d {
        DType::F32 => "0.0f",
        DType::F64 => "0.0",
        DType::Bool => "false",
        DType::I64 => "0LL",
        _ => "0",
    }
}
fn one(d: DType) -> &'static str {
    match d {
        DType::F32 => "1.0f",
        DType::F64 => "1.0",
        DType::Bool => "true",
        DType::I64 => "1LL",
        _ => "1",
    }
}

fn zero_value(d: DType) -> String {
    match d {
        DType::C64 => "nx_mk(0.0f, 0.0f)".into(),
        DType::C128 => "nx_mk(0.0, 0.0)".into(),
        _ => zero(d).into(),
    }
}

/// A float function of the C library, by its double name, for `d`.
fn libm(name: &str, d: DType) -> String {
    if d == DType::F32 {
        format!("{name}f")
    } else {
        name.to_string()
    }
}

/// A unary op applied to `x` of dtype `t`: the C expression and its dtype. Trivial
/// operations (`real` of a float, `isnan` of an integer, ...) never get here:
/// `passes::simplify` rewrote them to their operand or a constant.
fn unary(op: UnOp, t: DType, x: &str) -> Result<(String, DType)> {
    use UnOp::*;
    let b = DType::Bool;
    let e = |s: String| Ok((s, t));
    match t {
        DType::Bool => match op {
            Not => Ok((format!("!{x}"), b)),
            _ => Err(unsupported(format!("{op} of bool"))),
        },
        DType::I32 | DType::I64 => match op {
            Neg => e(format!("nx_wneg({x})")),
            Not => e(format!("~{x}")),
            Abs => e(format!("nx_iabs({x})")),
            Sign => e(format!("nx_isign({x})")),
            SignBit => Ok((format!("({x} < 0)"), b)),
            _ => Err(unsupported(format!("{op} of {t}"))),
        },
        DType::F32 | DType::F64 => {
            let f = |n: &str| e(format!("{}({x})", libm(n, t)));
            if let Some(n) = math_name(op) {
                return f(n);
            }
            match op {
                Neg => e(format!("-{x}")),
                Abs => f("fabs"),
                Ceil => f("ceil"),
                Floor => f("floor"),
                Trunc => f("trunc"),
                Round => f("rint"),
                Sign => e(format!("nx_sign({x})")),
                IsNan => Ok((format!("isnan({x})"), b)),
                IsFinite => Ok((format!("isfinite({x})"), b)),
                IsInf => Ok((format!("isinf({x})"), b)),
                SignBit => Ok((format!("(bool)signbit({x})"), b)),
                // Transcendental functions returned above.
                _ => Err(unsupported(format!("{op} of {t}"))),
            }
        }
        DType::C64 | DType::C128 => {
            let r = t.real_part();
            let f = |n: &str| e(format!("nx_c{n}({x})"));
            if let Some(n) = math_name(op) {
                return f(n);
            }
            match op {
                Neg => f("neg"),
                Abs => Ok((format!("nx_cabs({x})"), r)),
                Real => Ok((format!("{x}.re"), r)),
                Imag => Ok((format!("{x}.im"), r)),
                Conj => e(format!("nx_conj({x})")),
                Round => f("round"),
                Sign => f("sign"),
                IsNan => Ok((format!("nx_cisnan({x})"), b)),
                IsFinite => Ok((format!("nx_cisfinite({x})"), b)),
                IsInf => Ok((format!("nx_cisinf({x})"), b)),
                Not | Ceil | Floor | Trunc | SignBit => Err(unsupported(format!("{op} of {t}"))),
                _ => unreachable!("{op:?}: transcendental functions return above"),
            }
        }
    }
}

/// A comparison's C operator and the suffix of its complex helper (`nx_clt`, ...).
fn comparison(op: BinOp) -> Option<(&'static str, &'static str)> {
    use BinOp::*;
    Some(match op {
        Lt => ("<", "lt"),
        Le => ("<=", "le"),
        Eq => ("==", "eq"),
        Ne => ("!=", "ne"),
        Ge => (">=", "ge"),
        Gt => (">", "gt"),
        _ => return None,
    })
}

/// A binary op on `x`, `y` of dtype `t`: the C expression and its dtype.
fn binary(op: BinOp, t: DType, x: &str, y: &str, uses_err: &mut bool) -> Result<(String, DType)> {
    use BinOp::*;
    let b = DType::Bool;
    let e = |s: String| Ok((s, t));
    let call = |f: &str| e(format!("{f}({x}, {y})"));
    match (comparison(op), t) {
        (Some((sym, _)), DType::I32 | DType::I64 | DType::F32 | DType::F64) => {
            return Ok((format!("{x} {sym} {y}"), b));
        }
        (Some((_, name)), DType::C64 | DType::C128) => {
            return Ok((format!("nx_c{name}({x}, {y})"), b));
        }
        _ => {}
    }
    // The functions that are the C math library's on floats (`atan2`, …).
    let c_name = builtins::of_binary(op).and_then(|b| b.c_name);
    if let (DType::F32 | DType::F64, Some(c)) = (t, c_name) {
        return call(&libm(c, t));
    }
    match t {
        DType::Bool => match op {
            Add | BitOr | Maximum => e(format!("{x} || {y}")),
            Mul | BitAnd | Minimum => e(format!("{x} && {y}")),
            BitXor | Ne => e(format!("{x} != {y}")),
            Eq => e(format!("{x} == {y}")),
            Lt => e(format!("!{x} && {y}")),
            Le => e(format!("{x} <= {y}")),
            Gt => e(format!("{x} && !{y}")),
            Ge => e(format!("{x} >= {y}")),
            _ => Err(unsupported(format!("{op} of bool"))),
        },
        DType::I32 | DType::I64 => match op {
            Add => call("nx_wadd"),
            Sub => call("nx_wsub"),
            Mul => call("nx_wmul"),
            FloorDiv => call("nx_ifloordiv"),
            Mod => call("nx_imod"),
            Fmod => call("nx_ifmod"),
            Pow => {
                *uses_err = true;
                e(format!("nx_ipow({x}, {y}, err)"))
            }
            BitAnd => e(format!("{x} & {y}")),
            BitOr => e(format!("{x} | {y}")),
            BitXor => e(format!("{x} ^ {y}")),
            Shl => call("nx_shl"),
            Shr => call("nx_shr"),
            Maximum => call("nx_imax"),
            Minimum => call("nx_imin"),
            _ => Err(unsupported(format!("{op} of {t}"))),
        },
        DType::F32 | DType::F64 => match op {
            Add => e(format!("{x} + {y}")),
            Sub => e(format!("{x} - {y}")),
            Mul => e(format!("{x} * {y}")),
            Div => e(format!("{x} / {y}")),
            FloorDiv => call("nx_floordiv"),
            Mod => call("nx_fmod_py"),
            Pow => call(&libm("pow", t)),
            NextAfter => call("nx_nextafter"),
            Maximum => call("nx_max"),
            Minimum => call("nx_min"),
            Complex => Ok((format!("nx_mk({x}, {y})"), t.to_complex())),
            _ => Err(unsupported(format!("{op} of {t}"))),
        },
        DType::C64 | DType::C128 => match op {
            Add => call("nx_cadd"),
            Sub => call("nx_csub"),
            Mul => call("nx_cmul"),
            Div => call("nx_cdiv"),
            Pow => call("nx_cpow"),
            Maximum => call("nx_cmax"),
            Minimum => call("nx_cmin"),
            _ => Err(unsupported(format!("{op} of {t}"))),
        },
    }
}

struct Emitter<'f> {
    f: &'f Func,
    layouts: &'f [Layout],
    inputs: Vec<String>,
    locals: Vec<String>,
    /// C text of each node that has been given one (leaves inline, others `tN`).
    text: Vec<Option<String>>,
    out: String,
    uses_err: bool,
    loop_counter: usize,
}

impl Emitter<'_> {
    fn input_ref(&self, k: usize) -> String {
        let name = &self.inputs[k];
        match self.layouts[k] {
            Layout::Contiguous => format!("{name}[i]"),
            Layout::Scalar => format!("{name}[0]"),
            Layout::Strided => format!("{name}[off_{name}]"),
        }
    }

    /// Emits the nodes `root` needs, as `const` temporaries, and returns its C text.
    fn value(&mut self, root: ValueId, ind: &str) -> Result<String> {
        let f = self.f;
        // The nodes without text yet that `root` needs (their work, not the arena's).
        let mut need = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if self.text[v as usize].is_none() && seen.insert(v) {
                need.push(v as usize);
                stack.extend(&f.nodes[v as usize].args);
            }
        }
        need.sort_unstable();
        for id in need {
            let n = &f.nodes[id];
            let arg = |k: usize| -> (String, DType) {
                let a = n.args[k] as usize;
                (self.text[a].clone().unwrap_or_default(), f.nodes[a].ty)
            };
            let expr = match n.op {
                Op::Input(k) => {
                    let r = self.input_ref(k as usize);
                    self.text[id] = Some(r);
                    continue;
                }
                Op::Const(c) => {
                    self.text[id] = Some(literal(c));
                    continue;
                }
                Op::Var(v) => {
                    self.text[id] = Some(self.locals[v as usize].clone());
                    continue;
                }
                Op::Cast => {
                    let (x, t) = arg(0);
                    cast(&x, t, n.ty)
                }
                Op::Unary(u) => {
                    let (x, t) = arg(0);
                    let (s, rt) = unary(u, t, &x)?;
                    cast(&s, rt, n.ty)
                }
                Op::Binary(b) => {
                    let (x, t) = arg(0);
                    let (y, _) = arg(1);
                    let (s, rt) = binary(b, t, &x, &y, &mut self.uses_err)?;
                    cast(&s, rt, n.ty)
                }
                Op::Where => {
                    let (c, _) = arg(0);
                    let (x, _) = arg(1);
                    let (y, _) = arg(2);
                    format!("{c} ? {x} : {y}")
                }
            };
            let _ = writeln!(self.out, "{ind}const {} t{id} = {expr};", cty(n.ty));
            self.text[id] = Some(format!("t{id}"));
        }
        Ok(self.text[root as usize].clone().unwrap_or_default())
    }

    fn block(&mut self, body: &[Stmt], depth: usize) -> Result<()> {
        crate::limits::stack(|| self.block_at(body, depth))
    }

    fn block_at(&mut self, body: &[Stmt], depth: usize) -> Result<()> {
        let ind = "    ".repeat(depth);
        for s in body {
            match s {
                Stmt::Assign { var, value } => {
                    let v = self.value(*value, &ind)?;
                    let _ = writeln!(self.out, "{ind}{} = {v};", self.locals[*var as usize]);
                }
                Stmt::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    let c = self.value(*cond, &ind)?;
                    let c = cast(&c, self.f.node(*cond).ty, DType::Bool);
                    let _ = writeln!(self.out, "{ind}if ({c}) {{");
                    self.block(then_body, depth + 1)?;
                    if else_body.is_empty() {
                        let _ = writeln!(self.out, "{ind}}}");
                    } else {
                        let _ = writeln!(self.out, "{ind}}} else {{");
                        self.block(else_body, depth + 1)?;
                        let _ = writeln!(self.out, "{ind}}}");
                    }
                }
                Stmt::For {
                    var,
                    start,
                    end,
                    body,
                } => {
                    let a = self.value(*start, &ind)?;
                    let b = self.value(*end, &ind)?;
                    let k = format!("k{}", self.loop_counter);
                    self.loop_counter += 1;
                    let v = &self.locals[*var as usize];
                    let vt = self.f.vars[*var as usize].ty;
                    // The bound is evaluated once, before the loop, even where it reads a
                    // variable that the body assigns.
                    let _ = writeln!(self.out, "{ind}const long long {k}_end = {b};");
                    let _ = writeln!(
                        self.out,
                        "{ind}for (long long {k} = {a}; {k} < {k}_end; ++{k}) {{"
                    );
                    let _ = writeln!(self.out, "{ind}    {v} = {};", cast(&k, DType::I64, vt));
                    self.block(body, depth + 1)?;
                    let _ = writeln!(self.out, "{ind}}}");
                }
                Stmt::Break => {
                    let _ = writeln!(self.out, "{ind}break;");
                }
            }
        }
        Ok(())
    }
}

/// Generates the CUDA C kernel for `f` with inputs laid out as `layouts`.
pub fn emit(f: &Func, layouts: &[Layout]) -> Result<Emitted> {
    if layouts.len() != f.inputs.len() {
        return Err(Error::backend(format!(
            "CUDA backend: {} layouts for {} inputs",
            layouts.len(),
            f.inputs.len()
        )));
    }
    f.verify()
        .map_err(|e| Error::backend(format!("CUDA backend: invalid IR: {e}")))?;
    let (inputs, locals) = c_names(f);
    // A float product is NumPy's sequential one, which no block tree reproduces: the
    // elementwise result comes back to the host and is reduced there, in order.
    let fused_reduce = match f.reduce {
        Some(r) if r.op == ReduceOp::Prod && (r.ty.is_float() || r.ty.is_complex()) => None,
        Some(r) if r.axis.is_none() && f.outputs.len() == 1 => Some((r.op, r.ty)),
        _ => None,
    };
    let strided: Vec<usize> = (0..layouts.len())
        .filter(|&k| layouts[k] == Layout::Strided)
        .collect();

    let mut e = Emitter {
        f,
        layouts,
        inputs,
        locals,
        text: vec![None; f.nodes.len()],
        out: String::new(),
        uses_err: false,
        loop_counter: 0,
    };
    let body = e.element_body()?;

    let mut src = String::new();
    let _ = writeln!(src, "#include \"{}\"\n", super::PRELUDE_NAME);
    for line in crate::ir::print::print(f).lines() {
        let _ = writeln!(src, "// {line}");
    }
    let out_names: Vec<String> = f
        .outputs
        .iter()
        .map(|&v| format!("out_{}", e.locals[v as usize]))
        .collect();
    let params = e.params(&out_names, fused_reduce);
    let _ = writeln!(src, "extern \"C\" __global__ void {KERNEL_NAME}(");
    let _ = writeln!(src, "    {})", params.join(",\n    "));
    src.push_str("{\n");
    if let Some((op, rty)) = fused_reduce {
        let _ = writeln!(src, "    __shared__ {} sdata[{REDUCE_BLOCK}];", cty(rty));
        let _ = writeln!(src, "    {} acc = {};", cty(rty), reduce_identity(op, rty));
    }
    src.push_str(
        "    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;\n         i += (long long)gridDim.x * blockDim.x) {\n",
    );
    if !strided.is_empty() {
        src.push_str(&e.strided_offsets(&strided));
    }
    src.push_str(&body);
    match fused_reduce {
        Some((op, rty)) => {
            let v = f.outputs[0];
            let x = cast(&e.locals[v as usize], f.vars[v as usize].ty, rty);
            let _ = writeln!(src, "        acc = {};", reduce_combine(op, rty, "acc", &x));
        }
        None => {
            for (o, &v) in out_names.iter().zip(&f.outputs) {
                let _ = writeln!(src, "        {o}[i] = {};", e.locals[v as usize]);
            }
        }
    }
    src.push_str("    }\n");
    if let Some((op, rty)) = fused_reduce {
        src.push_str(&block_reduction(op, rty));
    }
    src.push_str("}\n");
    Ok(Emitted {
        source: src,
        uses_err: e.uses_err,
        uses_geom: !strided.is_empty(),
        reduce: fused_reduce,
    })
}

/// C names of the inputs and of the locals, unique and clear of C keywords and of the
/// loop counters' `k<N>`.
fn c_names(f: &Func) -> (Vec<String>, Vec<String>) {
    let mut namer = Namer::new();
    let inputs: Vec<String> = f.inputs.iter().map(|p| namer.name(&p.name)).collect();
    let locals: Vec<String> = f.vars.iter().map(|l| namer.name(&l.name)).collect();
    // Loop counters are `k<N>`: keep locals from taking those names.
    let locals: Vec<String> = locals
        .into_iter()
        .map(|l| {
            if l.starts_with('k') && l[1..].starts_with(|c: char| c.is_ascii_digit()) {
                namer.name(&format!("{l}_"))
            } else {
                l
            }
        })
        .collect();
    (inputs, locals)
}

impl Emitter<'_> {
    /// What each element runs: its locals' declarations, then the statements.
    fn element_body(&mut self) -> Result<String> {
        let depth = 2;
        let ind = "    ".repeat(depth);
        for (k, l) in self.f.vars.iter().enumerate() {
            let init = match l.init_from {
                Some(inp) => cast(
                    &self.input_ref(inp as usize),
                    self.f.inputs[inp as usize].ty,
                    l.ty,
                ),
                None => zero_value(l.ty),
            };
            let _ = writeln!(self.out, "{ind}{} {} = {init};", cty(l.ty), self.locals[k]);
        }
        self.block(&self.f.body, depth)?;
        Ok(std::mem::take(&mut self.out))
    }

    /// The kernel's parameters: size, geometry, error flag, inputs, then the outputs or
    /// the per-block partials of a fused reduction.
    fn params(&self, out_names: &[String], fused_reduce: Option<(ReduceOp, DType)>) -> Vec<String> {
        let mut params = vec![
            "const long long n".to_string(),
            "const long long* __restrict__ geom".to_string(),
            "int* __restrict__ err".to_string(),
        ];
        for (k, p) in self.f.inputs.iter().enumerate() {
            params.push(format!(
                "const {}* __restrict__ {}",
                cty(p.ty),
                self.inputs[k]
            ));
        }
        match fused_reduce {
            Some((_, rty)) => params.push(format!("{}* __restrict__ partial", cty(rty))),
            None => {
                for (o, &v) in out_names.iter().zip(&self.f.outputs) {
                    params.push(format!(
                        "{}* __restrict__ {o}",
                        cty(self.f.vars[v as usize].ty)
                    ));
                }
            }
        }
        params
    }

    /// The element offsets `off_<input>` of the strided inputs, from the flat index `i`
    /// and `geom = [ndim, shape..., then each strided input's element strides]`.
    fn strided_offsets(&self, strided: &[usize]) -> String {
        let mut src = String::new();
        let decl: Vec<String> = strided
            .iter()
            .map(|&k| format!("off_{} = 0", self.inputs[k]))
            .collect();
        let _ = writeln!(src, "        long long {};", decl.join(", "));
        src.push_str("        {\n");
        src.push_str("            const int ndim = (int)geom[0];\n");
        src.push_str("            long long rem = i;\n");
        src.push_str("            for (int d = ndim - 1; d >= 0; --d) {\n");
        src.push_str("                const long long q = rem / geom[1 + d];\n");
        src.push_str("                const long long coord = rem - q * geom[1 + d];\n");
        for (j, &k) in strided.iter().enumerate() {
            let _ = writeln!(
                src,
                "                off_{} += coord * geom[1 + {} * ndim + d];",
                self.inputs[k],
                j + 1
            );
        }
        src.push_str("                rem = q;\n");
        src.push_str("            }\n");
        src.push_str("        }\n");
        src
    }
}

/// The end of a fused reduction: each thread's `acc` reduced over the block in shared
/// memory, and the block's result written to `partial[blockIdx.x]`.
fn block_reduction(op: ReduceOp, rty: DType) -> String {
    let mut src = String::new();
    let _ = writeln!(src, "    sdata[threadIdx.x] = acc;");
    let _ = writeln!(src, "    __syncthreads();");
    let _ = writeln!(
        src,
        "    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {{"
    );
    let _ = writeln!(src, "        if (threadIdx.x < s) {{");
    let _ = writeln!(
        src,
        "            sdata[threadIdx.x] = {};",
        reduce_combine(op, rty, "sdata[threadIdx.x]", "sdata[threadIdx.x + s]")
    );
    let _ = writeln!(src, "        }}");
    let _ = writeln!(src, "        __syncthreads();");
    let _ = writeln!(src, "    }}");
    let _ = writeln!(
        src,
        "    if (threadIdx.x == 0) partial[blockIdx.x] = sdata[0];"
    );
    src
}

fn reduce_identity(op: ReduceOp, t: DType) -> String {
    match op {
        ReduceOp::Sum => zero_value(t),
        ReduceOp::Prod => match t {
            DType::C64 => "nx_mk(1.0f, 0.0f)".into(),
            DType::C128 => "nx_mk(1.0, 0.0)".into(),
            _ => one(t).into(),
        },
        // Min and max of an empty array are an error the host raises before launching;
        // threads without elements contribute a value that never wins.
        ReduceOp::Min | ReduceOp::Max => {
            let big = op == ReduceOp::Min;
            match t {
                DType::Bool => (if big { "true" } else { "false" }).into(),
                DType::I32 => (if big {
                    "2147483647"
                } else {
                    "(-2147483647 - 1)"
                })
                .into(),
                DType::I64 => (if big {
                    "9223372036854775807LL"
                } else {
                    "(-9223372036854775807LL - 1)"
                })
                .into(),
                DType::F32 | DType::F64 => {
                    let inf = format!("nx_inf<{}>()", cty(t));
                    if big {
                        inf
                    } else {
                        format!("-{inf}")
                    }
                }
                DType::C64 | DType::C128 => {
                    let r = cty(t.real_part());
                    let s = if big { "" } else { "-" };
                    format!("nx_mk({s}nx_inf<{r}>(), {s}nx_inf<{r}>())")
                }
            }
        }
    }
}

fn reduce_combine(op: ReduceOp, t: DType, a: &str, b: &str) -> String {
    let bop = match op {
        ReduceOp::Sum => BinOp::Add,
        ReduceOp::Prod => BinOp::Mul,
        ReduceOp::Min => BinOp::Minimum,
        ReduceOp::Max => BinOp::Maximum,
    };
    let mut unused = false;
    binary(bop, t, a, b, &mut unused)
        .map(|(s, _)| s)
        .unwrap_or_else(|_| format!("{a} + {b}"))
}

/// The C math library's name of a transcendental function (the real `sin`, and the
/// prelude's complex `nx_csin`, share it), from the builtins table.
fn math_name(op: UnOp) -> Option<&'static str> {
    builtins::of_unary(op)
        .filter(|b| b.typing == Typing::Float)
        .and_then(|b| b.c_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    #[test]
    fn literals_read_back_exactly() {
        assert_eq!(literal(Scalar::F64(0.1)), "0.1");
        assert_eq!(literal(Scalar::F64(-2.5)), "(-2.5)");
        assert_eq!(literal(Scalar::F32(1e-30)), "1e-30f");
        assert_eq!(literal(Scalar::I32(i32::MIN)), "(-2147483647 - 1)");
        assert_eq!(literal(Scalar::I64(-3)), "(-3LL)");
        assert_eq!(
            literal(Scalar::F64(f64::NAN)),
            "__longlong_as_double(0x7ff8000000000000LL)"
        );
        assert_eq!(
            literal(Scalar::C128(Complex64::new(1.0, -0.0))),
            "nx_mk(1.0, (-0.0))"
        );
    }

    #[test]
    fn casts_parenthesize_compound_operands() {
        assert_eq!(cast("a + b", DType::F64, DType::F32), "(float)(a + b)");
        assert_eq!(cast("t3", DType::F64, DType::I32), "nx_f2i32((double)t3)");
        assert_eq!(cast("z", DType::C128, DType::F32), "(float)z.re");
        assert_eq!(
            cast("z", DType::C64, DType::Bool),
            "(z.re != 0 || z.im != 0)"
        );
    }

    #[test]
    fn names_avoid_c_keywords_and_temporaries() {
        let mut n = Namer::new();
        assert_eq!(n.name("a"), "a");
        assert_eq!(n.name("int"), "int_1");
        assert_eq!(n.name("t3"), "t3_");
        assert_eq!(n.name("i"), "i_1");
        assert_eq!(n.name("a"), "a_1");
    }
}
