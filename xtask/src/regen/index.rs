//! The operation index: `docs/operations.md`, and the line of facts each
//! generated method's documentation carries.
//!
//! Both are written from the facts the rest of the regen derives — the
//! operation table, the paging facts, the filter dialects — and from the
//! generated builders themselves (request body and response types), never
//! from JumpCloud's prose. A user who knows `GET /systemusers` finds
//! `v1().user_list()` in the index, and the method's documentation says how
//! it pages without opening the document.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};
use quote::ToTokens;
use serde_json::Value;
use syn::Type;

use super::facts::{Dialect, Fact, Row, Total};
use crate::api::Api;
use crate::spec::method_name;
use crate::spec::resolve;
use crate::spec::{self, HTTP_METHODS};

/// The facts of one operation, as the index and the doc comments show them.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub api: Api,
    pub id: String,
    /// The client method (also the builder's operation name).
    pub name: String,
    pub method: String,
    pub path: String,
    pub org_header: bool,
    /// The request body type, relative to the API's `types` module.
    pub body: Option<String>,
    /// What `send()` decodes, relative to the API's `types` module.
    pub response: String,
    pub paging: Option<Paging>,
    pub filter: Option<&'static str>,
    /// Where the operation came from, as `jumpcloud_api::Source::name`.
    pub source: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Paging {
    /// `offset`, `body-offset`, `token`, `cursor` (as `PageKind::name`).
    pub kind: &'static str,
    pub max: u32,
    /// Where the total comes from, if anywhere.
    pub total: Option<&'static str>,
}

/// The name a dialect has in `jumpcloud_api::filter::FilterDialect::name`.
fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::V2 => "v2",
        Dialect::SystemInsights => "System Insights",
        Dialect::V1Query => "v1 query",
    }
}

/// The operations (by method name) whose request body is a v1 search body
/// (`filter` and `searchFilter` properties): filtered through the body.
fn search_bodies(api: Api, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if api != Api::V1 {
        return out;
    }
    for operation in spec::operations(doc) {
        {
            let Some(id) = operation.id() else {
                continue;
            };
            let body = resolve(doc, &operation.op["requestBody"]);
            let schema = resolve(doc, &body["content"]["application/json"]["schema"]);
            let props = &schema["properties"];
            if props.get("filter").is_some() && props.get("searchFilter").is_some() {
                out.push(method_name(id));
            }
        }
    }
    out
}

/// One entry per operation of `rows`, with the body and response types read
/// from the builders of `file`.
pub fn entries(
    api: Api,
    doc: &Value,
    rows: &[Row],
    facts: &BTreeMap<String, Fact>,
    dialects: &BTreeMap<String, Dialect>,
    file: &syn::File,
) -> Result<Vec<Entry>> {
    let types = builder_types(file)?;
    let searches = search_bodies(api, doc);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some((body, response)) = types.get(&row.rust_method) else {
            bail!(
                "{} ({}) has no builder with a `send`",
                row.id,
                row.rust_method
            );
        };
        let paging = facts.get(&row.rust_method).map(|f| Paging {
            kind: match f.kind.name() {
                "Offset" => "offset",
                "BodyOffset" => "body-offset",
                "Token" => "token",
                _ => "cursor",
            },
            max: f.max,
            total: match f.total {
                Total::Header => Some("x-total-count"),
                Total::Body(_) => Some("body"),
                Total::None => None,
            },
        });
        let filter = match dialects.get(&row.rust_method) {
            Some(d) => Some(dialect_name(*d)),
            None if searches.contains(&row.rust_method) => Some("v1 search"),
            None => None,
        };
        out.push(Entry {
            api,
            id: row.id.clone(),
            name: row.rust_method.clone(),
            method: row.http_method.clone(),
            path: row.path.clone(),
            org_header: row.org_header,
            body: body.clone(),
            response: response.clone(),
            paging,
            filter,
            source: source_name(row.source),
        });
    }
    Ok(out)
}

/// `PowerShellSdk` → `powershell-sdk`, as `jumpcloud_api::Source::name`.
fn source_name(variant: &str) -> &'static str {
    match variant {
        "PowerShellSdk" => "powershell-sdk",
        "DocsSite" => "docs-site",
        "Seed" => "seed",
        _ => "unlisted",
    }
}

/// Method name → (body type, response type), from the `builder` module.
fn builder_types(file: &syn::File) -> Result<BTreeMap<String, (Option<String>, String)>> {
    let builders = super::builders::builders(super::builders::module_items_ref(file)?)?;
    Ok(builders
        .into_iter()
        .map(|b| {
            let body = b
                .fields
                .get("body")
                .map(|ty| ok_type(ty).map_or_else(|| readable(ty), readable));
            (b.name, (body, readable(&b.response)))
        })
        .collect())
}

/// The first type argument of the last path segment (`T` of `Result<T, E>`).
fn first_arg(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// `T` of a builder field's `Result<T, String>`.
fn ok_type(ty: &Type) -> Option<&Type> {
    first_arg(ty)
}

/// A type as a reader would write it: `Vec<UserGroup>`, not
/// `::std::vec::Vec<types::UserGroup>`.
fn readable(ty: &Type) -> String {
    let text: String = ty
        .to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut text = text;
    for (from, to) in [
        ("::std::vec::Vec", "Vec"),
        ("::std::string::String", "String"),
        ("::std::option::Option", "Option"),
        ("::std::collections::HashMap", "HashMap"),
        ("::std::collections::BTreeMap", "BTreeMap"),
        ("::serde_json::", "serde_json::"),
        ("::reqwest::", "reqwest::"),
        ("::chrono::", "chrono::"),
        // A hand-written type standing in for a schema (`generate::RUST_TYPE`).
        ("crate::", "jumpcloud_api::"),
        ("types::builder::", ""),
        ("types::", ""),
    ] {
        text = text.replace(from, to);
    }
    text.replace(',', ", ")
}

impl Entry {
    /// The SDK call: `v1().user_list()`.
    pub fn sdk_call(&self) -> String {
        format!("{}().{}()", self.api.name(), self.name)
    }

    /// How it pages, in words: `offset, ≤ 100 per page, total in x-total-count`.
    pub fn paging_text(&self) -> Option<String> {
        self.paging.as_ref().map(|p| {
            let total = match p.total {
                Some(t) => format!(", total in `{t}`").replace("`body`", "the body"),
                None => String::new(),
            };
            format!("{}, ≤ {} per page{total}", p.kind, thousands(p.max))
        })
    }

    /// The line of facts added to the generated method's documentation,
    /// under progenitor's line naming the method and path.
    pub fn doc_line(&self) -> String {
        let mut line = format!("Operation `{}`: returns `{}`", self.id, self.response);
        if let Some(body) = &self.body {
            let _ = write!(line, ", body `{body}`");
        }
        if let Some(p) = self.paging_text() {
            let _ = write!(line, "; pages by {p}");
        }
        if let Some(f) = self.filter {
            let _ = write!(line, "; {f} filters");
        }
        line.push_str(if self.org_header {
            "; sends `x-org-id` when the client has one"
        } else {
            "; never sends `x-org-id`"
        });
        let _ = write!(line, "; from the {} spec.", self.source);
        line
    }
}

/// `12345` as `12,345`, as the README and BENCHMARKS write numbers.
pub(crate) fn thousands(n: impl ToString) -> String {
    let digits = n.to_string();
    let groups: Vec<String> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect();
    groups.join(",")
}

const START: &str = "<!-- operations:";
const END: &str = "<!-- /operations -->";

/// The section of `docs/operations.md` for one API.
pub fn section(api: Api, entries: &[Entry]) -> String {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    let order = |m: &str| HTTP_METHODS.iter().position(|x| x.eq_ignore_ascii_case(m));
    sorted.sort_by(|a, b| {
        (a.path.as_str(), order(&a.method)).cmp(&(b.path.as_str(), order(&b.method)))
    });
    let title = match api {
        Api::V2 => "API v2",
        Api::V1 => "API v1",
        Api::Insights => "Directory Insights",
    };
    let mut out = format!(
        "{START}{} -->\n## {title} ({} operations)\n\n\
         Types are in `jumpcloud_api::{}::types`.\n\n\
         | method and path | operation id | SDK call | request body | returns | pages | filter | `x-org-id` | source |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        api.name(),
        sorted.len(),
        api.name()
    );
    for e in sorted {
        let _ = writeln!(
            out,
            "| `{} {}` | `{}` | `{}` | {} | `{}` | {} | {} | {} | {} |",
            e.method,
            e.path,
            e.id,
            e.sdk_call(),
            e.body
                .as_ref()
                .map_or_else(|| "—".to_string(), |b| format!("`{b}`")),
            e.response,
            e.paging_text().unwrap_or_else(|| "—".into()),
            e.filter.unwrap_or("—"),
            if e.org_header { "yes" } else { "no" },
            e.source,
        );
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The operations an overlay removes from a document (an action with
/// `remove: true` whose target is one operation, `$.paths['<path>'].<method>`),
/// as a list for the end of the index: why each is left out (the action's
/// `description`) and what serves it instead (its `x-served-by`), so a reader
/// looking for one of JumpCloud's operations finds it here rather than
/// nowhere. Read from `openapi/overlays/<api>/*.json` of every API.
pub fn left_out(root: &std::path::Path) -> Result<String> {
    let mut items = Vec::new();
    for api in Api::ALL {
        let dir = api.overlays(root);
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<std::path::PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file)?;
            let overlay: Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let actions = overlay.get("actions").and_then(Value::as_array);
            for action in actions.into_iter().flatten() {
                if action.get("remove").and_then(Value::as_bool) != Some(true) {
                    continue;
                }
                let target = action.get("target").and_then(Value::as_str).unwrap_or("");
                let Some((path, method)) = target
                    .strip_prefix("$.paths['")
                    .and_then(|t| t.split_once("']."))
                    .filter(|(_, m)| HTTP_METHODS.contains(m))
                else {
                    continue;
                };
                let why = action
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let served = action
                    .get("x-served-by")
                    .and_then(Value::as_str)
                    .unwrap_or("nothing in this SDK yet");
                let title = match api {
                    Api::V2 => "API v2",
                    Api::V1 => "API v1",
                    Api::Insights => "Directory Insights",
                };
                items.push(format!(
                    "- {title} `{} {path}`: {why} Served by: {served}. (`openapi/overlays/{}/{}`)\n",
                    method.to_uppercase(),
                    api.name(),
                    file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
                ));
            }
        }
    }
    if items.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(
        "\n## Not generated\n\n\
         Operations JumpCloud publishes that an overlay removes before generation, and what \
         serves each instead:\n\n{}",
        items.concat()
    ))
}

/// The whole index from one section per API, in the order v2, v1, insights.
pub fn document(sections: &BTreeMap<&'static str, String>) -> String {
    let mut out = String::from(
        "# Operations\n\n\
         <!-- @generated by `cargo xtask regen` from openapi/; do not edit. -->\n\n\
         Every operation of the SDK, by REST path: the method on `JumpCloud` that calls it\n\
         (`jc.v1().user_list()`), what it sends and returns, how it pages through\n\
         `jumpcloud_ext::Listing` (kind, largest page, where the total comes from), the dialect\n\
         of its typed `filter` (see `jumpcloud_ext::filter`), and whether it carries the\n\
         organisation header of `JumpCloud::with_org`, and which published spec it was generated\n\
         from (`powershell-sdk`: JumpCloud's PowerShell SDK; `docs-site`: the documentation site;\n\
         `seed`: the project's seed overlays, for operations neither publishes). Each generated\n\
         method's documentation repeats its row.\n",
    );
    for api in [Api::V2, Api::V1, Api::Insights] {
        if let Some(s) = sections.get(api.name()) {
            out.push('\n');
            out.push_str(s);
        }
    }
    out
}

/// The sections of an existing index, by API name (to keep the APIs a run
/// did not regenerate).
pub fn sections_of(text: &str) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for api in [Api::V2, Api::V1, Api::Insights] {
        let open = format!("{START}{} -->", api.name());
        let Some(start) = text.find(&open) else {
            continue;
        };
        let Some(len) = text[start..].find(END) else {
            continue;
        };
        let end = start + len + END.len();
        out.insert(api.name(), format!("{}\n", &text[start..end]));
    }
    out
}

/// The index as an output of the regen.
pub fn output(
    path: std::path::PathBuf,
    sections: &BTreeMap<&'static str, String>,
    left_out: &str,
) -> crate::output::Output {
    let count: usize = sections
        .values()
        .map(|s| s.lines().filter(|l| l.starts_with("| `")).count())
        .sum();
    crate::output::Output {
        path,
        text: document(sections) + left_out,
        summary: format!("({count} operations)"),
    }
}

/// Where the index goes.
pub fn path(root: &std::path::Path) -> std::path::PathBuf {
    root.join("docs").join("operations.md")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, path: &str) -> Entry {
        Entry {
            api: Api::V2,
            id: format!("{name}_Op"),
            name: name.into(),
            method: "GET".into(),
            path: path.into(),
            org_header: true,
            body: None,
            response: "Vec<Thing>".into(),
            paging: Some(Paging {
                kind: "offset",
                max: 10_000,
                total: Some("x-total-count"),
            }),
            filter: Some("v2"),
            source: "docs-site",
        }
    }

    #[test]
    fn sections_round_trip_and_sort_by_path() {
        let s = section(Api::V2, &[entry("b", "/b"), entry("a", "/a")]);
        assert!(s.find("`GET /a`") < s.find("`GET /b`"), "{s}");
        assert!(
            s.contains("| `GET /a` | `a_Op` | `v2().a()` | — | `Vec<Thing>` | offset, ≤ 10,000 per page, total in `x-total-count` | v2 | yes | docs-site |"),
            "{s}"
        );
        let doc = document(&BTreeMap::from([("v2", s.clone())]));
        assert_eq!(sections_of(&doc).get("v2"), Some(&s));
    }

    #[test]
    fn doc_line_states_the_facts() {
        let mut e = entry("a", "/a");
        e.org_header = false;
        assert_eq!(
            e.doc_line(),
            "Operation `a_Op`: returns `Vec<Thing>`; pages by offset, ≤ 10,000 per page, \
             total in `x-total-count`; v2 filters; never sends `x-org-id`; from the docs-site spec."
        );
    }

    #[test]
    fn readable_types() {
        let ty: Type = syn::parse_quote!(::std::vec::Vec<types::builder::UserGroup>);
        assert_eq!(readable(&ty), "Vec<UserGroup>");
        let ty: Type = syn::parse_quote!(::std::collections::HashMap<::std::string::String, ::serde_json::Value>);
        assert_eq!(readable(&ty), "HashMap<String, serde_json::Value>");
        let ty: Type = syn::parse_quote!(::std::vec::Vec<crate::event::Event>);
        assert_eq!(readable(&ty), "Vec<jumpcloud_api::event::Event>");
    }
}
