//! API areas: each operation belongs to one, and each area is a cargo
//! feature of `jumpcloud-api`, so a user compiles only the areas they call.
//!
//! The area of an operation is decided by its API and the first segment of
//! its path ([`RULES`]); a path no rule covers fails the regen, so a new
//! document cannot slip operations into the wrong feature. The [`apply`]
//! pass then puts `#[cfg(feature = "…")]` on everything that belongs to an
//! operation (its builder, its `Client` method, its `call_json` and graph
//! arms) and on every type only some areas reach, and the `OPERATIONS`
//! table records each operation's area, so a call by name or a graph
//! question for an area not compiled in is refused with the feature to
//! enable.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit::Visit;
use syn::{Attribute, ImplItem, Item, parse_quote};

use super::facts::Row;
use crate::api::Api;

/// An area: a cargo feature of `jumpcloud-api` and `jumpcloud-ext`.
/// `jumpcloud_api::Area` is generated from this list ([`output`]): a new
/// area is a variant here, its [`Area::feature`] and [`Area::doc`], a
/// [`RULES`] entry, and the feature in both crates' `Cargo.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Directory,
    SystemInsights,
    Mdm,
    DirectorySync,
    Providers,
    DirectoryInsights,
}

impl Area {
    /// Every area, in feature order.
    pub const ALL: [Area; 6] = [
        Area::Directory,
        Area::SystemInsights,
        Area::Mdm,
        Area::DirectorySync,
        Area::Providers,
        Area::DirectoryInsights,
    ];

    /// The cargo feature.
    pub fn feature(self) -> &'static str {
        match self {
            Area::Directory => "directory",
            Area::SystemInsights => "system-insights",
            Area::Mdm => "mdm",
            Area::DirectorySync => "directory-sync",
            Area::Providers => "providers",
            Area::DirectoryInsights => "directory-insights",
        }
    }

    /// What the area holds: the generated variant's documentation, which
    /// then names the feature.
    fn doc(self) -> &'static str {
        match self {
            Area::Directory => {
                "Users, groups, systems, policies, applications, commands, RADIUS, \
                 bulk jobs, the association graph among them, and all of API v1"
            }
            Area::SystemInsights => {
                "System Insights tables of each device (`/systeminsights/*`) and \
                 Cloud Insights events and views (`/cloudinsights/*`)"
            }
            Area::Mdm => "Apple MDM, Google EMM, devices and software apps",
            Area::DirectorySync => {
                "Directories JumpCloud syncs with or serves: Active Directory, \
                 Google Workspace, Microsoft 365, LDAP, Workday and Duo"
            }
            Area::Providers => "MSP providers and third-party integrations",
            Area::DirectoryInsights => "Directory Insights events and reports",
        }
    }

    /// The `jumpcloud_api::Area` variant.
    pub fn variant(self) -> proc_macro2::Ident {
        format_ident!("{}", format!("{self:?}"))
    }
}

/// Where [`output`] writes `jumpcloud_api::Area`.
pub fn path(root: &Path) -> PathBuf {
    root.join("jumpcloud-api/src/generated/areas.rs")
}

/// `jumpcloud_api::Area` (`jumpcloud-api/src/generated/areas.rs`), from
/// [`Area::ALL`]. Fails when `jumpcloud-api`'s or `jumpcloud-api-types`'s `full` feature does not list
/// exactly these areas' features, so a new area cannot reach the enum
/// without a feature to compile it.
pub fn output(root: &Path) -> Result<crate::output::Output> {
    let ours: BTreeSet<&str> = Area::ALL.iter().map(|a| a.feature()).collect();
    // The types crate gates its types by the same features.
    for crate_dir in ["jumpcloud-api", "jumpcloud-api/types"] {
        let manifest = root.join(crate_dir).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let full = full_feature(&text)
            .with_context(|| format!("{crate_dir}/Cargo.toml has no `full` feature"))?;
        let listed: BTreeSet<&str> = full.iter().map(String::as_str).collect();
        if ours != listed {
            bail!(
                "{crate_dir}'s `full` feature lists {listed:?} but the areas of \
                 xtask/src/regen/areas.rs are {ours:?}: give each area a feature"
            );
        }
    }
    let text = module()?;
    Ok(crate::output::Output {
        path: path(root),
        summary: format!("({} areas)", Area::ALL.len()),
        text,
    })
}

/// The features a `full = [...]` line of a manifest lists.
fn full_feature(manifest: &str) -> Option<Vec<String>> {
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("full = ["))?;
    Some(
        line.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect(),
    )
}

/// The source of `jumpcloud_api::Area`, formatted.
fn module() -> Result<String> {
    let mut code = String::from(
        "// @generated by `cargo xtask regen` from the areas of xtask/src/regen/areas.rs.\n\
         // Do not edit: change the xtask instead.\n\n\
         /// A part of JumpCloud's APIs that compiles as one cargo feature of this\n\
         /// crate (and of `jumpcloud-ext`), so an application compiles only what it\n\
         /// calls. Every operation belongs to exactly one area, decided at\n\
         /// generation time from its path.\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         #[non_exhaustive]\n\
         pub enum Area {\n",
    );
    for a in Area::ALL {
        let doc = format!("{}: feature `{}`.", a.doc(), a.feature());
        for line in wrap(&doc, 72) {
            code += &format!("    /// {line}\n");
        }
        code += &format!("    {a:?},\n");
    }
    let features: Vec<String> = Area::ALL
        .iter()
        .map(|a| format!("`{}`", a.feature()))
        .collect();
    code += "}\n\ncrate::named_values! {\n";
    let doc = format!(
        "The cargo feature that compiles the area: {}.",
        features.join(", ")
    );
    for line in wrap(&doc, 72) {
        code += &format!("    /// {line}\n");
    }
    code += "    Area {\n";
    for a in Area::ALL {
        code += &format!("        {a:?} => \"{}\",\n", a.feature());
    }
    code += &format!(
        "    }}\n}}\n\nimpl Area {{\n    /// Every area.\n    pub const ALL: [Area; {}] = [\n",
        Area::ALL.len()
    );
    for a in Area::ALL {
        code += &format!("        Area::{a:?},\n");
    }
    code += "    ];\n\n    /// Whether this build compiled the area's operations in.\n    \
             pub const fn is_compiled(self) -> bool {\n        match self {\n";
    for a in Area::ALL {
        code += &format!(
            "            Area::{a:?} => cfg!(feature = \"{}\"),\n",
            a.feature()
        );
    }
    code += "        }\n    }\n}\n";
    // Parsed, so a mistake here fails the regen rather than the build.
    syn::parse_file(&code).context("the areas module does not parse")?;
    super::generate::rustfmt(&code)
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Which area the operations under some first path segments belong to.
struct Rule {
    api: Api,
    /// First path segments (`users` for `/users/{id}`); empty: all of the API.
    segments: &'static [&'static str],
    area: Area,
}

/// Every operation's area, by API and first path segment. The directory
/// core is the objects an IT team administers every day and the graph
/// among them; the other areas are whole product surfaces a typical
/// automation never calls.
const RULES: &[Rule] = &[
    Rule {
        api: Api::V1,
        segments: &[],
        area: Area::Directory,
    },
    Rule {
        api: Api::Insights,
        segments: &[],
        area: Area::DirectoryInsights,
    },
    Rule {
        api: Api::V2,
        // Cloud Insights (events of the cloud accounts JumpCloud watches) is,
        // like System Insights, a query surface outside the directory core,
        // and a v2 one: putting it with Directory Insights would pull the v2
        // client into that feature.
        segments: &["systeminsights", "cloudinsights"],
        area: Area::SystemInsights,
    },
    Rule {
        api: Api::V2,
        segments: &["applemdms", "google-emm", "devices", "softwareapps"],
        area: Area::Mdm,
    },
    Rule {
        api: Api::V2,
        segments: &[
            "activedirectories",
            "gsuites",
            "office365s",
            "ldapservers",
            "workdays",
            "duo",
        ],
        area: Area::DirectorySync,
    },
    Rule {
        api: Api::V2,
        segments: &["providers", "integrations"],
        area: Area::Providers,
    },
    Rule {
        api: Api::V2,
        segments: &[
            "accessrequests",
            "administrators",
            "applications",
            "approvalflowrequest",
            "approvalflows",
            "approvalflowsettings",
            "approversprogress",
            "authn",
            "bulk",
            "cases",
            "commandqueue",
            "commandresult",
            "commands",
            "customemail",
            "customemails",
            "directories",
            "featureTrials",
            "groups",
            "identity-provider",
            "iplists",
            "logos",
            "organizations",
            "passwordmanager",
            "policies",
            "policygroups",
            "policyresults",
            "policytemplates",
            "pushendpoints",
            "queuedcommand",
            "radiusservers",
            "subscriptions",
            "systemgroups",
            "systems",
            "userapprovalrequest",
            "usergroups",
            "users",
        ],
        area: Area::Directory,
    },
];

/// The areas of `api`'s operations (in feature order).
pub fn of_api(api: Api) -> Vec<Area> {
    let set: BTreeSet<Area> = RULES
        .iter()
        .filter(|r| r.api == api)
        .map(|r| r.area)
        .collect();
    set.into_iter().collect()
}

/// The document extension naming the area of the paths no rule covers
/// (a feature name, e.g. `"directory"`); JumpCloud's documents have none, so
/// every path of theirs must be in a rule. Small test documents use it.
pub const DEFAULT_AREA: &str = "x-jumpcloud-area";

/// The area the document names for paths no rule covers ([`DEFAULT_AREA`]).
pub fn default_area(doc: &serde_json::Value) -> Result<Option<Area>> {
    let Some(name) = doc.get(DEFAULT_AREA) else {
        return Ok(None);
    };
    Area::ALL
        .into_iter()
        .find(|a| name.as_str() == Some(a.feature()))
        .map(Some)
        .with_context(|| format!("{DEFAULT_AREA} is {name}, not an area's feature"))
}

/// The area of the operation at `path` of `api`; `default` for a path no
/// rule covers, or an error saying where to add it.
pub fn area_of(api: Api, path: &str, default: Option<Area>) -> Result<Area> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    RULES
        .iter()
        .find(|r| r.api == api && (r.segments.is_empty() || r.segments.contains(&first)))
        .map(|r| r.area)
        .or(default)
        .with_context(|| {
            format!(
                "{} path {path} is in no API area: add `{first}` to a rule in xtask/src/regen/areas.rs",
                api.name()
            )
        })
}

/// `#[cfg(...)]` for code that needs any of `areas`; `None` when that is
/// every area of the API (the module's own feature already says it).
fn cfg(api: Api, areas: &BTreeSet<Area>) -> Option<Attribute> {
    if areas.len() >= of_api(api).len() || areas.is_empty() {
        return None;
    }
    let features: Vec<TokenStream> = areas
        .iter()
        .map(|a| {
            let f = a.feature();
            quote!(feature = #f)
        })
        .collect();
    Some(if features.len() == 1 {
        let f = &features[0];
        parse_quote!(#[cfg(#f)])
    } else {
        parse_quote!(#[cfg(any(#(#features),*))])
    })
}

/// `UserGroupGet` for `user_group_get`: the builder struct progenitor names
/// after an operation's method.
fn camel(method: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(method)
}

/// Puts each item of an area behind its feature (see the module docs).
/// Returns how many items it gated.
pub fn apply(api: Api, rows: &[Row], file: &mut syn::File) -> Result<usize> {
    let by_method: BTreeMap<String, Area> = rows
        .iter()
        .map(|r| (r.rust_method.clone(), r.area))
        .collect();
    let by_builder: BTreeMap<String, Area> =
        by_method.iter().map(|(m, a)| (camel(m), *a)).collect();
    let single = |area: Area| cfg(api, &BTreeSet::from([area]));
    let mut gated = 0;

    // The areas that reach each type, from what each operation's builder
    // items mention (its fields, its answer, its page items).
    let mut reach: BTreeMap<String, BTreeSet<Area>> = BTreeMap::new();
    {
        let ops = super::builders::module_items_ref(file)?;
        let mut found = BTreeSet::new();
        for item in ops {
            let Some(name) = item_subject(item) else {
                continue;
            };
            let Some(area) = by_builder.get(&name) else {
                continue;
            };
            found.insert(name);
            let mut refs = super::type_builders::Refs::default();
            refs.visit_item(item);
            for t in refs.0 {
                reach.entry(t).or_default().insert(*area);
            }
        }
        if let Some(missing) = by_builder.keys().find(|b| !found.contains(*b)) {
            bail!("no builder `{missing}` for its operation");
        }
    }
    let types = types_items(file)?;
    let edges = super::type_builders::edges(types);
    let mut areas_of_type: BTreeMap<String, BTreeSet<Area>> = BTreeMap::new();
    for (start, areas) in &reach {
        if !edges.contains_key(start) {
            continue;
        }
        for t in super::type_builders::closure(vec![start.clone()], &edges) {
            areas_of_type.entry(t).or_default().extend(areas);
        }
    }
    let mut type_cfg: BTreeMap<String, Attribute> = areas_of_type
        .iter()
        .filter_map(|(t, areas)| Some((t.clone(), cfg(api, areas)?)))
        .collect();
    // A type no operation reaches serves no call; it is compiled with every
    // area of its API, so it never names a type an area left out.
    let every = of_api(api);
    if every.len() > 1 {
        let features: Vec<&str> = every.iter().map(|a| a.feature()).collect();
        for t in edges.keys().filter(|t| !areas_of_type.contains_key(*t)) {
            type_cfg.insert(
                t.clone(),
                parse_quote!(#[cfg(all(#(feature = #features),*))]),
            );
        }
    }

    for item in file.items.iter_mut() {
        match item {
            Item::Mod(m) if m.ident == "types" => {
                gated += gate_types(m.content.as_mut().map(|(_, i)| i), &type_cfg);
            }
            Item::Mod(m) if m.ident == "builder" => {
                for item in m.content.as_mut().map(|(_, i)| i).into_iter().flatten() {
                    if let Some(attr) = item_subject(item)
                        .and_then(|n| by_builder.get(&n).copied())
                        .and_then(single)
                    {
                        push_attr(item, attr);
                        gated += 1;
                    }
                }
            }
            Item::Mod(m) if m.ident == "graph" => {
                // The graph's objects and its hand-written half
                // (`crate::graph`) are the directory's.
                if let Some(attr) = single(Area::Directory) {
                    m.attrs.push(attr);
                }
                let mut arms = GraphArms {
                    by_method: &by_method,
                    api,
                    gated: 0,
                    error: None,
                };
                syn::visit_mut::VisitMut::visit_item_mod_mut(&mut arms, m);
                if let Some(e) = arms.error {
                    return Err(e);
                }
                gated += arms.gated;
            }
            Item::Impl(imp) if imp.trait_.is_none() => {
                for i in imp.items.iter_mut() {
                    let ImplItem::Fn(f) = i else { continue };
                    let name = f.sig.ident.to_string();
                    if let Some(attr) = by_method.get(&name).copied().and_then(single) {
                        f.attrs.push(attr);
                        gated += 1;
                    } else if name == "call_json" {
                        let mut arms = JsonArms {
                            by_method: &by_method,
                            api,
                            gated: 0,
                        };
                        syn::visit_mut::VisitMut::visit_impl_item_fn_mut(&mut arms, f);
                        gated += arms.gated;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(gated)
}

/// The items of progenitor's `types` module.
fn types_items(file: &syn::File) -> Result<&[Item]> {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, i)| i.as_slice()),
            _ => None,
        })
        .context("progenitor's output has no `types` module")
}

/// Gates every item about a gated type in `types` and its submodules.
fn gate_types(items: Option<&mut Vec<Item>>, type_cfg: &BTreeMap<String, Attribute>) -> usize {
    let mut gated = 0;
    for item in items.into_iter().flatten() {
        if let Item::Mod(m) = item {
            gated += gate_types(m.content.as_mut().map(|(_, i)| i), type_cfg);
            continue;
        }
        let attr = item_subject(item)
            .and_then(|n| type_cfg.get(&n))
            .or_else(|| converted_from(item).and_then(|n| type_cfg.get(&n)));
        if let Some(attr) = attr {
            push_attr(item, attr.clone());
            gated += 1;
        }
    }
    gated
}

/// The type an item defines or implements for (`X` of `struct X`,
/// `impl Trait for super::X`, `impl<'a> X<'a>`).
fn item_subject(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        Item::Impl(imp) => super::builders::type_ident(&imp.self_ty).map(|i| i.to_string()),
        _ => None,
    }
}

/// `X` of `impl From<X> for Y`: a conversion out of a generated type into
/// a foreign one, which belongs with `X`.
fn converted_from(item: &Item) -> Option<String> {
    let Item::Impl(imp) = item else { return None };
    let (_, path, _) = imp.trait_.as_ref()?;
    let last = path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => super::builders::type_ident(t).map(|i| i.to_string()),
        _ => None,
    })
}

fn push_attr(item: &mut Item, attr: Attribute) {
    match item {
        Item::Struct(s) => s.attrs.push(attr),
        Item::Enum(e) => e.attrs.push(attr),
        Item::Type(t) => t.attrs.push(attr),
        Item::Impl(i) => i.attrs.push(attr),
        _ => {}
    }
}

/// `call_json`'s arms: `"user_list" => …` behind the operation's feature.
struct JsonArms<'a> {
    by_method: &'a BTreeMap<String, Area>,
    api: Api,
    gated: usize,
}

impl syn::visit_mut::VisitMut for JsonArms<'_> {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        if let syn::Pat::Lit(syn::PatLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &arm.pat
            && let Some(area) = self.by_method.get(&s.value())
            && let Some(attr) = cfg(self.api, &BTreeSet::from([*area]))
        {
            arm.attrs.push(attr);
            self.gated += 1;
        }
        syn::visit_mut::visit_arm_mut(self, arm);
    }
}

/// The graph functions' arms: each calls one operation's builder, and is
/// behind that operation's feature.
struct GraphArms<'a> {
    by_method: &'a BTreeMap<String, Area>,
    api: Api,
    gated: usize,
    error: Option<anyhow::Error>,
}

impl syn::visit_mut::VisitMut for GraphArms<'_> {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        let mut calls = Calls(BTreeSet::new());
        calls.visit_expr(&arm.body);
        let areas: BTreeSet<Area> = calls
            .0
            .iter()
            .filter_map(|m| self.by_method.get(m).copied())
            .collect();
        if areas.len() > 1 {
            self.error = Some(anyhow::anyhow!(
                "a graph arm calls operations of several areas: {:?}",
                calls.0
            ));
        }
        if let Some(attr) = cfg(self.api, &areas) {
            arm.attrs.push(attr);
            self.gated += 1;
        }
    }
}

/// The method names called in an expression.
struct Calls(BTreeSet<String>);

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.0.insert(call.method.to_string());
        syn::visit::visit_expr_method_call(self, call);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_path_has_one_area() {
        assert_eq!(
            area_of(Api::V2, "/users/{id}", None).unwrap(),
            Area::Directory
        );
        assert_eq!(
            area_of(Api::V2, "/systeminsights/chrome_extensions", None).unwrap(),
            Area::SystemInsights
        );
        assert_eq!(
            area_of(Api::V1, "/systemusers", None).unwrap(),
            Area::Directory
        );
        assert!(area_of(Api::V2, "/brand-new-product", None).is_err());
        assert_eq!(
            area_of(Api::V2, "/brand-new-product", Some(Area::Mdm)).unwrap(),
            Area::Mdm
        );
        let mut seen = BTreeSet::new();
        for rule in RULES {
            for s in rule.segments {
                assert!(seen.insert((rule.api.name(), *s)), "{s} is in two rules");
            }
        }
    }

    #[test]
    fn the_generated_enum_has_every_area_and_its_feature() {
        let code = module().unwrap();
        for area in Area::ALL {
            assert!(code.contains(&format!("    {area:?},")), "{area:?}");
            assert!(
                code.contains(&format!("cfg!(feature = \"{}\")", area.feature())),
                "{area:?}"
            );
        }
        assert!(code.contains(&format!("pub const ALL: [Area; {}]", Area::ALL.len())));
        // Every rule's area is in the list the enum is generated from.
        assert!(RULES.iter().all(|r| Area::ALL.contains(&r.area)));
        assert_eq!(
            full_feature("[features]\nfull = [\"a\", \"b-c\"]\n"),
            Some(vec!["a".to_string(), "b-c".to_string()])
        );
    }

    #[test]
    fn builders_are_named_after_methods() {
        assert_eq!(
            camel("office365_association_set"),
            "Office365AssociationSet"
        );
        assert_eq!(camel("user_group_get"), "UserGroupGet");
    }
}
