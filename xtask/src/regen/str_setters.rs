//! Optional string setters of the type builders that take `&str`.
//!
//! typify writes the setter of an `Option<String>` field as
//! `fn firstname<T>(self, value: T) where T: TryInto<Option<String>>`, and
//! `&str` is not `Into<Option<String>>`: `.firstname("Grace")` does not
//! compile, while the required `.username("grace")` does. Each such setter
//! is rewritten to take `crate::setter::IntoOptionalString` (`&str`,
//! `String`, `&String`, `Option<String>`, …), which cannot fail, so the
//! field is set to `Ok(..)` directly. Everything that compiled before still
//! does: the old bound admitted only `String` and `Option<String>`.

use anyhow::Result;
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ImplItemFn, Stmt, WherePredicate, parse_quote};

/// Returns how many setters it rewrote.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    let mut pass = Rewrite { changed: 0 };
    pass.visit_file_mut(file);
    Ok(pass.changed)
}

struct Rewrite {
    changed: usize,
}

impl VisitMut for Rewrite {
    fn visit_impl_item_fn_mut(&mut self, f: &mut ImplItemFn) {
        if let Some(field) = optional_string_setter(f) {
            f.sig.generics.where_clause = Some(parse_quote! {
                where T: crate::setter::IntoOptionalString
            });
            f.block = parse_quote! {{
                self.#field = ::std::result::Result::Ok(
                    crate::setter::IntoOptionalString::into_optional_string(value),
                );
                self
            }};
            self.changed += 1;
        }
        visit_mut::visit_impl_item_fn_mut(self, f);
    }
}

/// The field a typify setter `fn x<T>(mut self, value: T) -> Self where
/// T: TryInto<Option<String>>, T::Error: Display { self.x = ..; self }` sets.
fn optional_string_setter(f: &ImplItemFn) -> Option<syn::Member> {
    let generics = &f.sig.generics;
    if generics.params.len() != 1 || f.sig.inputs.len() != 2 {
        return None;
    }
    let bounds_optional_string = generics.where_clause.as_ref()?.predicates.iter().any(|p| {
        let WherePredicate::Type(t) = p else {
            return false;
        };
        let bounded = &t.bounded_ty;
        let bounds = &t.bounds;
        quote!(#bounded).to_string() == "T"
            && quote!(#bounds).to_string().replace(' ', "")
                == "::std::convert::TryInto<::std::option::Option<::std::string::String>>"
    });
    if !bounds_optional_string {
        return None;
    }
    let [
        Stmt::Expr(Expr::Assign(assign), Some(_)),
        Stmt::Expr(Expr::Path(ret), None),
    ] = f.block.stmts.as_slice()
    else {
        return None;
    };
    if !ret.path.is_ident("self") {
        return None;
    }
    let Expr::Field(target) = &*assign.left else {
        return None;
    };
    matches!(&*target.base, Expr::Path(p) if p.path.is_ident("self")).then(|| target.member.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_optional_string_setters() {
        let mut file: syn::File = parse_quote! {
            impl Systemuserput {
                pub fn firstname<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.firstname = value
                        .try_into()
                        .map_err(|e| format!("error converting supplied value for firstname: {e}"));
                    self
                }
                pub fn username<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::string::String>,
                    T::Error: ::std::fmt::Display,
                {
                    self.username = value
                        .try_into()
                        .map_err(|e| format!("error converting supplied value for username: {e}"));
                    self
                }
                pub fn sudo<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<::std::option::Option<bool>>,
                    T::Error: ::std::fmt::Display,
                {
                    self.sudo = value
                        .try_into()
                        .map_err(|e| format!("error converting supplied value for sudo: {e}"));
                    self
                }
            }
        };
        assert_eq!(apply(&mut file).unwrap_or_else(|e| panic!("{e}")), 1);
        let text = quote!(#file).to_string();
        assert_eq!(text.matches("IntoOptionalString").count(), 2, "{text}");
        assert!(
            text.contains("self . firstname = :: std :: result :: Result :: Ok"),
            "{text}"
        );
        assert_eq!(text.matches("try_into").count(), 2, "{text}");
    }
}
