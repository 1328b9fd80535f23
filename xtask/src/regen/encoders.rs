//! A lean `Serialize` for every generated struct with named fields.
//!
//! Why: serde's derive was about a third of `jumpcloud-api-types`' build
//! after the decoders were written (19–21 s with it, 13–15 s without, the
//! same machine and run). For each member it writes a branch on its
//! `skip_serializing_if`, a `serialize_field` or `skip_field` call and a `?`
//! on each, all of which the compiler checks once per struct. This pass
//! writes one call per member on `wire::Fields`, which keeps the first error
//! itself, so the generated body has no branch and no `?`.
//!
//! It encodes as the derive did: members in order, `rename`,
//! `skip_serializing_if` (the format is told the exact number of members and
//! gets `skip_field` for each left out). A struct with any other serde
//! attribute, container attributes or generics keeps the derive. When a
//! struct derives neither `Serialize` nor `Deserialize` any more, its
//! members' `#[serde]` attributes go too (nothing would read them).

use anyhow::Result;
use quote::quote;
use syn::{Attribute, Fields, Item, ItemStruct, Path, Token};

use super::builders;

/// Returns how many structs it gave a lean encoder.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    builders::write_after_structs(file, lean)
}

/// One member of a struct, as the encoder needs it.
struct Member {
    ident: syn::Ident,
    /// The name on the wire.
    name: String,
    /// Its `skip_serializing_if` function.
    skip_if: Option<Path>,
}

/// Replaces the derived `Serialize` of `s` with a lean one, returned as the
/// `impl` to put after it; `None` leaves `s` as it is.
fn lean(s: &mut ItemStruct) -> Result<Option<Item>> {
    let Some(fields) = builders::plain_named_fields(s) else {
        return Ok(None);
    };
    let Some(members) = builders::each_field(fields, |ident, field| member(ident, &field.attrs))?
    else {
        return Ok(None);
    };

    // Only a struct that derived `Serialize` gets one written.
    if !builders::drop_derives(&mut s.attrs, is_serde_serialize)? {
        return Ok(None);
    }
    if !derives_serde(&s.attrs)?
        && let Fields::Named(fields) = &mut s.fields
    {
        for field in &mut fields.named {
            field.attrs.retain(|a| !a.path().is_ident("serde"));
        }
    }

    let cfgs = builders::cfg_attrs(&s.attrs);
    let ty = &s.ident;
    let ty_name = ty.to_string();
    let count = members.len();
    // One flag per skippable member, computed once: for the length and for
    // the member itself.
    let flags: Vec<Option<syn::Ident>> = members
        .iter()
        .enumerate()
        .map(|(i, m)| m.skip_if.as_ref().map(|_| quote::format_ident!("a{i}")))
        .collect();
    let computed = members.iter().zip(&flags).filter_map(|(m, flag)| {
        let (path, flag) = (m.skip_if.as_ref()?, flag.as_ref()?);
        let ident = &m.ident;
        Some(quote!(let #flag = #path(&self.#ident);))
    });
    let absent = flags.iter().flatten();
    let puts = members.iter().zip(&flags).map(|(m, flag)| {
        let ident = &m.ident;
        let name = &m.name;
        match flag {
            Some(flag) => quote!(fields.put_unless(#flag, #name, &self.#ident);),
            None => quote!(fields.put(#name, &self.#ident);),
        }
    });
    Ok(Some(syn::parse_quote! {
        #(#cfgs)*
        impl ::serde::Serialize for #ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                #(#computed)*
                let mut fields = crate::wire::fields(serializer, #ty_name, #count, &[#(#absent),*]);
                #(#puts)*
                fields.end()
            }
        }
    }))
}

/// Whether a derive's path is `::serde::Serialize` (as typify writes it).
fn is_serde_serialize(path: &Path) -> bool {
    builders::path_is(path, &["serde", "Serialize"])
}

/// Whether `attrs` still derive either of serde's traits.
fn derives_serde(attrs: &[Attribute]) -> Result<bool> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let paths =
            attr.parse_args_with(syn::punctuated::Punctuated::<Path, Token![,]>::parse_terminated)?;
        if paths
            .iter()
            .any(|p| is_serde_serialize(p) || builders::is_serde_deserialize(p))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The member `ident` with its serde attributes, or `None` when one of them
/// changes encoding in a way this pass does not reproduce.
fn member(ident: syn::Ident, attrs: &[Attribute]) -> Result<Option<Member>> {
    // `default` and `deserialize_with` are for decoding only.
    Ok(builders::serde_member(&ident, attrs)?.map(|serde| Member {
        ident,
        name: serde.name,
        skip_if: serde.skip_if,
    }))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    /// The pass's count and output, with all whitespace removed.
    fn run(src: &str) -> (usize, String) {
        builders::run_pass(src, apply)
    }

    #[test]
    fn a_struct_gets_one_call_per_member_and_an_exact_length() {
        let (n, out) = run(r#"
            pub mod types {
                #[derive(::serde::Serialize, Clone, Debug)]
                pub struct Thing {
                    #[serde(rename = "fooBar", skip_serializing_if = "::std::option::Option::is_none")]
                    pub foo_bar: Option<String>,
                    pub id: String,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: Vec<String>,
                }
            }
        "#);
        assert_eq!(n, 1);
        assert!(out.contains("#[derive(Clone,Debug)]"), "{out}");
        assert!(out.contains("impl::serde::SerializeforThing"), "{out}");
        assert!(
            out.contains("leta0=::std::option::Option::is_none(&self.foo_bar);"),
            "{out}"
        );
        assert!(
            out.contains("leta2=::std::vec::Vec::is_empty(&self.tags);"),
            "{out}"
        );
        assert!(
            out.contains(r#"crate::wire::fields(serializer,"Thing",3usize,&[a0,a2]);"#),
            "{out}"
        );
        assert!(
            out.contains(r#"fields.put_unless(a0,"fooBar",&self.foo_bar);"#),
            "{out}"
        );
        assert!(out.contains(r#"fields.put("id",&self.id);"#), "{out}");
        assert!(
            out.contains(r#"fields.put_unless(a2,"tags",&self.tags);"#),
            "{out}"
        );
        assert!(out.contains("fields.end()"), "{out}");
        // Neither serde derive is left, so the member attributes went too.
        assert!(!out.contains("#[serde("), "{out}");
    }

    #[test]
    fn member_attributes_stay_while_the_deserialize_derive_does() {
        let (n, out) = run(r#"
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Thing {
                    #[serde(rename = "x")]
                    pub y: String,
                }
            }
        "#);
        assert_eq!(n, 1);
        assert!(out.contains("#[derive(::serde::Deserialize)]"), "{out}");
        assert!(out.contains(r#"#[serde(rename="x")]"#), "{out}");
    }

    #[test]
    fn what_the_pass_cannot_reproduce_keeps_the_derive() {
        let (n, out) = run(r#"
            pub mod types {
                #[derive(::serde::Serialize)]
                #[serde(transparent)]
                pub struct Wrapped { pub inner: String }
                #[derive(::serde::Serialize)]
                pub struct Flat { #[serde(flatten)] pub rest: ::serde_json::Map<String, ::serde_json::Value> }
                #[derive(::serde::Serialize)]
                pub struct Tuple(pub String);
                #[derive(Clone)]
                pub struct NotSerialized { pub a: String }
            }
        "#);
        assert_eq!(n, 0, "{out}");
        assert_eq!(
            out.matches("#[derive(::serde::Serialize)]").count(),
            3,
            "{out}"
        );
    }
}
