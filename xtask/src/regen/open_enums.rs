//! Open string enums.
//!
//! typify turns a string `enum` into a closed Rust enum, so one value the
//! document does not list fails the whole call. JumpCloud adds values over
//! time. Every such enum gets one more variant, `Unknown(String)`, which
//! keeps any value the document does not list as it came; `crate::wire::unlisted`
//! logs each such value once at `debug`. The enum becomes `#[non_exhaustive]`,
//! so that variants added by a later document do not break users' `match`es.
//! `Display` and `FromStr` are rewritten to match, and `Copy` goes (a
//! `String` is not `Copy`).
//!
//! Its `Deserialize` is written here too, from the same table: read a
//! string, match it. serde's derive for an enum with an untagged variant
//! buffers the input and tries the tagged forms first, which every caller
//! then compiles for each enum and each input format. `Serialize` stays
//! derived (the extra variant is `#[serde(untagged)]`, so it writes the
//! string it holds).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use quote::{format_ident, quote};
use syn::{Fields, Item, ItemEnum, LitStr, parse_quote};

use super::builders;

/// Applies the rewrite to `pub mod types` and returns how many enums it opened.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    let types = builders::types_items(file)?;
    let mut opened: BTreeMap<String, Opened> = BTreeMap::new();
    for item in types.iter_mut() {
        if let Item::Enum(e) = item
            && let Some(variants) = open(e)?
        {
            opened.insert(e.ident.to_string(), variants);
        }
    }
    // typify's Display and FromStr match every variant; ours replace them.
    types.retain(|item| match item {
        Item::Impl(imp) => {
            let on_opened = match &*imp.self_ty {
                syn::Type::Path(p) => p
                    .path
                    .get_ident()
                    .is_some_and(|id| opened.contains_key(&id.to_string())),
                _ => false,
            };
            let replaced = imp.trait_.as_ref().is_some_and(|(_, path, _)| {
                path.segments
                    .last()
                    .is_some_and(|s| s.ident == "Display" || s.ident == "FromStr")
            });
            !(on_opened && replaced)
        }
        _ => true,
    });
    for (name, Opened { variants, unknown }) in &opened {
        let ty = format_ident!("{name}");
        let idents: Vec<_> = variants.iter().map(|(ident, _)| ident).collect();
        let wires: Vec<_> = variants.iter().map(|(_, wire)| wire).collect();
        types.push(parse_quote! {
            impl ::std::fmt::Display for #ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        #(Self::#idents => f.write_str(#wires),)*
                        Self::#unknown(value) => f.write_str(value),
                    }
                }
            }
        });
        types.push(parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #ty {
                fn deserialize<D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> ::std::result::Result<Self, D::Error> {
                    let value =
                        <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                    ::std::result::Result::Ok(match value.as_str() {
                        #(#wires => Self::#idents,)*
                        _ => {
                            crate::wire::unlisted::<Self>(&value);
                            Self::#unknown(value)
                        }
                    })
                }
            }
        });
        types.push(parse_quote! {
            impl ::std::str::FromStr for #ty {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    ::std::result::Result::Ok(match value {
                        #(#wires => Self::#idents,)*
                        other => Self::#unknown(other.to_string()),
                    })
                }
            }
        });
    }
    Ok(opened.len())
}

struct Opened {
    /// Each listed variant with its wire name.
    variants: Vec<(syn::Ident, String)>,
    /// The variant that keeps unlisted values: `Unknown`, or `UnknownValue`
    /// where the document lists a value that is itself called unknown.
    unknown: syn::Ident,
}

/// Opens one enum if it is a plain string enum.
fn open(e: &mut ItemEnum) -> Result<Option<Opened>> {
    let derives_deserialize = e
        .attrs
        .iter()
        .any(|a| a.path().is_ident("derive") && quote!(#a).to_string().contains("Deserialize"));
    let tagged = e.attrs.iter().any(|a| a.path().is_ident("serde"));
    let all_unit = e.variants.iter().all(|v| matches!(v.fields, Fields::Unit));
    if !derives_deserialize || tagged || !all_unit || e.variants.is_empty() {
        return Ok(None);
    }
    let Some(unknown) = ["Unknown", "UnknownValue", "UnlistedValue"]
        .into_iter()
        .find(|name| e.variants.iter().all(|v| v.ident != name))
        .map(|name| format_ident!("{name}"))
    else {
        bail!(
            "enum {} has no free name for its unknown-value variant",
            e.ident
        );
    };
    let mut variants = Vec::new();
    for v in &e.variants {
        let mut wire = v.ident.to_string();
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    wire = meta.value()?.parse::<LitStr>()?.value();
                }
                Ok(())
            })?;
        }
        variants.push((v.ident.clone(), wire));
    }
    builders::drop_derives(&mut e.attrs, |p| {
        p.is_ident("Copy") || builders::is_serde_deserialize(p)
    })?;
    e.variants.push(parse_quote! {
        /// A value this version of the client does not know, kept as sent.
        #[serde(untagged)]
        #unknown(::std::string::String)
    });
    e.attrs.push(parse_quote!(#[non_exhaustive]));
    Ok(Some(Opened { variants, unknown }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_enums_gain_an_unknown_variant() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum State {
                    #[serde(rename = "ACTIVATED")]
                    Activated,
                    Staged,
                }
                impl ::std::fmt::Display for State {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { todo!() }
                }
                #[derive(::serde::Deserialize)]
                #[serde(untagged)]
                pub enum Either { A(String), B(i64) }
            }
        };
        assert_eq!(apply(&mut file).unwrap_or_else(|e| panic!("{e}")), 1);
        let text = quote!(#file).to_string();
        assert!(
            text.contains("Unknown (:: std :: string :: String)"),
            "{text}"
        );
        assert!(!text.contains("Copy"), "{text}");
        assert!(text.contains("# [non_exhaustive] pub enum State"), "{text}");
        assert!(text.contains("# [serde (untagged)] Unknown"), "{text}");
        // The enum's decoder is written, not derived: a string, matched.
        assert!(
            text.contains("# [derive (:: serde :: Serialize , Clone , Debug)] # [non_exhaustive] pub enum State"),
            "{text}"
        );
        assert!(
            text.contains("\"ACTIVATED\" => Self :: Activated , \"Staged\" => Self :: Staged , _ => { crate :: wire :: unlisted :: < Self > (& value) ; Self :: Unknown (value) }"),
            "{text}"
        );
        // Enums that are not plain string enums are left alone.
        assert!(
            !text.contains("# [non_exhaustive] pub enum Either"),
            "{text}"
        );
        assert!(!text.contains("todo"), "{text}");
        assert!(
            text.contains("\"ACTIVATED\" => Self :: Activated"),
            "{text}"
        );
        assert!(text.contains("\"Staged\" => Self :: Staged"), "{text}");
    }
}
