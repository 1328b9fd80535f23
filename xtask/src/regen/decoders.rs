//! A lean `Deserialize` for every generated struct with named fields.
//!
//! Why: serde's derive was half of `jumpcloud-api-types`' build (16 of its
//! 31 s, measured by removing it). For each struct it writes an enum of the
//! fields with a visitor that matches them by name, by index and by bytes,
//! and a struct visitor for maps and one for sequences. JSON, all the server
//! speaks, needs the names and the map alone. This pass writes one map
//! visitor per struct that matches the member name as a string
//! (`wire::Key`, shared by all). Each member is one call (`wire::next`),
//! and the match over names is `?`-ed once; `Serialize` is written by
//! [`super::encoders`].
//!
//! It decodes as the derive did for every attribute the generated structs
//! carry: `rename`, `default` (bare or a function), `deserialize_with`;
//! unknown members are skipped, a repeated member is an error, an absent
//! one reads as `None` for options and is `missing field` otherwise
//! (`wire::or_missing`, the derive's own rule). A struct with any other
//! serde attribute, container attributes or generics keeps the derive.
//! What is lost: decoding a struct from a sequence (a JSON array), which
//! the derive accepted and no JumpCloud answer uses.

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, Item, ItemStruct, Path, Type};

use super::builders;

/// Returns how many structs it gave a lean decoder.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    builders::write_after_structs(file, lean)
}

/// One member of a struct, as the decoder needs it.
struct Member {
    ident: syn::Ident,
    ty: Type,
    /// The name on the wire.
    name: String,
    absent: Absent,
    read: Read,
}

enum Absent {
    /// Absent: serde's rule (`None` for options, else `missing field`).
    None,
    /// `#[serde(default)]`.
    Trait,
    /// `#[serde(default = "path")]`.
    Function(Path),
}

enum Read {
    /// The field type's own `Deserialize`.
    Plain,
    /// `deserialize_with = "crate::wire::null_as_default"`: `null` reads as empty.
    NullAsDefault,
    /// Any other `deserialize_with` function.
    With(Path),
}

/// Replaces the derived `Deserialize` of `s` with a lean one, returned as
/// the `impl` to put after it; `None` leaves `s` as it is.
fn lean(s: &mut ItemStruct) -> Result<Option<Item>> {
    let Some(fields) = builders::plain_named_fields(s) else {
        return Ok(None);
    };
    let Some(members) = builders::each_field(fields, |ident, field| {
        member(ident, &field.ty, &field.attrs)
    })?
    else {
        return Ok(None);
    };

    // Only a struct that derived `Deserialize` gets one written.
    if !builders::drop_derives(&mut s.attrs, builders::is_serde_deserialize)? {
        return Ok(None);
    }

    let cfgs = builders::cfg_attrs(&s.attrs);
    let ty = &s.ident;
    let expecting = format!("struct {ty}");
    let ty_name = ty.to_string();
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    let slots: Vec<syn::Ident> = (0..members.len()).map(|i| format_ident!("f{i}")).collect();
    let declare = members.iter().zip(&slots).map(|(m, slot)| {
        let t = &m.ty;
        quote!(let mut #slot: ::std::option::Option<#t> = ::std::option::Option::None;)
    });
    let arms = members.iter().zip(&slots).map(|(m, slot)| {
        let name = &m.name;
        let read = read(m, slot);
        quote!(#name => #read,)
    });
    let finish = members.iter().zip(&slots).map(|(m, slot)| {
        let ident = &m.ident;
        let name = &m.name;
        let value = match (&m.absent, &m.read) {
            (Absent::Trait, _) => quote!(#slot.unwrap_or_default()),
            (Absent::Function(path), _) => quote!(#slot.unwrap_or_else(#path)),
            (Absent::None, Read::Plain) if is_option(&m.ty) => quote!(#slot.flatten()),
            (Absent::None, Read::Plain) => quote!(crate::wire::or_missing(#slot, #name)?),
            (Absent::None, _) => quote!(crate::wire::required(#slot, #name)?),
        };
        quote!(#ident: #value,)
    });
    Ok(Some(syn::parse_quote! {
        #(#cfgs)*
        impl<'de> ::serde::Deserialize<'de> for #ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<#ty, A::Error> {
                        #(#declare)*
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<crate::wire::Key<'de>>()?
                        {
                            match key.as_str() {
                                #(#arms)*
                                _ => crate::wire::skip(&mut map),
                            }?;
                        }
                        ::std::result::Result::Ok(#ty { #(#finish)* })
                    }
                }
                deserializer.deserialize_struct(#ty_name, &[#(#names),*], Visitor)
            }
        }
    }))
}

/// How the decoder reads one member's value from `map` into `slot`: an
/// expression of type `Result<(), A::Error>`, so each arm of the match over
/// names is one call and the match is `?`-ed once.
fn read(m: &Member, slot: &syn::Ident) -> TokenStream {
    let t = &m.ty;
    let name = &m.name;
    match &m.read {
        Read::Plain => quote!(crate::wire::next(&mut map, &mut #slot, #name)),
        Read::NullAsDefault => quote!(crate::wire::next_or_default(&mut map, &mut #slot, #name)),
        Read::With(path) => quote!({
            struct With(#t);
            impl<'de> ::serde::Deserialize<'de> for With {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    #path(deserializer).map(With)
                }
            }
            map.next_value::<With>()
                .and_then(|with| crate::wire::fill(&mut #slot, #name, with.0))
        }),
    }
}

/// The member `ident: ty` with its serde attributes, or `None` when one of
/// them is not one this pass reproduces.
fn member(ident: syn::Ident, ty: &Type, attrs: &[Attribute]) -> Result<Option<Member>> {
    let Some(serde) = builders::serde_member(&ident, attrs)? else {
        return Ok(None);
    };
    let absent = match serde.default {
        None => Absent::None,
        Some(None) => Absent::Trait,
        Some(Some(path)) => Absent::Function(path),
    };
    let read = match serde.deserialize_with {
        None => Read::Plain,
        Some(path) if builders::path_is(&path, &["crate", "wire", "null_as_default"]) => {
            Read::NullAsDefault
        }
        Some(path) => Read::With(path),
    };
    Ok(Some(Member {
        ident,
        ty: ty.clone(),
        name: serde.name,
        absent,
        read,
    }))
}

/// `Option<..>` however it is spelled.
fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    use crate::regen::builders::squeeze;

    /// The pass's count and output, with all whitespace removed (so the
    /// checks do not depend on how prettyplease breaks lines).
    fn run(src: &str) -> (usize, String) {
        builders::run_pass(src, apply)
    }

    #[test]
    fn a_struct_gets_a_map_decoder_and_keeps_its_serialize() {
        let (n, out) = run(r#"
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[cfg(feature = "directory")]
                pub struct User {
                    #[serde(rename = "firstName", skip_serializing_if = "Option::is_none")]
                    pub first_name: ::std::option::Option<String>,
                    pub id: String,
                    #[serde(default, deserialize_with = "crate::wire::null_as_default")]
                    pub tags: Vec<String>,
                    #[serde(default = "defaults::yes")]
                    pub on: bool,
                    pub r#type: Kind,
                }
            }
        "#);
        assert_eq!(n, 1);
        assert!(
            out.contains("#[derive(::serde::Serialize,Clone,Debug)]"),
            "{out}"
        );
        assert!(!out.contains("::serde::Deserialize,"), "{out}");
        assert!(
            out.contains(&squeeze(
                "#[cfg(feature = \"directory\")] impl<'de> ::serde::Deserialize<'de> for User"
            )),
            "{out}"
        );
        for wanted in [
            r#"crate::wire::next(&mut map, &mut f0, "firstName")"#,
            r#""id" => crate::wire::next(&mut map, &mut f1, "id"),"#,
            r#"crate::wire::next_or_default(&mut map, &mut f2, "tags")"#,
            "_ => crate::wire::skip(&mut map), }?;",
            "f0.flatten()",
            r#"crate::wire::or_missing(f1, "id")?"#,
            "f2.unwrap_or_default()",
            "f3.unwrap_or_else(defaults::yes)",
            r#""type" =>"#,
            r#"deserialize_struct("User", &["firstName", "id", "tags", "on", "type"], Visitor"#,
        ] {
            assert!(
                out.contains(&squeeze(wanted)),
                "missing {wanted:?} in\n{out}"
            );
        }
    }

    #[test]
    fn what_the_pass_cannot_reproduce_keeps_the_derive() {
        let (n, out) = run(r#"
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                #[serde(transparent)]
                pub struct Wrapped { pub inner: String }
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Flat { #[serde(flatten)] pub rest: Map }
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Id(pub String);
                #[derive(Clone, Debug)]
                pub struct NotDecoded { pub a: u8 }
            }
        "#);
        assert_eq!(n, 0);
        assert_eq!(
            out.matches("#[derive(::serde::Deserialize,::serde::Serialize)]")
                .count(),
            3
        );
    }

    #[test]
    fn another_deserialize_with_function_is_called_through_a_wrapper() {
        let (n, out) = run(r#"
            pub mod types {
                #[derive(::serde::Deserialize)]
                pub struct A {
                    #[serde(deserialize_with = "crate::wire::other")]
                    pub a: u8,
                }
            }
        "#);
        assert_eq!(n, 1);
        assert!(
            out.contains("crate::wire::other(deserializer).map(With)"),
            "{out}"
        );
        assert!(
            out.contains(&squeeze(r#"crate::wire::required(f0, "a")?"#)),
            "{out}"
        );
    }
}
