//! Layers point one way (DEVELOPERS.md, "Layers"): web → db → domain → text and error. This
//! test reads every file under `src/`, finds the module paths it names (`crate::…`, `super::…`,
//! `self::…`, `use` groups included, comments and string literals skipped) and fails when a
//! module names one in a layer above its own, or when sibling modules (two files of one folder,
//! or two domain modules) name each other in a cycle. A parent and its own children may use each
//! other: `web/mod.rs` routes to `web/households.rs`, which takes `web::SharedState`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Every top-level module and its layer: a module may use its own layer (without a cycle) and
/// any layer below, never one above. A new top-level module must be placed here.
const LAYERS: &[(&str, u8)] = &[
    ("text", 0),
    ("trainings", 1),
    ("error", 0),
    ("memory", 0),
    ("auth", 1),
    ("businesses", 1),
    ("charts", 1),
    ("codes", 1),
    ("config", 1),
    ("crypto", 1),
    ("fieldwork", 1),
    ("funding", 1),
    ("guides", 1),
    ("import", 1),
    ("indicators", 1),
    ("password_policy", 1),
    ("plan", 1),
    ("reports", 1),
    ("scoring", 1),
    ("xlsx", 1),
    ("db", 2),
    ("web", 3),
    ("cli", 4),
    ("demo", 4),
];

const LAYER_NAMES: [&str; 5] = [
    "text and error",
    "domain",
    "db",
    "web",
    "the top (cli, demo)",
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Str(String),
    Punct(char),
}

/// Rust source as the few tokens this test needs, each with the index of the character it
/// starts at; comments, numbers, lifetimes and character literals vanish, string literals
/// become one token each.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let at = i;
        let mut push = |t: Tok| out.push((t, at));
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (s, end) = quoted(&c, i + 1);
            push(Tok::Str(s));
            i = end;
        } else if ch == '\'' {
            // A character literal ('a', '\n', '\u{1F600}') or a lifetime ('a, 'static).
            if next == Some('\\') {
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch == ':' && next == Some(':') {
            push(Tok::Sep);
            i += 2;
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            if raw && matches!(c.get(i), Some('"' | '#')) {
                let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
                if c.get(i + hashes) == Some(&'"') {
                    i += hashes + 1;
                    let start = i;
                    let closing =
                        |j: usize| c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#'));
                    while i < c.len() && !closing(i) {
                        i += 1;
                    }
                    push(Tok::Str(c[start..i.min(c.len())].iter().collect()));
                    i += hashes + 1;
                    continue;
                }
            }
            if matches!(word.as_str(), "b" | "c") && c.get(i) == Some(&'"') {
                let (s, end) = quoted(&c, i + 1);
                push(Tok::Str(s));
                i = end;
                continue;
            }
            push(Tok::Ident(word));
        } else {
            push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// A string literal's text from just after its opening quote, and the index after its end.
fn quoted(c: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < c.len() && c[i] != '"' {
        if c[i] == '\\' {
            i += 1;
        }
        if let Some(&ch) = c.get(i) {
            s.push(ch);
        }
        i += 1;
    }
    (s, i + 1)
}

/// One module path a file names, resolved from the crate root.
#[derive(Debug)]
struct Reference {
    /// The module the reference is written in (inline modules included).
    from: Vec<String>,
    to: Vec<String>,
    line: String,
}

/// The paths of a `use` tree or an expression path starting at `i` (after `crate::`,
/// `super::`… have been read): each as its segments, groups expanded.
fn path_tree(t: &[Tok], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        match t.get(i) {
            Some(Tok::Ident(s)) if s == "self" => {
                i += 1;
            }
            Some(Tok::Ident(s)) => {
                path.push(s.clone());
                i += 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                while i < t.len() && t[i] != Tok::Punct('}') {
                    let before = i;
                    i = path_tree(t, i, path.clone(), out);
                    if t.get(i) == Some(&Tok::Punct(',')) || i == before {
                        i += 1;
                    }
                }
                return i + 1;
            }
            Some(Tok::Punct('*')) => {
                i += 1;
            }
            _ => {}
        }
        if t.get(i) == Some(&Tok::Sep) {
            i += 1;
        } else {
            break;
        }
    }
    // `a as b`: the path is `a`.
    if t.get(i) == Some(&Tok::Ident("as".into())) {
        i += 2;
    }
    out.push(path);
    i
}

/// The module paths named in one file, whose own module is `module`; and the `#[path]`
/// modules it declares (file path as written, module name).
fn scan(module: &[String], src: &str) -> (Vec<Reference>, Vec<(String, String)>) {
    let (t, at): (Vec<Tok>, Vec<usize>) = tokens(src).into_iter().unzip();
    let chars: Vec<char> = src.chars().collect();
    // The source line a token is on, for the messages.
    let line_of = |k: usize| -> String {
        let start = chars[..at[k]]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |n| n + 1);
        let end = chars[at[k]..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(chars.len(), |n| at[k] + n);
        let line = chars[..start].iter().filter(|&&c| c == '\n').count() + 1;
        format!(
            "{line}: {}",
            chars[start..end].iter().collect::<String>().trim()
        )
    };
    let mut refs = Vec::new();
    let mut declared = Vec::new();
    // Inline modules (`mod tests { … }`) with the brace depth they close at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut pending_path: Option<String> = None;
    let mut i = 0;
    while i < t.len() {
        match &t[i] {
            Tok::Punct(';') => pending_path = None,
            Tok::Punct('{') => {
                depth += 1;
                pending_path = None;
            }
            Tok::Punct('}') => {
                depth -= 1;
                pending_path = None;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            // `#[path = "…"]`, kept for the `mod x;` it stands on.
            Tok::Ident(w) if w == "path" && i >= 2 && t[i - 1] == Tok::Punct('[') => {
                if let (Some(Tok::Punct('=')), Some(Tok::Str(p))) = (t.get(i + 1), t.get(i + 2)) {
                    pending_path = Some(p.clone());
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let Some(Tok::Ident(name)) = t.get(i + 1) {
                    match t.get(i + 2) {
                        Some(Tok::Punct('{')) => inline.push((name.clone(), depth)),
                        Some(Tok::Punct(';')) => {
                            if let Some(p) = pending_path.take() {
                                declared.push((p, name.clone()));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Tok::Ident(w)
                if matches!(w.as_str(), "crate" | "super" | "self")
                    && t.get(i + 1) == Some(&Tok::Sep)
                    && (i == 0 || t[i - 1] != Tok::Sep) =>
            {
                let here: Vec<String> = module
                    .iter()
                    .cloned()
                    .chain(inline.iter().map(|(m, _)| m.clone()))
                    .collect();
                let start = i;
                let base = if w == "crate" {
                    i += 2;
                    Some(Vec::new())
                } else if w == "self" {
                    i += 2;
                    Some(here.clone())
                } else {
                    let mut up = 0;
                    while t.get(i) == Some(&Tok::Ident("super".into()))
                        && t.get(i + 1) == Some(&Tok::Sep)
                    {
                        up += 1;
                        i += 2;
                    }
                    here.len().checked_sub(up).map(|n| here[..n].to_vec())
                };
                let mut paths = Vec::new();
                i = path_tree(&t, i, base.clone().unwrap_or_default(), &mut paths);
                if base.is_some() {
                    let line = line_of(start);
                    for to in paths {
                        refs.push(Reference {
                            from: here.clone(),
                            to,
                            line: line.clone(),
                        });
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (refs, declared)
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `db/sync.rs` → `db::sync`; `web/mod.rs` → `web`; `lib.rs` → the root.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Every `.rs` file under `dir`, relative to `root`, in a stable order.
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(root, &p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let src =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            out.push((p.strip_prefix(root).expect("under src").to_path_buf(), src));
        }
    }
}

/// The breaches of the rule in a source tree given as (path under `src/`, contents).
fn breaches(files: &[(PathBuf, String)]) -> Vec<String> {
    // `main.rs` is its own crate (the binary): its `crate::` is not the library's.
    let files: Vec<&(PathBuf, String)> = files
        .iter()
        .filter(|(p, _)| p != Path::new("main.rs"))
        .collect();
    // Module paths, `#[path]` files placed where they are declared.
    let mut modules: BTreeMap<PathBuf, Vec<String>> = files
        .iter()
        .map(|(p, _)| (p.clone(), module_of(p)))
        .collect();
    for (p, src) in &files {
        let module = module_of(p);
        let dir = p.parent().unwrap_or(Path::new(""));
        for (file, name) in scan(&module, src).1 {
            let mut m = module.clone();
            m.push(name);
            modules.insert(normalise(&dir.join(file)), m);
        }
    }
    let known: BTreeSet<Vec<String>> = modules
        .values()
        .flat_map(|m| (1..=m.len()).map(|n| m[..n].to_vec()))
        .collect();

    let mut out = BTreeSet::new();
    // Sibling edges, by parent module: (from child, to child) → an example reference.
    let mut edges: BTreeMap<Vec<String>, BTreeMap<(String, String), String>> = BTreeMap::new();
    for (p, src) in &files {
        let module = &modules[p];
        if let Some(top) = module.first()
            && layer(top).is_none()
        {
            out.insert(format!(
                "src/{}: top-level module `{top}` has no layer; add it to LAYERS in tests/layers.rs",
                p.display()
            ));
        }
        for r in scan(module, src).0 {
            let (Some(from_top), Some(to_top)) = (r.from.first(), r.to.first()) else {
                continue;
            };
            let (Some(from_layer), Some(to_layer)) = (layer(from_top), layer(to_top)) else {
                continue;
            };
            let example = format!("src/{}: {}", p.display(), r.line);
            if to_layer > from_layer {
                out.insert(format!(
                    "{example}\n    `{from_top}` ({}) uses `{to_top}` ({}), a layer above",
                    LAYER_NAMES[from_layer as usize], LAYER_NAMES[to_layer as usize]
                ));
                continue;
            }
            // The first place the two paths part: two children of one parent.
            let k = r.from.iter().zip(&r.to).take_while(|(a, b)| a == b).count();
            if k < r.from.len() && k < r.to.len() && known.contains(&r.to[..=k]) {
                if k == 0 && from_layer != to_layer {
                    continue;
                }
                edges
                    .entry(r.to[..k].to_vec())
                    .or_default()
                    .entry((r.from[k].clone(), r.to[k].clone()))
                    .or_insert(example);
            }
        }
    }
    for (parent, graph) in &edges {
        for ((a, b), example) in graph {
            if reaches(graph, b, a) {
                let parent = if parent.is_empty() {
                    "crate".to_string()
                } else {
                    parent.join("::")
                };
                out.insert(format!(
                    "{example}\n    `{parent}::{a}` uses `{parent}::{b}`, which leads back to it: \
                     a cycle between siblings"
                ));
            }
        }
    }
    out.into_iter().collect()
}

fn reaches(graph: &BTreeMap<(String, String), String>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(
                graph
                    .keys()
                    .filter(|(a, _)| *a == n)
                    .map(|(_, b)| b.clone()),
            );
        }
    }
    false
}

#[test]
fn layers_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    assert!(
        files.len() > 50,
        "read only {} files under src/",
        files.len()
    );
    let found = breaches(&files);
    assert!(
        found.is_empty(),
        "{} import(s) break the layers (see DEVELOPERS.md, \"Layers\"):\n\n{}",
        found.len(),
        found.join("\n\n")
    );
}

fn tree(files: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .map(|(p, s)| (PathBuf::from(p), s.to_string()))
        .collect()
}

/// The checker itself: it must see what the real tree would hide if it broke.
#[test]
fn an_upward_import_is_caught_in_any_spelling() {
    for src in [
        "use crate::web::log_error;",
        "fn f() { crate::web::log_error(&e); }",
        "use crate::{error::AppError, web::{self, log_error}};",
        "use super::super::web::log_error;",
        "mod tests { use super::super::super::web::x; }",
    ] {
        let found = breaches(&tree(&[("db/sync.rs", src), ("web/mod.rs", "")]));
        assert_eq!(found.len(), 1, "{src}: {found:?}");
        assert!(found[0].contains("`db` (db) uses `web` (web)"), "{found:?}");
    }
    let found = breaches(&tree(&[("fieldwork.rs", "use crate::db::members::label;")]));
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn comments_strings_and_downward_imports_pass() {
    let src = r##"
        //! Shown as JSON by `crate::web::ApiError`.
        /* crate::web::x /* nested */ crate::web::y */
        use crate::error::AppError;
        use crate::{text, indicators::period};
        const URL: &str = "see crate::web::x";
        const RAW: &str = r#"crate::web::"x""#;
        fn f<'a>(c: char) -> bool { c == '"' || c == '\'' }
        pub(crate) fn g() {}
    "##;
    assert_eq!(
        breaches(&tree(&[("db/sync.rs", src)])),
        Vec::<String>::new()
    );
}

#[test]
fn siblings_that_use_each_other_are_caught() {
    let files = tree(&[
        ("web/mod.rs", "mod a; mod b; pub struct SharedState;"),
        ("web/a.rs", "use super::b::f; use super::SharedState;"),
        ("web/b.rs", "fn g() { super::a::h() }"),
    ]);
    let found = breaches(&files);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("a cycle between siblings"), "{found:?}");
    // One way only, and a child using its parent, pass.
    let files = tree(&[
        (
            "web/mod.rs",
            "mod a; mod b; use self::a::x; pub struct SharedState;",
        ),
        ("web/a.rs", "use super::b::f; use super::SharedState;"),
        ("web/b.rs", "use super::SharedState;"),
    ]);
    assert_eq!(breaches(&files), Vec::<String>::new());
    // Three in a ring, a `#[path]` file counting as the module that declares it.
    let files = tree(&[
        (
            "reports/a.rs",
            "#[cfg(test)]\n#[path = \"tests/a.rs\"]\nmod tests;",
        ),
        ("reports/tests/a.rs", "use crate::reports::b::x;"),
        ("reports/b.rs", "use super::c::x;"),
        ("reports/c.rs", "use super::a::x;"),
    ]);
    assert_eq!(breaches(&files).len(), 3);
}
