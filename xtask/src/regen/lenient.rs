//! Decoding what the server really sends.
//!
//! typify gives optional list and map fields `#[serde(default)]`, which
//! accepts a missing field but not an explicit `null` — and JumpCloud sends
//! `null` for empty lists in places. Such fields get
//! `deserialize_with = "crate::wire::null_as_default"`, so `null` reads as
//! empty.

use anyhow::Result;
use syn::visit_mut::{self, VisitMut};
use syn::{Field, parse_quote};

/// Returns how many fields it changed.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    let mut pass = NullAsDefault {
        changed: 0,
        error: None,
    };
    pass.visit_file_mut(file);
    match pass.error {
        Some(e) => Err(e.into()),
        None => Ok(pass.changed),
    }
}

struct NullAsDefault {
    changed: usize,
    error: Option<syn::Error>,
}

impl VisitMut for NullAsDefault {
    fn visit_field_mut(&mut self, field: &mut Field) {
        let mut bare_default = false;
        let mut custom = false;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let parsed = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") {
                    bare_default |= meta.input.is_empty() || meta.input.peek(syn::Token![,]);
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::LitStr = meta.value()?.parse()?;
                    }
                } else if meta.path.is_ident("deserialize_with") || meta.path.is_ident("with") {
                    custom = true;
                    let _: syn::LitStr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            if let Err(e) = parsed {
                self.error.get_or_insert(e);
            }
        }
        if bare_default && !custom {
            field
                .attrs
                .push(parse_quote!(#[serde(deserialize_with = "crate::wire::null_as_default")]));
            self.changed += 1;
        }
        visit_mut::visit_field_mut(self, field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn defaulted_fields_read_null_as_default() {
        let mut file: syn::File = parse_quote! {
            pub struct User {
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                pub attributes: ::std::vec::Vec<Attribute>,
                #[serde(rename = "type", default = "defaults::user_type")]
                pub type_: UserType,
                pub name: ::std::string::String,
            }
        };
        assert_eq!(apply(&mut file).unwrap_or_else(|e| panic!("{e}")), 1);
        let text = quote!(#file).to_string();
        assert_eq!(text.matches("null_as_default").count(), 1, "{text}");
    }
}
