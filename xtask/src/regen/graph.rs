//! The graph of the v2 document: kinds of objects, which relations exist
//! from which kind to which, and a dispatch to the generated builder that
//! serves each. Appended to the v2 module as `pub mod graph` (the
//! hand-written half is `jumpcloud-api/src/graph.rs`).
//!
//! The table (`RELATIONS`) is keyed by (source kind, relation). Each row
//! lists its targets, one listing (and write) per target kind, and, where
//! one listing answers every target kind at once, that listing (`all`): a
//! group's members, membership and member-of, and the `directories`
//! traversal.
//!
//! What is read from the document:
//! - kinds: the `GraphType` enum, every `targets` enum of an associations
//!   listing, every `type` enum of an associations or members body, and the
//!   source kind of every graph path (which is how `software_app`, named in
//!   no enum, is found);
//! - a graph path is `/{collection}/{id}/{tail}` with a `GET`; its source
//!   kind is the known kind whose name (underscores dropped) is the id
//!   parameter's stem (`activedirectory_id`) or the collection's singular
//!   (`usergroups`), else a new kind named by the parameter's stem;
//! - associations: `tail` = `associations`, one link per `targets` value,
//!   writable where the `POST`'s body `type` enum holds the target;
//! - members: `tail` = `members`, answering `GraphConnection`s, one link
//!   per `type` of the `POST` body;
//! - membership: `tail` = `membership`, to the kinds the group's members are;
//! - member-of: `tail` = `memberof`, to the group kinds that have the source
//!   kind as members;
//! - traversal: any other `tail` answering objects with `paths`, to the kind
//!   the tail names; a tail naming no kind but a collection of several
//!   (`directories`: `GET /directories` answers objects whose `type` enum
//!   names them) is one listing of all of those kinds.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::Item;

use crate::api::Api;
use crate::spec::method_name;
use crate::spec::resolve;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relation {
    Associations,
    Traversal,
    Members,
    Membership,
    MemberOf,
}

impl Relation {
    fn variant(self) -> &'static str {
        match self {
            Relation::Associations => "Associations",
            Relation::Traversal => "Traversal",
            Relation::Members => "Members",
            Relation::Membership => "Membership",
            Relation::MemberOf => "MemberOf",
        }
    }
}

/// A `GET` or `POST` of a graph path.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub id: String,
    /// The path parameter that takes the source id, as the builder names it.
    pub param: String,
    /// Body type (writes), as progenitor names it.
    pub body: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub source: String,
    pub target: String,
    pub relation: Relation,
    pub read: Op,
    pub write: Option<Op>,
    /// Whether `read` takes the target as a `targets` query value.
    pub targets_param: bool,
}

/// One listing that answers every kind of `kinds` from `source` at once.
#[derive(Clone, Debug, PartialEq)]
pub struct All {
    pub source: String,
    pub relation: Relation,
    pub kinds: Vec<String>,
    pub read: Op,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub kinds: BTreeSet<String>,
    pub links: Vec<Link>,
    /// Sorted by (source, relation), at most one per pair.
    pub all: Vec<All>,
}

/// The kinds a collection's items name in their `type` enum (`GET
/// /directories` → the directory kinds), among `kinds`.
fn collection_kinds(doc: &Value, kinds: &BTreeSet<String>, collection: &str) -> Vec<String> {
    let get = &doc["paths"][format!("/{collection}")]["get"];
    let schema = resolve(
        doc,
        &get["responses"]["200"]["content"]["application/json"]["schema"],
    );
    if schema["type"] != "array" {
        return Vec::new();
    }
    let item = resolve(doc, &schema["items"]);
    string_enum(doc, &item["properties"]["type"])
        .into_iter()
        .filter(|k| kinds.contains(k))
        .collect()
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn singular(s: &str) -> String {
    if let Some(stem) = s.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        s.strip_suffix('s').unwrap_or(s).to_string()
    }
}

fn known<'k>(kinds: &'k BTreeSet<String>, name: &str) -> Option<&'k String> {
    let n = norm(name);
    kinds.iter().find(|k| norm(k) == n)
}

fn string_enum(doc: &Value, schema: &Value) -> Vec<String> {
    resolve(doc, schema)["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The `type` enum of a body schema (through `allOf`).
fn body_types(doc: &Value, schema: &Value) -> Vec<String> {
    let schema = resolve(doc, schema);
    let mut out = string_enum(doc, &schema["properties"]["type"]);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(body_types(doc, part));
    }
    out
}

fn parameters<'a>(doc: &'a Value, item: &'a Value, op: &'a Value) -> Vec<&'a Value> {
    item["parameters"]
        .as_array()
        .into_iter()
        .chain(op["parameters"].as_array())
        .flatten()
        .map(|p| resolve(doc, p))
        .collect()
}

/// `"#/components/schemas/X"` → `X`.
fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"].as_str()?.rsplit('/').next()
}

enum Answer {
    Connections,
    Paths,
    Other,
}

fn answer(doc: &Value, op: &Value) -> Answer {
    let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
    let schema = resolve(doc, schema);
    if schema["type"] != "array" {
        return Answer::Other;
    }
    if ref_name(&schema["items"]) == Some("GraphConnection") {
        return Answer::Connections;
    }
    let item = resolve(doc, &schema["items"]);
    if item["properties"]["paths"]["type"] == "array" {
        Answer::Paths
    } else {
        Answer::Other
    }
}

struct Route<'a> {
    collection: &'a str,
    param: &'a str,
    tail: &'a str,
    item: &'a Value,
}

/// Reads kinds and links from the document.
pub fn derive(doc: &Value) -> Result<Graph> {
    let mut kinds: BTreeSet<String> = string_enum(doc, &doc["components"]["schemas"]["GraphType"])
        .into_iter()
        .collect();
    let paths = doc["paths"].as_object().context("no paths")?;
    let mut routes = Vec::new();
    for (path, item) in paths {
        let segments: Vec<&str> = path.split('/').collect();
        let ["", collection, param, tail] = segments.as_slice() else {
            continue;
        };
        let Some(param) = param.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
            continue;
        };
        if tail.starts_with('{') || item.get("get").is_none() {
            continue;
        }
        routes.push(Route {
            collection,
            param,
            tail,
            item,
        });
    }
    // Every kind an enum names.
    for r in &routes {
        if r.tail == "associations" || r.tail == "members" {
            for p in parameters(doc, r.item, &r.item["get"]) {
                if p["name"] == "targets" {
                    kinds.extend(string_enum(doc, &p["schema"]));
                }
            }
            let post = &r.item["post"];
            if !post.is_null() {
                kinds.extend(body_types(
                    doc,
                    &post["requestBody"]["content"]["application/json"]["schema"],
                ));
            }
        }
    }
    // Source kinds; a graph route whose source names no known kind brings
    // its own (the id parameter's stem).
    let mut sources = Vec::new();
    for r in &routes {
        let graph_route = matches!(r.tail, "associations" | "members")
            || !matches!(answer(doc, &r.item["get"]), Answer::Other);
        if !graph_route {
            sources.push(None);
            continue;
        }
        let stem = r.param.strip_suffix("_id").filter(|s| *s != "group");
        let found = stem
            .and_then(|s| known(&kinds, s))
            .or_else(|| known(&kinds, &singular(r.collection)))
            .cloned();
        let kind = match (found, stem) {
            (Some(k), _) => k,
            (None, Some(stem)) => {
                let k = stem.to_snake_case();
                kinds.insert(k.clone());
                k
            }
            (None, None) => bail!(
                "no kind for the graph route /{}/{{{}}}",
                r.collection,
                r.param
            ),
        };
        sources.push(Some(kind));
    }

    let op = |item: &Value, method: &str, param: &str| -> Result<Op> {
        let o = &item[method];
        let id = o["operationId"]
            .as_str()
            .with_context(|| format!("{method} without an operationId"))?;
        let body = ref_name(&o["requestBody"]["content"]["application/json"]["schema"])
            .map(|n| n.to_upper_camel_case());
        Ok(Op {
            id: id.to_string(),
            param: param.to_snake_case(),
            body,
        })
    };
    let mut links = Vec::new();
    let mut all = Vec::new();
    // Members first: membership and member-of are derived from them.
    for (r, source) in routes.iter().zip(&sources) {
        let Some(source) = source else { continue };
        let get = &r.item["get"];
        match (r.tail, answer(doc, get)) {
            ("associations", Answer::Connections) => {
                let targets: Vec<String> = parameters(doc, r.item, get)
                    .into_iter()
                    .filter(|p| p["name"] == "targets")
                    .flat_map(|p| string_enum(doc, &p["schema"]))
                    .collect();
                let post = &r.item["post"];
                let writable = body_types(
                    doc,
                    &post["requestBody"]["content"]["application/json"]["schema"],
                );
                for target in targets {
                    links.push(Link {
                        source: source.clone(),
                        relation: Relation::Associations,
                        read: op(r.item, "get", r.param)?,
                        write: if writable.contains(&target) {
                            Some(op(r.item, "post", r.param)?)
                        } else {
                            None
                        },
                        target,
                        targets_param: true,
                    });
                }
            }
            ("members", Answer::Connections) => {
                let post = &r.item["post"];
                let types = body_types(
                    doc,
                    &post["requestBody"]["content"]["application/json"]["schema"],
                );
                if types.is_empty() {
                    bail!("/{}/{{id}}/members names no member type", r.collection);
                }
                all.push(All {
                    source: source.clone(),
                    relation: Relation::Members,
                    kinds: types.clone(),
                    read: op(r.item, "get", r.param)?,
                });
                for target in types {
                    links.push(Link {
                        source: source.clone(),
                        target,
                        relation: Relation::Members,
                        read: op(r.item, "get", r.param)?,
                        write: Some(op(r.item, "post", r.param)?),
                        targets_param: false,
                    });
                }
            }
            _ => {}
        }
    }
    let members: Vec<(String, String)> = links
        .iter()
        .filter(|l| l.relation == Relation::Members)
        .map(|l| (l.source.clone(), l.target.clone()))
        .collect();
    for (r, source) in routes.iter().zip(&sources) {
        let Some(source) = source else { continue };
        if !matches!(answer(doc, &r.item["get"]), Answer::Paths) {
            continue;
        }
        let (relation, targets): (Relation, Vec<String>) = match r.tail {
            "membership" => (
                Relation::Membership,
                members
                    .iter()
                    .filter(|(g, _)| g == source)
                    .map(|(_, m)| m.clone())
                    .collect(),
            ),
            "memberof" => (
                Relation::MemberOf,
                members
                    .iter()
                    .filter(|(_, m)| m == source)
                    .map(|(g, _)| g.clone())
                    .collect(),
            ),
            tail => match known(&kinds, &singular(tail)) {
                Some(kind) => (Relation::Traversal, vec![kind.clone()]),
                None => {
                    let several = collection_kinds(doc, &kinds, tail);
                    if !several.is_empty() {
                        all.push(All {
                            source: source.clone(),
                            relation: Relation::Traversal,
                            kinds: several,
                            read: op(r.item, "get", r.param)?,
                        });
                    }
                    continue;
                }
            },
        };
        if matches!(relation, Relation::Membership | Relation::MemberOf) && !targets.is_empty() {
            all.push(All {
                source: source.clone(),
                relation,
                kinds: targets.clone(),
                read: op(r.item, "get", r.param)?,
            });
        }
        for target in targets {
            links.push(Link {
                source: source.clone(),
                target,
                relation,
                read: op(r.item, "get", r.param)?,
                write: None,
                targets_param: false,
            });
        }
    }
    links.sort_by(|a, b| {
        (&a.source, &a.relation, &a.target).cmp(&(&b.source, &b.relation, &b.target))
    });
    if let Some(w) = links.windows(2).find(|w| {
        (&w[0].source, w[0].relation, &w[0].target) == (&w[1].source, w[1].relation, &w[1].target)
    }) {
        bail!(
            "two operations serve {:?} from {} to {}: {} and {}",
            w[0].relation,
            w[0].source,
            w[0].target,
            w[0].read.id,
            w[1].read.id
        );
    }
    all.sort_by(|a, b| (&a.source, a.relation).cmp(&(&b.source, b.relation)));
    if let Some(w) = all
        .windows(2)
        .find(|w| (&w[0].source, w[0].relation) == (&w[1].source, w[1].relation))
    {
        bail!(
            "two listings answer every {:?} of {}: {} and {}",
            w[0].relation,
            w[0].source,
            w[0].read.id,
            w[1].read.id
        );
    }
    Ok(Graph { kinds, links, all })
}

/// Builder struct name → field names, and the names of the `types` module.
fn scan(file: &syn::File) -> (BTreeMap<String, BTreeSet<String>>, BTreeSet<String>) {
    let mut builders = BTreeMap::new();
    let mut types = BTreeSet::new();
    for item in &file.items {
        let Item::Mod(m) = item else { continue };
        let Some((_, items)) = &m.content else {
            continue;
        };
        for item in items {
            match item {
                Item::Struct(s) if m.ident == "builder" => {
                    let fields = s
                        .fields
                        .iter()
                        .filter_map(|f| f.ident.as_ref().map(ToString::to_string))
                        .collect();
                    builders.insert(s.ident.to_string(), fields);
                }
                Item::Struct(s) if m.ident == "types" => {
                    types.insert(s.ident.to_string());
                }
                _ => {}
            }
        }
    }
    (builders, types)
}

fn variant(kind: &str) -> syn::Ident {
    format_ident!("{}", kind.to_upper_camel_case())
}

fn relation_tokens(r: Relation) -> TokenStream {
    let v = format_ident!("{}", r.variant());
    quote!(crate::graph::Relation::#v)
}

fn op_ref(o: &Op) -> TokenStream {
    let (id, name) = (&o.id, method_name(&o.id));
    quote!(crate::graph::OperationRef { id: #id, rust_method: #name })
}

/// The `graph` module for the v2 client (nothing for the other APIs).
pub fn items(api: Api, doc: &Value, file: &syn::File) -> Result<Vec<Item>> {
    if api != Api::V2 {
        return Ok(Vec::new());
    }
    let graph = derive(doc)?;
    let (builders, types) = scan(file);
    // Every builder call the dispatch makes must exist as generated.
    let check = |o: &Op, extra: &[&str]| -> Result<()> {
        let builder = method_name(&o.id).to_upper_camel_case();
        let fields = builders
            .get(&builder)
            .with_context(|| format!("no builder {builder} for {}", o.id))?;
        for f in std::iter::once(o.param.as_str()).chain(extra.iter().copied()) {
            if !fields.contains(f) {
                bail!("builder {builder} ({}) has no `{f}`", o.id);
            }
        }
        if let Some(body) = &o.body
            && !types.contains(body)
        {
            bail!("{}: no body type {body}", o.id);
        }
        Ok(())
    };
    for a in &graph.all {
        check(&a.read, &[])?;
    }
    for l in &graph.links {
        check(&l.read, if l.targets_param { &["targets"] } else { &[] })?;
        if let Some(w) = &l.write {
            check(w, &["body"])?;
            if w.body.is_none() {
                bail!("{} writes without a typed body", w.id);
            }
        }
    }

    let kinds: Vec<&String> = graph.kinds.iter().collect();
    let variants: Vec<syn::Ident> = kinds.iter().map(|k| variant(k)).collect();
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let ctors: Vec<syn::Ident> = kinds.iter().map(|k| format_ident!("{}", k)).collect();
    let kind_docs: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
    let ctor_docs: Vec<String> = kinds
        .iter()
        .map(|k| format!("A `{k}` node by id."))
        .collect();

    // The table, keyed by (source, relation): its per-target links and the
    // listing of all targets, if any.
    type Row<'g> = (Vec<&'g Link>, Option<&'g All>);
    let mut keyed: BTreeMap<(&str, Relation), Row<'_>> = BTreeMap::new();
    for l in &graph.links {
        keyed
            .entry((l.source.as_str(), l.relation))
            .or_default()
            .0
            .push(l);
    }
    for a in &graph.all {
        keyed.entry((a.source.as_str(), a.relation)).or_default().1 = Some(a);
    }
    let rows = keyed.iter().map(|((source, relation), (links, all))| {
        let s = variant(source);
        let rel = relation_tokens(*relation);
        let targets = links.iter().map(|l| {
            let t = variant(&l.target);
            let read = op_ref(&l.read);
            let write = match &l.write {
                Some(w) => {
                    let w = op_ref(w);
                    quote!(Some(#w))
                }
                None => quote!(None),
            };
            quote! {
                crate::graph::Link { source: Kind::#s, target: Kind::#t, relation: #rel, read: #read, write: #write }
            }
        });
        let all = match all {
            Some(a) => {
                let kinds = a.kinds.iter().map(|k| variant(k));
                let read = op_ref(&a.read);
                quote!(Some(crate::graph::AllTargets { kinds: &[#(Kind::#kinds),*], read: #read }))
            }
            None => quote!(None),
        };
        quote! {
            crate::graph::Relationship { source: Kind::#s, relation: #rel, targets: &[#(#targets),*], all: #all }
        }
    });

    let mut conn_arms = Vec::new();
    let mut path_arms = Vec::new();
    let mut write_arms = BTreeMap::new();
    for l in &graph.links {
        let (s, t) = (variant(&l.source), variant(&l.target));
        let rel = relation_tokens(l.relation);
        let method = format_ident!("{}", method_name(&l.read.id));
        let param = format_ident!("{}", l.read.param);
        let targets = if l.targets_param {
            let value = &l.target;
            quote!(.targets(#value))
        } else {
            quote!()
        };
        let call = quote!(client.#method().#param(id) #targets);
        match l.relation {
            Relation::Associations | Relation::Members => conn_arms.push(quote! {
                (#rel, Kind::#s, Kind::#t) => Ok(visitor.connections(#call)),
            }),
            _ => path_arms.push(quote! {
                (#rel, Kind::#s, Kind::#t) => Ok(visitor.paths(#call)),
            }),
        }
        if let Some(w) = &l.write {
            let key = (l.relation, l.source.clone());
            let wmethod = format_ident!("{}", method_name(&w.id));
            let wparam = format_ident!("{}", w.param);
            // Checked above: every write has a body type.
            let body = format_ident!("{}", w.body.clone().unwrap_or_default());
            let id = &w.id;
            write_arms.entry(key).or_insert_with(|| {
                quote! {
                    (#rel, Kind::#s) => {
                        let body: super::types::#body = crate::graph::body(#id, change)?;
                        Ok(visitor.send(client.#wmethod().#wparam(id).body(body)))
                    }
                }
            });
        }
    }
    let write_arms = write_arms.into_values();
    let mut all_conn_arms = Vec::new();
    let mut all_path_arms = Vec::new();
    for a in &graph.all {
        let s = variant(&a.source);
        let rel = relation_tokens(a.relation);
        let method = format_ident!("{}", method_name(&a.read.id));
        let param = format_ident!("{}", a.read.param);
        let call = quote!(client.#method().#param(id));
        match a.relation {
            Relation::Associations | Relation::Members => all_conn_arms.push(quote! {
                (#rel, Kind::#s) => Ok(visitor.connections(#call)),
            }),
            _ => all_path_arms.push(quote! {
                (#rel, Kind::#s) => Ok(visitor.paths(#call)),
            }),
        }
    }

    let tokens = quote! {
        /// The graph of objects as this document defines it: kinds, the
        /// relations between them and the dispatch to the builders that serve
        /// them. Generated by `cargo xtask regen`; see `jumpcloud_api::graph`.
        pub mod graph {
            use crate::graph::{Change, ConnectionVisitor, GraphError, NodeRef, PathsVisitor, Relation, WriteVisitor};

            /// A kind of object in the JumpCloud graph: every kind the document
            /// names, and [`Kind::Unknown`] for one it does not.
            #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum Kind {
                #(#[doc = #kind_docs] #variants,)*
                /// A kind this version of the client does not know, as sent.
                Unknown(::std::string::String),
            }

            impl Kind {
                /// Every kind the document names.
                pub const ALL: &'static [Kind] = &[#(Kind::#variants),*];

                /// The name the API uses (`user`, `system_group`, …).
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Kind::#variants => #names,)*
                        Kind::Unknown(name) => name,
                    }
                }

                /// The kind for an API name; an unlisted name is kept as
                /// [`Kind::Unknown`].
                pub fn from_name(name: &str) -> Kind {
                    match name {
                        #(#names => Kind::#variants,)*
                        other => Kind::Unknown(other.to_string()),
                    }
                }
            }

            impl ::std::fmt::Display for Kind {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::std::str::FromStr for Kind {
                type Err = ::std::convert::Infallible;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Ok(Kind::from_name(s))
                }
            }

            impl ::serde::Serialize for Kind {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for Kind {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    let name = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                    Ok(Kind::from_name(&name))
                }
            }

            impl NodeRef {
                #(
                    #[doc = #ctor_docs]
                    pub fn #ctors(id: impl Into<::std::string::String>) -> NodeRef {
                        NodeRef::new(Kind::#variants, id)
                    }
                )*
            }

            /// Every relation the document defines, by source and relation,
            /// with the kinds it reaches.
            pub static RELATIONS: &[crate::graph::Relationship] = &[#(#rows),*];

            /// Hands the listing that answers every target kind of
            /// `relation` from `source` at once (a group's members) to
            /// `visitor`; refuses a source that has no such listing.
            pub fn list_all_connections<'a, V: ConnectionVisitor<'a>>(
                client: &'a super::Client,
                relation: Relation,
                source: &NodeRef,
                visitor: V,
            ) -> Result<V::Output, GraphError> {
                crate::graph::check_all(relation, &source.kind)?;
                let id = source.id.clone();
                match (relation, &source.kind) {
                    #(#all_conn_arms)*
                    _ => Err(GraphError::NoListingOfAll { relation, source: source.kind.clone() }),
                }
            }

            /// Hands the listing with paths that answers every target kind
            /// of `relation` from `source` at once (membership, member-of,
            /// the directories a user reaches) to `visitor`; refuses a source
            /// that has no such listing.
            pub fn list_all_paths<'a, V: PathsVisitor<'a>>(
                client: &'a super::Client,
                relation: Relation,
                source: &NodeRef,
                visitor: V,
            ) -> Result<V::Output, GraphError> {
                crate::graph::check_all(relation, &source.kind)?;
                let id = source.id.clone();
                match (relation, &source.kind) {
                    #(#all_path_arms)*
                    _ => Err(GraphError::NoListingOfAll { relation, source: source.kind.clone() }),
                }
            }

            /// Hands the associations or members listing from `source` to
            /// nodes of kind `target` to `visitor`; refuses a pair the
            /// document does not define.
            pub fn list_connections<'a, V: ConnectionVisitor<'a>>(
                client: &'a super::Client,
                relation: Relation,
                source: &NodeRef,
                target: &Kind,
                visitor: V,
            ) -> Result<V::Output, GraphError> {
                crate::graph::check(relation, &source.kind, target, false)?;
                let id = source.id.clone();
                match (relation, &source.kind, target) {
                    #(#conn_arms)*
                    _ => Err(GraphError::NoSuchRelation { relation, source: source.kind.clone(), target: target.clone(), write: false }),
                }
            }

            /// Hands the traversal, membership or member-of listing from
            /// `source` to nodes of kind `target` to `visitor`; refuses a
            /// pair the document does not define.
            pub fn list_paths<'a, V: PathsVisitor<'a>>(
                client: &'a super::Client,
                relation: Relation,
                source: &NodeRef,
                target: &Kind,
                visitor: V,
            ) -> Result<V::Output, GraphError> {
                crate::graph::check(relation, &source.kind, target, false)?;
                let id = source.id.clone();
                match (relation, &source.kind, target) {
                    #(#path_arms)*
                    _ => Err(GraphError::NoSuchRelation { relation, source: source.kind.clone(), target: target.clone(), write: false }),
                }
            }

            /// Hands the write of `change` (an association or membership of
            /// `source`) to `visitor`, its body typed for the operation;
            /// refuses a pair the document does not define or a change the
            /// body cannot carry.
            pub fn write<'a, V: WriteVisitor<'a>>(
                client: &'a super::Client,
                relation: Relation,
                source: &NodeRef,
                change: &Change,
                visitor: V,
            ) -> Result<V::Output, GraphError> {
                crate::graph::check(relation, &source.kind, &change.target.kind, true)?;
                let id = source.id.clone();
                match (relation, &source.kind) {
                    #(#write_arms)*
                    _ => Err(GraphError::NoSuchRelation { relation, source: source.kind.clone(), target: change.target.kind.clone(), write: true }),
                }
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).context("the graph module does not parse")?;
    Ok(file.items)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn document() -> Value {
        let path = crate::api::workspace_root().join("openapi/jumpcloud-v2.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn kinds_and_links_of_the_v2_document() {
        let g = derive(&document()).unwrap();
        assert!(g.kinds.contains("software_app"));
        assert_eq!(g.kinds.len(), 16, "{:?}", g.kinds);
        let count = |r: Relation| g.links.iter().filter(|l| l.relation == r).count();
        let assoc_ops: BTreeSet<&str> = g
            .links
            .iter()
            .filter(|l| l.relation == Relation::Associations)
            .map(|l| l.read.id.as_str())
            .collect();
        assert_eq!(assoc_ops.len(), 14);
        assert_eq!(count(Relation::Associations), 51);
        assert_eq!(count(Relation::Members), 3);
        assert_eq!(count(Relation::Membership), 3);
        assert_eq!(count(Relation::MemberOf), 3);
        // 48 traversal listings, less the two that list `directories`,
        // which are listings of all the directory kinds at once.
        assert_eq!(count(Relation::Traversal), 46);
        let all: Vec<(&str, Relation, usize)> = g
            .all
            .iter()
            .map(|a| (a.source.as_str(), a.relation, a.kinds.len()))
            .collect();
        assert_eq!(all.len(), 3 * 3 + 2, "{all:?}");
        assert!(all.contains(&("user", Relation::Traversal, 4)), "{all:?}");
        assert!(
            all.contains(&("user_group", Relation::Traversal, 4)),
            "{all:?}"
        );
        let user_systems = g
            .links
            .iter()
            .find(|l| {
                l.source == "user" && l.target == "system" && l.relation == Relation::Traversal
            })
            .unwrap();
        assert_eq!(user_systems.read.id, "UserTraverseSystem_Get");
        assert_eq!(user_systems.read.param, "user_id");
    }
}
