//! The table of operation facts each generated module carries
//! (`OPERATIONS`), used by the hooks: method and path template for errors and
//! traces, and whether the route accepts `x-org-id`. The rows
//! (`facts::Row`) are derived here, with what each operation does.

use anyhow::{Result, bail};
use quote::{format_ident, quote};
use serde_json::Value;
use syn::Item;

use super::builders::OperationIds;
use super::facts::{Dialect, Effect, Fact, Row};
use crate::api::Api;
use crate::spec::{self, method_name};

/// Document-level extension listing path prefixes whose routes refuse the
/// `x-org-id` header (set by an overlay, with the reason there).
pub const ORG_HEADER_REFUSED: &str = "x-jumpcloud-org-header-refused";

/// The operations whose verb says less than what they do, each with why.
/// Everything else follows HTTP: `GET`/`HEAD`/`OPTIONS` read, `PUT` and
/// `DELETE` are idempotent, `POST` and `PATCH` change.
struct Rule {
    api: Api,
    /// Whether the rule covers `op`.
    covers: fn(&spec::Operation<'_>) -> bool,
    effect: Effect,
    #[allow(dead_code)] // read by people: the reason the rule exists
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        api: Api::V1,
        covers: |op| op.verb() == "POST" && op.path.starts_with("/search/"),
        effect: Effect::Read,
        why: "v1 searches send their filter as a POST body and change nothing",
    },
    Rule {
        api: Api::Insights,
        covers: |op| {
            op.verb() == "POST" && (op.path == "/events" || op.path.starts_with("/events/"))
        },
        effect: Effect::Read,
        why: "Directory Insights queries send their query as a POST body and change nothing",
    },
    Rule {
        api: Api::V2,
        covers: |op| op.verb() == "POST" && is_graph_operation(op),
        effect: Effect::Idempotent,
        why: "a graph link change (a GraphOperation body: add, remove or update one link) \
              leaves the same links when repeated: an add already made answers 409, a \
              removal already made 404, and plans count both as unchanged",
    },
];

/// Whether `op`'s JSON body is one of the document's `GraphOperation-*`
/// schemas.
fn is_graph_operation(op: &spec::Operation<'_>) -> bool {
    op.op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .is_some_and(|r| r.starts_with("#/components/schemas/GraphOperation-"))
}

/// What `op` of `api` does: a rule's effect where one covers it, the
/// verb's otherwise.
fn effect(api: Api, op: &spec::Operation<'_>) -> Effect {
    if let Some(rule) = RULES.iter().find(|r| r.api == api && (r.covers)(op)) {
        return rule.effect;
    }
    match op.verb().as_str() {
        "GET" | "HEAD" | "OPTIONS" => Effect::Read,
        "PUT" | "DELETE" => Effect::Idempotent,
        _ => Effect::Change,
    }
}

pub fn collect(api: Api, doc: &Value) -> Result<Vec<Row>> {
    let refused: Vec<&str> = doc[ORG_HEADER_REFUSED]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if doc["paths"].as_object().is_none() {
        bail!("the document has no paths");
    }
    let default_area = super::areas::default_area(doc)?;
    let mut rows = Vec::new();
    for op in spec::operations(doc) {
        let Some(id) = op.id() else {
            bail!("{} {} has no operationId", op.verb(), op.path);
        };
        rows.push(Row {
            id: id.to_string(),
            rust_method: method_name(id),
            http_method: op.verb(),
            path: op.path.to_string(),
            org_header: !refused.iter().any(|prefix| refuses(prefix, op.path)),
            effect: effect(api, &op),
            area: super::areas::area_of(api, op.path, default_area)?,
            source: source_variant(op.op),
        });
    }
    rows.sort_by(|a, b| a.rust_method.cmp(&b.rust_method));
    if let Some(pair) = rows
        .windows(2)
        .find(|w| w[0].rust_method == w[1].rust_method)
    {
        bail!(
            "operationIds {} and {} both become the method {}",
            pair[0].id,
            pair[1].id,
            pair[0].rust_method
        );
    }
    Ok(rows)
}

/// Fails unless the table's names are exactly the operation ids progenitor
/// put in the generated code.
pub fn check_names(rows: &[Row], file: &syn::File) -> Result<()> {
    use std::collections::BTreeSet;
    let mut found = Vec::new();
    syn::visit::Visit::visit_file(&mut OperationIds(&mut found), file);
    let found: BTreeSet<String> = found.into_iter().collect();
    let ours: BTreeSet<String> = rows.iter().map(|r| r.rust_method.clone()).collect();
    let missing: Vec<_> = ours.difference(&found).collect();
    let extra: Vec<_> = found.difference(&ours).collect();
    if !missing.is_empty() || !extra.is_empty() {
        bail!(
            "operation table and generated code disagree: not generated {missing:?}, not in table {extra:?}"
        );
    }
    Ok(())
}

/// The `jumpcloud_api::Source` variant of an operation, from the import's
/// `x-jumpcloud-source` (absent in hand-written documents: `Unlisted`).
pub fn source_variant(op: &Value) -> &'static str {
    match op["x-jumpcloud-source"].as_str() {
        Some("powershell-sdk") => "PowerShellSdk",
        Some("docs-site") => "DocsSite",
        Some("seed") => "Seed",
        _ => "Unlisted",
    }
}

/// `prefix` covers the path itself and everything below it, segment-wise.
fn refuses(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

/// The `OPERATIONS` table; `facts` holds the paging of listings, by method
/// name.
pub fn items(
    api: Api,
    rows: &[Row],
    facts: &std::collections::BTreeMap<String, Fact>,
    dialects: &std::collections::BTreeMap<String, Dialect>,
) -> Result<Vec<Item>> {
    let variant = format_ident!("{}", api.variant());
    let entries = rows.iter().map(|r| {
        let (id, name, method, path, org) = (&r.id, &r.rust_method, &r.http_method, &r.path, r.org_header);
        let effect = r.effect.variant();
        let area = r.area.variant();
        let source = format_ident!("{}", r.source);
        let paging = match facts.get(&r.rust_method) {
            Some(f) => {
                let paging = f.tokens();
                quote!(Some(#paging))
            }
            None => quote!(None),
        };
        let filter = match dialects.get(&r.rust_method) {
            Some(d) => {
                let d = format_ident!("{}", d.marker());
                quote!(Some(crate::filter::FilterDialect::#d))
            }
            None => quote!(None),
        };
        quote! {
            crate::Operation { api: crate::Api::#variant, id: #id, rust_method: #name, http_method: #method, path: #path, org_header: #org, effect: crate::Effect::#effect, area: crate::Area::#area, source: crate::Source::#source, paging: #paging, filter: #filter }
        }
    });
    let tokens = quote! {
        /// Facts about every operation of this API, sorted by method name.
        pub static OPERATIONS: &[crate::Operation] = &[#(#entries),*];
    };
    let file: syn::File = syn::parse2(tokens)?;
    Ok(file.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(refuses("/providers", "/providers/{id}/organizations"));
        assert!(refuses("/organizations", "/organizations"));
        assert!(!refuses("/users", "/systemusers"));
        assert!(!refuses("/users", "/usersettings"));
    }
}
