//! Snapshots of the generated type surface of each API.
//!
//! `jumpcloud-api/types/src/generated/<api>.rs` is parsed with `syn` and everything in its `pub mod types`
//! is rendered as compact, line-oriented text: structs with their fields (Rust name, Rust type, serde
//! name and serde flags), string enums with their variants and wire names, newtypes with their inner
//! type and the constraints their `FromStr` enforces.
//!
//! Field flags: `optional` (an `Option`, left out when `None`), `null_if_none` (an `Option` sent as
//! `null` when `None`), `default` (missing on input is fine), `skip_empty` (an empty list or map is
//! left out), anything else is the serde attribute as written. Any change to an OpenAPI document or to the
//! generator that alters a type therefore shows up as a reviewable snapshot diff.
//!
//! The `<api>_operations` snapshots list every client method: its HTTP method and path, each
//! builder setter with its type (`Option<…>` where the argument may be left out) and what `send`
//! returns, so a removed or changed operation shows in review too.
//!
//! A failing snapshot after an import: the change report (`cargo xtask import` prints it, and
//! `cargo xtask diff HEAD:openapi/jumpcloud-v2.json openapi/jumpcloud-v2.json` repeats it) says what
//! changed for users; accept with
//! `INSTA_UPDATE=always cargo test -p jumpcloud-api --test generated -- generated_types::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use quote::ToTokens;
use syn::visit::Visit;

/// The rendered surface of one generated module, plus its counts.
struct Surface {
    text: String,
    structs: usize,
    fields: usize,
    enums: usize,
    variants: usize,
    newtypes: usize,
    aliases: usize,
    /// Enums whose catch-all variant is missing or malformed (should be empty).
    closed_enums: Vec<String>,
}

impl Surface {
    fn types(&self) -> usize {
        self.structs + self.enums + self.newtypes + self.aliases
    }
}

fn generated_path(api: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../jumpcloud-api/src/generated")
        .join(format!("{api}.rs"))
}

/// Where the regen writes `api`'s `types` module (crate `jumpcloud-api-types`).
fn generated_types_path(api: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("types/src/generated")
        .join(format!("{api}.rs"))
}

/// Parses and renders each module once per test binary (parsing v2 takes a moment in debug builds).
fn surface(api: &'static str) -> &'static Surface {
    static V2: OnceLock<Surface> = OnceLock::new();
    static V1: OnceLock<Surface> = OnceLock::new();
    static INSIGHTS: OnceLock<Surface> = OnceLock::new();
    let cell = match api {
        "v2" => &V2,
        "v1" => &V1,
        "insights" => &INSIGHTS,
        other => panic!("unknown api {other}"),
    };
    cell.get_or_init(|| render(api))
}

/// Prefixes dropped from rendered types for readability.
const PREFIXES: &[&str] = &[
    "::std::option::",
    "::std::string::",
    "::std::vec::",
    "::std::num::",
    "::std::collections::",
    "::std::boxed::",
    "::serde_json::",
    "::chrono::offset::",
    "::chrono::naive::",
    "::chrono::",
    "::uuid::",
    "self::",
    "super::",
];

fn is_wordish(token: &str) -> bool {
    token
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '\'' || c == '"')
}

/// `quote!` output (`Option < :: std :: string :: String >`) compacted to `Option<String>`.
fn compact(tokens: &str) -> String {
    let mut out = String::with_capacity(tokens.len());
    let mut prev: Option<&str> = None;
    for token in tokens.split_whitespace() {
        if let Some(p) = prev
            && (p == "," || (is_wordish(p) && is_wordish(token)))
        {
            out.push(' ');
        }
        out.push_str(token);
        prev = Some(token);
    }
    for prefix in PREFIXES {
        out = out.replace(prefix, "");
    }
    out
}

fn type_string(ty: &impl ToTokens) -> String {
    compact(&ty.to_token_stream().to_string())
}

/// The `#[serde(...)]` entries of `attrs`, as (key, optional value) pairs in source order.
fn serde_args(attrs: &[syn::Attribute]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_else(|| type_string(&meta.path));
            if meta.input.peek(syn::Token![=]) {
                let value: syn::Expr = meta.value()?.parse()?;
                let value = match &value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.value(),
                    other => type_string(other),
                };
                out.push((key, Some(value)));
            } else {
                out.push((key, None));
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("unparsable serde attribute: {e}"));
    }
    out
}

fn serde_rename(args: &[(String, Option<String>)]) -> Option<String> {
    args.iter()
        .find(|(k, _)| k == "rename")
        .and_then(|(_, v)| v.clone())
}

/// Flags other than `rename`, e.g. `default`, `default=defaults::foo`, `skip_if=Option::is_none`.
fn serde_flags(args: &[(String, Option<String>)]) -> Vec<String> {
    args.iter()
        .filter(|(k, _)| k != "rename")
        .map(|(k, v)| {
            let key = if k == "skip_serializing_if" {
                "skip_if"
            } else {
                k
            };
            match v {
                Some(v) => format!("{key}={}", compact(v)),
                None => key.to_string(),
            }
        })
        .collect()
}

fn flags_suffix(flags: &[String]) -> String {
    if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    }
}

/// Collects the string literals passed to `Err(...)` inside a `FromStr` impl: the messages of the
/// constraints (length, pattern, range) a constrained newtype enforces.
#[derive(Default)]
struct ErrLiterals(Vec<String>);

/// Collects every string literal it visits.
struct StrLiterals<'a>(&'a mut Vec<String>);

impl<'ast> Visit<'ast> for StrLiterals<'_> {
    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.0.push(lit.value());
    }
}

impl<'ast> Visit<'ast> for ErrLiterals {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func
            && p.path.segments.last().is_some_and(|s| s.ident == "Err")
        {
            for arg in &call.args {
                StrLiterals(&mut self.0).visit_expr(arg);
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// What the regen wrote into a struct's `Serialize` and `Deserialize` impls
/// (`xtask/src/regen/encoders.rs`, `decoders.rs`) in place of serde's
/// member attributes, read back as those attributes would have said it, so
/// the snapshot still shows each member's wire name and rules.
#[derive(Default)]
struct Written {
    /// Member → name on the wire.
    wire: BTreeMap<String, String>,
    /// Member → its `skip_serializing_if` function.
    skip: BTreeMap<String, String>,
    /// Member → `default` (`None`) or `default = "function"`.
    default: BTreeMap<String, Option<String>>,
    /// Member → its `deserialize_with` function.
    with: BTreeMap<String, String>,
}

impl Written {
    /// The member's serde arguments in the order typify and the regen wrote
    /// them as attributes.
    fn args(&self, member: &str) -> Vec<(String, Option<String>)> {
        let mut args = Vec::new();
        if let Some(wire) = self.wire.get(member).filter(|w| *w != member) {
            args.push(("rename".to_string(), Some(wire.clone())));
        }
        if let Some(default) = self.default.get(member) {
            args.push(("default".to_string(), default.clone()));
        }
        if let Some(skip) = self.skip.get(member) {
            args.push(("skip_serializing_if".to_string(), Some(skip.clone())));
        }
        if let Some(with) = self.with.get(member) {
            args.push(("deserialize_with".to_string(), Some(with.clone())));
        }
        args
    }
}

/// `&self.member` or `&mut slot`: the identifier.
fn referenced(expr: &syn::Expr) -> Option<String> {
    let syn::Expr::Reference(r) = expr else {
        return None;
    };
    match &*r.expr {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(ident) => Some(ident.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

fn str_lit(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

fn path_ends(expr: &syn::Expr, last: &str) -> bool {
    matches!(expr, syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == last))
}

/// Reads a written encoder: `let aN = skip(&self.m);` and
/// `fields.put("wire", &self.m)` / `fields.put_unless(aN, "wire", &self.m)`.
fn read_encoder(imp: &syn::ItemImpl, out: &mut Written) {
    let mut flags: BTreeMap<String, String> = BTreeMap::new();
    for item in &imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        for stmt in &f.block.stmts {
            match stmt {
                syn::Stmt::Local(local) => {
                    if let (syn::Pat::Ident(flag), Some(init)) = (&local.pat, &local.init)
                        && let syn::Expr::Call(call) = &*init.expr
                        && let (syn::Expr::Path(skip), Some(member)) =
                            (&*call.func, call.args.first().and_then(referenced))
                    {
                        flags.insert(flag.ident.to_string(), type_string(&skip.path));
                        out.skip.insert(member, type_string(&skip.path));
                    }
                }
                syn::Stmt::Expr(syn::Expr::MethodCall(call), _) => {
                    let args: Vec<&syn::Expr> = call.args.iter().collect();
                    let (name, member) = match (call.method.to_string().as_str(), &args[..]) {
                        ("put", [name, member]) | ("put_unless", [_, name, member]) => {
                            (str_lit(name), referenced(member))
                        }
                        _ => continue,
                    };
                    if let (Some(name), Some(member)) = (name, member) {
                        out.wire.insert(member, name);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Reads a written decoder: the arms `"wire" => crate::wire::next(&mut map,
/// &mut fN, "wire")` (or `next_or_default`, or a block with a function of
/// its own), and the final `Struct { member: fN.… }`.
#[derive(Default)]
struct DecoderFacts {
    /// Slot → wire name, and how it is read.
    slots: BTreeMap<String, (String, Option<String>)>,
    /// Member → (slot, default).
    members: BTreeMap<String, (String, Option<Option<String>>)>,
}

impl<'ast> Visit<'ast> for DecoderFacts {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if let syn::Pat::Lit(lit) = &arm.pat
            && let syn::Lit::Str(wire) = &lit.lit
        {
            let body = match &*arm.body {
                syn::Expr::Block(b) => b.block.stmts.last().and_then(|s| match s {
                    syn::Stmt::Expr(e, None) => Some(e),
                    _ => None,
                }),
                e => Some(e),
            };
            let mut with: Option<String> = None;
            let mut slot = None;
            if let Some(syn::Expr::Call(call)) = body {
                slot = call.args.iter().nth(1).and_then(referenced);
                if path_ends(&call.func, "next_or_default") {
                    with = Some("crate::wire::null_as_default".to_string());
                }
            } else if let syn::Expr::Block(b) = &*arm.body {
                // `struct With(T); impl Deserialize for With { path(deserializer) }`,
                // then `.and_then(|with| crate::wire::fill(&mut fN, ..))`.
                struct Calls(Vec<syn::ExprCall>);
                impl<'a> Visit<'a> for Calls {
                    fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
                        self.0.push(c.clone());
                        syn::visit::visit_expr_call(self, c);
                    }
                }
                let mut calls = Calls(Vec::new());
                calls.visit_block(&b.block);
                for c in &calls.0 {
                    if path_ends(&c.func, "fill") {
                        slot = c.args.first().and_then(referenced);
                    } else if c.args.len() == 1
                        && matches!(c.args.first(), Some(syn::Expr::Path(p)) if p.path.is_ident("deserializer"))
                        && let syn::Expr::Path(p) = &*c.func
                    {
                        with = Some(type_string(&p.path));
                    }
                }
            }
            if let Some(slot) = slot {
                self.slots.insert(slot, (wire.value(), with));
            }
        }
        syn::visit::visit_arm(self, arm);
    }

    fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
        for field in &e.fields {
            let syn::Member::Named(member) = &field.member else {
                continue;
            };
            // `fN.flatten()`, `fN.unwrap_or_default()`, `fN.unwrap_or_else(f)`,
            // `crate::wire::or_missing(fN, ..)?`, `crate::wire::required(fN, ..)?`.
            let mut expr = &field.expr;
            if let syn::Expr::Try(t) = expr {
                expr = &t.expr;
            }
            let (slot, default) = match expr {
                syn::Expr::MethodCall(m) => {
                    let slot = match &*m.receiver {
                        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                        _ => None,
                    };
                    let default = match m.method.to_string().as_str() {
                        "unwrap_or_default" => Some(None),
                        "unwrap_or_else" => m.args.first().and_then(|a| match a {
                            syn::Expr::Path(p) => Some(Some(type_string(&p.path))),
                            _ => None,
                        }),
                        _ => None,
                    };
                    (slot, default)
                }
                syn::Expr::Call(c) => (
                    c.args.first().and_then(|a| match a {
                        syn::Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
                        _ => None,
                    }),
                    None,
                ),
                _ => (None, None),
            };
            if let Some(slot) = slot {
                self.members.insert(member.to_string(), (slot, default));
            }
        }
        syn::visit::visit_expr_struct(self, e);
    }
}

fn read_decoder(imp: &syn::ItemImpl, out: &mut Written) {
    let mut facts = DecoderFacts::default();
    facts.visit_item_impl(imp);
    for (member, (slot, default)) in facts.members {
        if let Some((wire, with)) = facts.slots.get(&slot) {
            out.wire
                .entry(member.clone())
                .or_insert_with(|| wire.clone());
            if let Some(with) = with {
                out.with.insert(member.clone(), with.clone());
            }
        }
        if let Some(default) = default {
            out.default.insert(member, default);
        }
    }
}

/// The written impls of `types`, by the struct they are for.
fn written(types: &[syn::Item]) -> BTreeMap<String, Written> {
    let mut out: BTreeMap<String, Written> = BTreeMap::new();
    for item in types {
        let syn::Item::Impl(imp) = item else { continue };
        let (Some((_, trait_path, _)), syn::Type::Path(self_ty)) = (&imp.trait_, &*imp.self_ty)
        else {
            continue;
        };
        let (Some(tr), Some(ty)) = (trait_path.segments.last(), self_ty.path.segments.last())
        else {
            continue;
        };
        let entry = out.entry(ty.ident.to_string()).or_default();
        if tr.ident == "Serialize" {
            read_encoder(imp, entry);
        } else if tr.ident == "Deserialize" {
            read_decoder(imp, entry);
        }
    }
    out
}

fn render_struct(
    item: &syn::ItemStruct,
    written: Option<&Written>,
    counts: &mut Surface,
) -> (bool, String) {
    let name = item.ident.to_string();
    let struct_flags = serde_flags(&serde_args(&item.attrs));
    let mut out = String::new();
    match &item.fields {
        syn::Fields::Named(named) => {
            counts.structs += 1;
            counts.fields += named.named.len();
            writeln!(
                out,
                "struct {name} ({} fields){}",
                named.named.len(),
                flags_suffix(&struct_flags)
            )
            .unwrap();
            for field in &named.named {
                let rust = field.ident.as_ref().map(ToString::to_string).unwrap();
                let mut args = serde_args(&field.attrs);
                if args.is_empty()
                    && let Some(written) = written
                {
                    args = written.args(&rust);
                }
                let wire = serde_rename(&args).unwrap_or_else(|| rust.clone());
                let ty = type_string(&field.ty);
                let mut flags = Vec::new();
                let optional = ty.starts_with("Option<");
                if optional {
                    flags.push("optional".to_string());
                }
                let mut skips_none = false;
                for flag in serde_flags(&args) {
                    // Fold the predictable `skip_serializing_if` of optional and list fields.
                    match flag.as_str() {
                        "skip_if=Option::is_none" if optional => skips_none = true,
                        "skip_if=Vec::is_empty" | "skip_if=Map::is_empty" => {
                            flags.push("skip_empty".to_string());
                        }
                        _ => flags.push(flag),
                    }
                }
                if optional && !skips_none {
                    // Sent as `null` when unset.
                    flags.push("null_if_none".to_string());
                }
                writeln!(out, "  {rust}: {ty} = {wire:?}{}", flags_suffix(&flags)).unwrap();
            }
            (false, out)
        }
        syn::Fields::Unnamed(unnamed) => {
            counts.newtypes += 1;
            let inner: Vec<String> = unnamed
                .unnamed
                .iter()
                .map(|f| {
                    let vis = match f.vis {
                        syn::Visibility::Public(_) => "pub ",
                        _ => "",
                    };
                    format!("{vis}{}", type_string(&f.ty))
                })
                .collect();
            write!(
                out,
                "newtype {name}({}){}",
                inner.join(", "),
                flags_suffix(&struct_flags)
            )
            .unwrap();
            (true, out)
        }
        syn::Fields::Unit => {
            counts.structs += 1;
            writeln!(out, "struct {name} (unit){}", flags_suffix(&struct_flags)).unwrap();
            (false, out)
        }
    }
}

fn render_enum(item: &syn::ItemEnum, counts: &mut Surface) -> String {
    let name = item.ident.to_string();
    counts.enums += 1;
    counts.variants += item.variants.len();
    let mut out = String::new();
    writeln!(
        out,
        "enum {name} ({} variants){}",
        item.variants.len(),
        flags_suffix(&serde_flags(&serde_args(&item.attrs)))
    )
    .unwrap();
    let mut catch_all = 0;
    for (i, variant) in item.variants.iter().enumerate() {
        let args = serde_args(&variant.attrs);
        let flags = serde_flags(&args);
        let shape = match &variant.fields {
            syn::Fields::Unit => String::new(),
            syn::Fields::Unnamed(u) => format!(
                "({})",
                u.unnamed
                    .iter()
                    .map(|f| type_string(&f.ty))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            syn::Fields::Named(n) => format!(
                " {{ {} }}",
                n.named
                    .iter()
                    .map(|f| format!("{}: {}", f.ident.as_ref().unwrap(), type_string(&f.ty)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let untagged = flags.iter().any(|f| f == "untagged");
        if untagged {
            // The open-enum catch-all: must be the last variant and hold the raw string.
            let ok = i + 1 == item.variants.len()
                && shape == "(String)"
                && (variant.ident == "Unknown" || variant.ident == "UnknownValue");
            if ok {
                catch_all += 1;
            }
            writeln!(out, "  {}{shape}{}", variant.ident, flags_suffix(&flags)).unwrap();
        } else {
            let wire = serde_rename(&args).unwrap_or_else(|| variant.ident.to_string());
            writeln!(
                out,
                "  {}{shape} = {wire:?}{}",
                variant.ident,
                flags_suffix(&flags)
            )
            .unwrap();
        }
    }
    if catch_all != 1 {
        counts.closed_enums.push(name);
    }
    out
}

fn render(api: &str) -> Surface {
    let path = generated_types_path(api);
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("parsing {api}.rs: {e}"));
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{api}.rs has no `pub mod types`"));

    let mut counts = Surface {
        text: String::new(),
        structs: 0,
        fields: 0,
        enums: 0,
        variants: 0,
        newtypes: 0,
        aliases: 0,
        closed_enums: Vec::new(),
    };
    let impls = written(types);
    let mut blocks: BTreeMap<String, String> = BTreeMap::new();
    let mut newtypes: BTreeMap<String, String> = BTreeMap::new();
    let mut constraints: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for item in types {
        match item {
            syn::Item::Struct(s) => {
                let (is_newtype, block) =
                    render_struct(s, impls.get(&s.ident.to_string()), &mut counts);
                let previous = if is_newtype {
                    newtypes.insert(s.ident.to_string(), block)
                } else {
                    blocks.insert(s.ident.to_string(), block)
                };
                assert!(previous.is_none(), "duplicate type {}", s.ident);
            }
            syn::Item::Enum(e) => {
                let previous = blocks.insert(e.ident.to_string(), render_enum(e, &mut counts));
                assert!(previous.is_none(), "duplicate type {}", e.ident);
            }
            syn::Item::Type(t) => {
                counts.aliases += 1;
                blocks.insert(
                    t.ident.to_string(),
                    format!("type {} = {}\n", t.ident, type_string(&t.ty)),
                );
            }
            syn::Item::Impl(imp) => {
                let is_from_str = imp.trait_.as_ref().is_some_and(|(_, path, _)| {
                    path.segments.last().is_some_and(|s| s.ident == "FromStr")
                });
                if let (true, syn::Type::Path(self_ty)) = (is_from_str, &*imp.self_ty) {
                    let mut lits = ErrLiterals::default();
                    lits.visit_item_impl(imp);
                    if let Some(last) = self_ty.path.segments.last() {
                        constraints.insert(last.ident.to_string(), lits.0);
                    }
                }
            }
            _ => {}
        }
    }

    for (name, mut line) in newtypes {
        if let Some(c) = constraints.get(&name).filter(|c| !c.is_empty()) {
            let quoted: Vec<String> = c.iter().map(|s| format!("{s:?}")).collect();
            write!(line, " checks: {}", quoted.join(", ")).unwrap();
        }
        line.push('\n');
        blocks.insert(name, line);
    }

    let mut text = String::new();
    for block in blocks.values() {
        text.push_str(block);
    }
    counts.text = text;
    counts
}

#[test]
fn compact_strips_paths() {
    let ty: syn::Type = syn::parse_str(
        "::std::option::Option<::std::vec::Vec<::serde_json::Map<::std::string::String, ::serde_json::Value>>>",
    )
    .unwrap();
    assert_eq!(type_string(&ty), "Option<Vec<Map<String, Value>>>");
    let ty: syn::Type =
        syn::parse_str("::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>").unwrap();
    assert_eq!(type_string(&ty), "Option<DateTime<Utc>>");
}

/// `insta::assert_snapshot!` into `jumpcloud-api/tests/snapshots/generated_types__<name>.snap` (the
/// binary's module path, `generated::generated_types`, is not put in the file name, so the files keep
/// the names they had when this file was a test binary of its own), and on a mismatch a pointer to
/// the change report.
fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(format!("generated_types__{name}"), text));
    }));
    if let Err(panic) = result {
        eprintln!(
            "snapshot `{name}` changed. What changed for SDK users: `cargo xtask diff \
             HEAD:openapi/jumpcloud-<api>.json openapi/jumpcloud-<api>.json`. To accept: \
             `INSTA_UPDATE=always cargo test -p jumpcloud-api --test generated -- generated_types::`, then \
             review `git diff jumpcloud-api/tests/snapshots`."
        );
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn v2_types() {
    snapshot("v2_types", &surface("v2").text);
}

#[test]
fn v1_types() {
    snapshot("v1_types", &surface("v1").text);
}

#[test]
fn insights_types() {
    snapshot("insights_types", &surface("insights").text);
}

/// Every client method of one generated module: `name: METHOD path`, then the builder's setters
/// (`name: Type`, `Option<…>` when it may be left out) and `send`'s return type.
fn operation_surface(api: &str, table: &[jumpcloud_api::Operation]) -> String {
    let path = generated_path(api);
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("parsing {api}.rs: {e}"));

    // Client method → builder struct name.
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    // Builder struct → (fields, send's return type).
    let mut builders: BTreeMap<String, (Vec<String>, String)> = BTreeMap::new();
    for item in &file.items {
        match item {
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && type_string(&imp.self_ty) == "Client" =>
            {
                for f in &imp.items {
                    if let syn::ImplItem::Fn(f) = f
                        && let syn::ReturnType::Type(_, ty) = &f.sig.output
                        && let syn::Type::Path(p) = &**ty
                        && p.path
                            .segments
                            .first()
                            .is_some_and(|s| s.ident == "builder")
                        && let Some(last) = p.path.segments.last()
                    {
                        methods.insert(f.sig.ident.to_string(), last.ident.to_string());
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for item in m.content.iter().flat_map(|(_, items)| items) {
                    match item {
                        syn::Item::Struct(st) => {
                            let fields = st
                                .fields
                                .iter()
                                .filter_map(|f| {
                                    let name = f.ident.as_ref()?.to_string();
                                    if name == "client" {
                                        return None;
                                    }
                                    // `Result<T, String>`: the setter takes a `T`.
                                    let ty = type_string(&f.ty);
                                    let inner = ty
                                        .strip_prefix("Result<")
                                        .and_then(|t| t.strip_suffix(", String>"))
                                        .unwrap_or(&ty)
                                        .to_string();
                                    Some(format!("{name}: {inner}"))
                                })
                                .collect();
                            builders.entry(st.ident.to_string()).or_default().0 = fields;
                        }
                        // `send` is `jumpcloud_api::Request::send`, which returns
                        // `Result<ResponseValue<Self::Response>, Error<()>>`.
                        syn::Item::Impl(imp)
                            if imp.trait_.as_ref().is_some_and(|(_, t, _)| {
                                t.segments.last().is_some_and(|s| s.ident == "Request")
                            }) =>
                        {
                            let Some(name) = (match &*imp.self_ty {
                                syn::Type::Path(p) => {
                                    p.path.segments.last().map(|s| s.ident.to_string())
                                }
                                _ => None,
                            }) else {
                                continue;
                            };
                            for item in &imp.items {
                                if let syn::ImplItem::Type(t) = item
                                    && t.ident == "Response"
                                {
                                    let response = type_string(&t.ty).replace(", >", ">");
                                    builders.entry(name.clone()).or_default().1 =
                                        format!("Result<ResponseValue<{response}>, Error<()>>");
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let mut text = String::new();
    for (method, builder) in &methods {
        let route = table
            .iter()
            .find(|op| op.rust_method == method)
            .map(|op| format!("{} {}", op.http_method, op.path))
            .unwrap_or_else(|| "(not in OPERATIONS)".into());
        writeln!(text, "{method}: {route}").unwrap();
        let (fields, send) = builders
            .get(builder)
            .unwrap_or_else(|| panic!("{api}: no builder {builder} for {method}"));
        for field in fields {
            writeln!(text, "  .{field}").unwrap();
        }
        writeln!(text, "  send -> {send}").unwrap();
    }
    assert_eq!(
        methods.len(),
        table.len(),
        "{api}: client methods vs OPERATIONS"
    );
    text
}

#[test]
fn v2_operations() {
    snapshot(
        "v2_operations",
        &operation_surface("v2", jumpcloud_api::v2::OPERATIONS),
    );
}

#[test]
fn v1_operations() {
    snapshot(
        "v1_operations",
        &operation_surface("v1", jumpcloud_api::v1::OPERATIONS),
    );
}

#[test]
fn insights_operations() {
    snapshot(
        "insights_operations",
        &operation_surface("insights", jumpcloud_api::insights::OPERATIONS),
    );
}

#[test]
fn every_enum_is_open() {
    for api in ["v2", "v1", "insights"] {
        let s = surface(api);
        assert!(
            s.closed_enums.is_empty(),
            "{api}: enums without a trailing untagged Unknown(String) variant: {:?}",
            s.closed_enums
        );
    }
}

#[test]
fn type_counts() {
    let operations = [
        ("v2", jumpcloud_api::v2::OPERATIONS.len()),
        ("v1", jumpcloud_api::v1::OPERATIONS.len()),
        ("insights", jumpcloud_api::insights::OPERATIONS.len()),
    ];
    let mut text = String::new();
    for (api, ops) in operations {
        let s = surface(api);
        writeln!(
            text,
            "{api}: types={} structs={} fields={} enums={} variants={} newtypes={} aliases={} operations={ops}",
            s.types(),
            s.structs,
            s.fields,
            s.enums,
            s.variants,
            s.newtypes,
            s.aliases,
        )
        .unwrap();
    }
    snapshot("type_counts", &text);
}
