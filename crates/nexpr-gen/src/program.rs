//! Programs: the outputs assigned first, then statements that nest (`if`/`elif`/`else`,
//! `for` over a small range, `break`, `=` and augmented assignments to outputs and
//! locals), every expression built for the kind of what it is assigned to.

use crate::operators::BINARY;
use crate::{Entropy, Gen, Kind, Node};
use std::fmt::Write;

/// How deep `if` and `for` blocks nest.
const MAX_NESTING: usize = 2;

/// The most iterations of a loop with literal bounds.
const MAX_TRIPS: usize = 6;

impl<E: Entropy> Gen<'_, E> {
    /// A program: `output` of the configured outputs, each assigned an expression of
    /// its kind, then a block of statements at the top level.
    pub fn program(&mut self) -> String {
        let outputs = self.cfg.outputs.clone();
        let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
        let mut src = format!("output {}\n", names.join(", "));
        for (name, kind) in &outputs {
            let k = kind.unwrap_or_else(|| self.kind());
            let e = self.expr(k);
            let _ = writeln!(src, "{name} = {e}");
            self.names.push((name.clone(), k));
        }
        self.block(&mut src, 0, false);
        src
    }

    fn block(&mut self, src: &mut String, nesting: usize, in_loop: bool) {
        for _ in 0..1 + self.src.below(4) {
            self.statement(src, nesting, in_loop);
        }
    }

    fn statement(&mut self, src: &mut String, nesting: usize, in_loop: bool) {
        let pad = "    ".repeat(nesting);
        let nests = nesting < MAX_NESTING;
        match self.src.below(10) {
            6 | 7 if nests => self.if_chain(src, nesting, in_loop),
            8 if nests && self.cfg.loops => self.for_loop(src, nesting),
            9 if in_loop => {
                let c = self.expr(Kind::Bool);
                let _ = writeln!(src, "{pad}if {c}:\n{pad}    break");
            }
            _ => self.assignment(src, nesting),
        }
    }

    fn if_chain(&mut self, src: &mut String, nesting: usize, in_loop: bool) {
        let pad = "    ".repeat(nesting);
        let c = self.expr(Kind::Bool);
        let _ = writeln!(src, "{pad}if {c}:");
        self.block(src, nesting + 1, in_loop);
        if self.src.chance(1, 3) {
            let c = self.expr(Kind::Bool);
            let _ = writeln!(src, "{pad}elif {c}:");
            self.block(src, nesting + 1, in_loop);
        }
        if self.src.chance(1, 2) {
            let _ = writeln!(src, "{pad}else:");
            self.block(src, nesting + 1, in_loop);
        }
    }

    fn for_loop(&mut self, src: &mut String, nesting: usize) {
        let pad = "    ".repeat(nesting);
        let var = format!("i{nesting}");
        let bounds = self.loop_bounds();
        let _ = writeln!(src, "{pad}for {var} in range({bounds}):");
        self.names.push((var, Kind::Int));
        self.block(src, nesting + 1, true);
        self.names.pop();
    }

    /// `n`, `a, b` (literals) or, where allowed, a count from an integer input kept
    /// below [`MAX_TRIPS`].
    fn loop_bounds(&mut self) -> String {
        let ints: Vec<String> = self.cfg.names_of(Kind::Int).map(String::from).collect();
        match self.src.below(3) {
            1 => {
                let a = self.src.below(3);
                format!("{a}, {}", a + self.src.below(MAX_TRIPS))
            }
            2 if self.cfg.element_bounds && !ints.is_empty() => {
                let n = self.src.pick(&ints);
                format!("abs({n}) % {MAX_TRIPS}")
            }
            _ => format!("{}", self.src.below(MAX_TRIPS + 1)),
        }
    }

    /// An assignment to an output or a local, mostly keeping its kind, or to a fresh
    /// local (readable afterwards where it is assigned at the top level, the only place
    /// it is surely assigned); sometimes augmented (`+=`, `-=`, `*=`).
    fn assignment(&mut self, src: &mut String, nesting: usize) {
        let pad = "    ".repeat(nesting);
        let assignable: Vec<(String, Kind)> = (self.names.iter())
            .filter(|(n, _)| self.is_assignable(n))
            .cloned()
            .collect();
        let existing = !assignable.is_empty() && self.src.chance(3, 4);
        let (target, k) = if existing {
            self.src.pick(&assignable).clone()
        } else {
            (format!("t{}", self.names.len()), self.kind())
        };
        let augmented: Vec<&str> = (BINARY.iter())
            .filter(|o| matches!(o.symbol, "+" | "-" | "*") && (o.result)(k) == Some(k))
            .map(|o| o.symbol)
            .collect();
        let e: Node = self.expr(k);
        match existing && !augmented.is_empty() && self.src.chance(1, 5) {
            true => {
                let op = self.src.pick(&augmented);
                let _ = writeln!(src, "{pad}{target} {op}= {e}");
            }
            false => {
                let _ = writeln!(src, "{pad}{target} = {e}");
            }
        }
        if nesting == 0 && !existing {
            self.names.push((target, k));
        }
    }

    /// Outputs and locals may be assigned; inputs and loop variables are not.
    fn is_assignable(&self, name: &str) -> bool {
        let output = self.cfg.outputs.iter().any(|(n, _)| n == name);
        output || (name.starts_with('t') && !self.cfg.vars.iter().any(|(v, _)| v == name))
    }
}
