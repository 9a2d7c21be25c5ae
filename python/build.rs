//! Embeds the repository's `kernels/*.nx` programs, so `nexpr.kernels` ships them.

use std::path::Path;

fn main() {
    // The manifest directory of this build, not of the one that compiled the script
    // (`env!` would be that: a build script compiled in one checkout and reused from a
    // shared target directory by another read the first one's kernels).
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../kernels");
    println!("cargo:rerun-if-changed={}", dir.display());
    // A package without its kernels must not build silently.
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the kernels directory {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.retain(|p| p.extension().is_some_and(|x| x == "nx"));
    entries.sort();
    let mut code = String::from(
        "/// (name, source) of each kernel in `kernels/`.\nstatic KERNELS: &[(&str, &str)] = &[\n",
    );
    for p in &entries {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_stem().unwrap().to_string_lossy();
        let path = p.canonicalize().unwrap();
        code += &format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        );
    }
    code += "];\n";
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("kernels.rs");
    std::fs::write(out, code).unwrap();
}
