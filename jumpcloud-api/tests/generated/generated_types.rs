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

fn render_struct(item: &syn::ItemStruct, counts: &mut Surface) -> (bool, String) {
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
                let args = serde_args(&field.attrs);
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
    let mut blocks: BTreeMap<String, String> = BTreeMap::new();
    let mut newtypes: BTreeMap<String, String> = BTreeMap::new();
    let mut constraints: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for item in types {
        match item {
            syn::Item::Struct(s) => {
                let (is_newtype, block) = render_struct(s, &mut counts);
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
