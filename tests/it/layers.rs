//! The layering, held to the code: every `crate::`, `super::` and child-module path of `src/` read
//! as an arrow between modules, and the arrows checked against the rule the README states.
//!
//! - Between layers (the top-level modules) only these arrows: cli → class → check → reader →
//!   model; generate → reader, model; every layer may use sys and error; sys knows only error;
//!   model and error know nothing else of the crate.
//! - No cycle between modules (files), a module reading its own parent's items aside, as Rust
//!   puts shared items in the parent.
//! - The model reads no workbook and writes none; the reader knows no writer; nothing below the
//!   command line prints.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer and the layers it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("model", &[]),
    ("sys", &["error"]),
    ("reader", &["model", "sys", "error"]),
    ("check", &["reader", "model", "sys", "error"]),
    ("generate", &["reader", "model", "sys", "error"]),
    ("class", &["check", "reader", "model", "sys", "error"]),
    ("cli", &["class", "check", "generate", "reader", "model", "sys", "error"]),
];

/// The crates a layer may not name: a reader or a writer of workbooks, where it has no business.
const FORBIDDEN_CRATES: &[(&str, &[&str])] = &[
    ("model", &["calamine", "rust_xlsxwriter", "zip", "quick_xml", "csv"]),
    ("reader", &["rust_xlsxwriter"]),
    ("check", &["rust_xlsxwriter"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module of the crate by its path (`check::grid`; the crate root is ""), with its file.
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                walk(&path, &[prefix, &[name]].concat(), out);
            } else if path.extension().is_some_and(|e| e == "rs") && name != "main" {
                let module =
                    if matches!(name.as_str(), "mod" | "lib") { prefix.to_vec() } else { [prefix, &[name]].concat() };
                out.insert(module.join("::"), path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), &[], &mut out);
    out
}

/// The code of a file without its comments and its unit tests (`#[cfg(test)] mod tests` runs
/// to the end of the file in this crate, by convention).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    text.lines().map(|l| l.split("//").next().unwrap()).collect::<Vec<_>>().join("\n")
}

/// The module a path written in `from` names: the longest known module it starts with.
fn resolve(from: &str, path: &[&str], known: &BTreeMap<String, PathBuf>) -> Option<String> {
    let mut base: Vec<String> = match path.first()? {
        &"crate" => Vec::new(),
        &"super" => {
            let mut here: Vec<String> = from.split("::").filter(|s| !s.is_empty()).map(String::from).collect();
            for seg in path.iter().take_while(|s| **s == "super") {
                let _ = seg;
                here.pop();
            }
            return resolve_in(here, &path[path.iter().take_while(|s| **s == "super").count()..], known);
        }
        &"self" => from.split("::").filter(|s| !s.is_empty()).map(String::from).collect(),
        // A child module of this one, named bare (`use grid::Grid;`).
        first => {
            let child = if from.is_empty() { first.to_string() } else { format!("{from}::{first}") };
            if !known.contains_key(&child) {
                return None;
            }
            from.split("::").filter(|s| !s.is_empty()).map(String::from).collect()
        }
    };
    if matches!(path[0], "crate" | "self") {
        return resolve_in(std::mem::take(&mut base), &path[1..], known);
    }
    resolve_in(base, path, known)
}

fn resolve_in(mut base: Vec<String>, rest: &[&str], known: &BTreeMap<String, PathBuf>) -> Option<String> {
    let mut best = known.contains_key(&base.join("::")).then(|| base.join("::"));
    for seg in rest {
        base.push(seg.to_string());
        if known.contains_key(&base.join("::")) {
            best = Some(base.join("::"));
        } else {
            break;
        }
    }
    best
}

/// Every arrow from a module to another it names, with a line that shows it.
fn arrows() -> BTreeMap<(String, String), String> {
    let known = modules();
    let mut out = BTreeMap::new();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (module, file) in &known {
        let text = code(file);
        for line in text.lines() {
            // Every path in the line: runs of words joined by `::` (and `use a::{b, c}` groups,
            // whose first segment is enough to find the module).
            let chars: Vec<char> = line.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                if word(chars[k]) && (k == 0 || !(word(chars[k - 1]) || chars[k - 1] == ':')) {
                    let mut segments = Vec::new();
                    let mut j = k;
                    loop {
                        let start = j;
                        while j < chars.len() && word(chars[j]) {
                            j += 1;
                        }
                        segments.push(chars[start..j].iter().collect::<String>());
                        if j + 2 < chars.len() && chars[j] == ':' && chars[j + 1] == ':' && word(chars[j + 2]) {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    let is_use = line.trim_start().starts_with("use ") || line.trim_start().starts_with("pub use ");
                    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
                    let path_like = segs.len() > 1 || is_use;
                    if path_like
                        && let Some(to) = resolve(module, &segs, &known)
                        && to != *module
                    {
                        out.entry((module.clone(), to)).or_insert_with(|| line.trim().to_string());
                    }
                    k = j;
                }
                k += 1;
            }
        }
    }
    out
}

fn layer(module: &str) -> &str {
    module.split("::").next().unwrap()
}

#[test]
fn layers_use_only_the_layers_below_them() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for ((from, to), line) in arrows() {
        let (a, b) = (layer(&from), layer(&to));
        if from.is_empty() || a == b {
            continue;
        }
        let ok = allowed.get(a).unwrap_or_else(|| panic!("layer `{a}` is not in the rule"));
        if !ok.contains(&b) {
            wrong.push(format!("{from} -> {to}: `{line}`"));
        }
    }
    assert!(wrong.is_empty(), "arrows the layering forbids:\n{}", wrong.join("\n"));
    let layers: BTreeSet<String> = modules().keys().filter(|m| !m.is_empty()).map(|m| layer(m).to_string()).collect();
    let named: BTreeSet<String> = ALLOWED.iter().map(|(l, _)| l.to_string()).collect();
    assert_eq!(layers, named, "every layer has its rule");
}

#[test]
fn no_module_reads_one_that_reads_it_back() {
    let arrows = arrows();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in arrows.keys() {
        // A module reading its parent's (or an ancestor's) shared items is how Rust lays out a
        // folder: the parent declares the child, the child uses the parent's types.
        let ancestor = to.is_empty() || from.starts_with(&format!("{to}::"));
        if !ancestor {
            graph.entry(from.clone()).or_default().insert(to.clone());
        }
    }
    // Depth-first search for a back edge; the cycle, when found, is named whole.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == next).unwrap();
                    return Some([&stack[at..], std::slice::from_ref(next)].concat());
                }
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if state.get(m).copied().unwrap_or(0) == 0
            && let Some(cycle) = visit(m, &graph, &mut state, &mut Vec::new())
        {
            let lines: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} -> {}: `{}`", w[0], w[1], arrows[&(w[0].clone(), w[1].clone())]))
                .collect();
            panic!("a cycle of modules:\n{}", lines.join("\n"));
        }
    }
}

#[test]
fn the_model_reads_and_writes_nothing_and_only_the_command_line_prints() {
    let mut wrong = Vec::new();
    for (module, file) in modules() {
        let text = code(&file);
        for (l, crates) in FORBIDDEN_CRATES {
            for c in crates.iter().filter(|c| layer(&module) == *l && text.contains(&format!("{c}::"))) {
                wrong.push(format!("{module} names `{c}`"));
            }
        }
        let prints = ["println!", "eprintln!", "print!(", "eprint!(", "stdout()", "stderr()"];
        if !module.is_empty() && layer(&module) != "cli" {
            for p in prints.iter().filter(|p| text.contains(*p)) {
                wrong.push(format!("{module} prints (`{p}`)"));
            }
        }
        if layer(&module) == "model" && text.contains("std::fs") {
            wrong.push(format!("{module} touches files"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_rule_catches_what_it_forbids() {
    // The parser finds the arrows it must: a path in code, a `use` group, a bare child module,
    // `super::`.
    let known = modules();
    assert_eq!(resolve("check::grid", &["super", "written", "Cell"], &known).as_deref(), Some("check::written"));
    assert_eq!(resolve("check", &["grid", "Grid"], &known).as_deref(), Some("check::grid"));
    assert_eq!(resolve("cli", &["crate", "model", "columns", "Col"], &known).as_deref(), Some("model::columns"));
    assert_eq!(resolve("cli", &["std", "fmt"], &known), None);
    let arrows = arrows();
    assert!(arrows.contains_key(&("check::table".to_string(), "check::grid".to_string())));
    assert!(arrows.contains_key(&("model::columns".to_string(), "model::network".to_string())));
}
