//! Setters that store their argument with one call instead of a closure.
//!
//! progenitor's request builders and typify's type builders convert each
//! argument as `value.try_into().map(..).map_err(|_| ..)`, a closure per
//! setter: over 2,000 bodies the compiler type- and borrow-checks one by one.
//! This pass rewrites the four shapes they come in to calls of shared
//! helpers that keep the same messages:
//!
//! - `value.try_into().map(Some).map_err(|_| "m".to_string())` →
//!   `crate::setter::optional(value, "m")`;
//! - `value.try_into().map_err(|_| "m".to_string())` →
//!   `crate::setter::required(value, "m")`;
//! - `value.try_into().map(From::from).map_err(|s| format!("m: {}", s))` and
//!   `value.try_into().map_err(|e| format!("m: {e}"))` →
//!   `crate::setter::converted(value, "m")`;
//! - `value.into_filters_for(f).map(Some).map_err(|e| format!("invalid
//!   filter: {e}"))` → `crate::filter::argument(value, f)`.
//!
//! Anything else is left as it is.

use anyhow::Result;
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprMethodCall, ImplItemFn, LitStr, Stmt, parse_quote};

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
        if let [
            Stmt::Expr(Expr::Assign(assign), Some(_)),
            Stmt::Expr(Expr::Path(ret), None),
        ] = f.block.stmts.as_mut_slice()
            && ret.path.is_ident("self")
            && let Some(call) = lean(&assign.right)
        {
            *assign.right = call;
            self.changed += 1;
        }
        visit_mut::visit_impl_item_fn_mut(self, f);
    }
}

/// The helper call that stores what `expr` does, if it is one of the shapes.
fn lean(expr: &Expr) -> Option<Expr> {
    let map_err = method(expr, "map_err")?;
    let closure = match map_err.args.first()? {
        Expr::Closure(c) if map_err.args.len() == 1 && c.inputs.len() == 1 => c,
        _ => return None,
    };
    let inner = &*map_err.receiver;
    let (converted, mapped) = match method(inner, "map") {
        Some(map) if map.args.len() == 1 => (&*map.receiver, Some(&map.args[0])),
        _ => (inner, None),
    };
    let mapped = mapped.map(|m| m.to_token_stream().to_string().replace(' ', ""));

    // `value.into_filters_for(f)`.
    if let Some(filters) = method(converted, "into_filters_for")
        && is_value(&filters.receiver)
        && filters.args.len() == 1
        && mapped.as_deref() == Some("Some")
        && message(&closure.body).is_some_and(|m| m == ("invalid filter".to_owned(), true))
    {
        let fields = &filters.args[0];
        return Some(parse_quote!(crate::filter::argument(value, #fields)));
    }

    // `value.try_into()`.
    let try_into = method(converted, "try_into")?;
    if !is_value(&try_into.receiver) || !try_into.args.is_empty() {
        return None;
    }
    let (text, with_error) = message(&closure.body)?;
    let text = LitStr::new(&text, proc_macro2::Span::call_site());
    match (mapped.as_deref(), with_error) {
        (Some("Some"), false) => Some(parse_quote!(crate::setter::optional(value, #text))),
        (None, false) => Some(parse_quote!(crate::setter::required(value, #text))),
        (Some("From::from") | None, true) => {
            Some(parse_quote!(crate::setter::converted(value, #text)))
        }
        _ => None,
    }
}

/// `expr` as a call of `name` on something.
fn method<'a>(expr: &'a Expr, name: &str) -> Option<&'a ExprMethodCall> {
    match expr {
        Expr::MethodCall(m) if m.method == name => Some(m),
        _ => None,
    }
}

fn is_value(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(p) if p.path.is_ident("value"))
}

/// A closure body's message: `"m".to_string()` is `("m", false)`;
/// `format!("m: {}", e)` and `format!("m: {e}")` (the closure's argument
/// appended) are `("m", true)`. Anything else is `None`.
fn message(body: &Expr) -> Option<(String, bool)> {
    let body = match body {
        Expr::Block(b) if b.block.stmts.len() == 1 => match &b.block.stmts[0] {
            Stmt::Expr(e, None) => e,
            _ => return None,
        },
        e => e,
    };
    if let Some(to_string) = method(body, "to_string")
        && to_string.args.is_empty()
        && let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &*to_string.receiver
    {
        return Some((text.value(), false));
    }
    let Expr::Macro(m) = body else {
        return None;
    };
    if !m.mac.path.is_ident("format") {
        return None;
    }
    let args = m
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated);
    let args = args.ok()?;
    let template = match args.first()? {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(t),
            ..
        }) => t.value(),
        _ => return None,
    };
    let head = match args.len() {
        // `format!("m: {e}")`: the closure's argument by name.
        1 => template
            .strip_suffix("}")
            .and_then(|t| t.rsplit_once(": {"))
            .filter(|(_, name)| name.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .map(|(head, _)| head)?,
        // `format!("m: {}", s)`.
        2 => template.strip_suffix(": {}")?,
        _ => return None,
    };
    (!head.contains(['{', '}'])).then(|| (head.to_owned(), true))
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    /// The output also without the trailing commas prettyplease adds to
    /// long argument lists.
    fn run(src: &str) -> (usize, String) {
        let (n, out) = crate::regen::builders::run_pass(src, apply);
        (n, out.replace(",)", ")"))
    }

    #[test]
    fn the_four_shapes_become_one_call_each_with_the_same_messages() {
        let (n, out) = run(r#"
            impl<'a> UserList<'a> {
                pub fn limit<V>(mut self, value: V) -> Self where V: std::convert::TryInto<i64> {
                    self.limit = value
                        .try_into()
                        .map(Some)
                        .map_err(|_| "conversion to `i64` for limit failed".to_string());
                    self
                }
                pub fn id<V>(mut self, value: V) -> Self where V: std::convert::TryInto<String> {
                    self.id = value.try_into().map_err(|_| {
                        "conversion to `String` for id failed".to_string()
                    });
                    self
                }
                pub fn body<V>(mut self, value: V) -> Self
                where
                    V: std::convert::TryInto<types::UserPost>,
                    <V as std::convert::TryInto<types::UserPost>>::Error: std::fmt::Display,
                {
                    self.body = value
                        .try_into()
                        .map(From::from)
                        .map_err(|s| format!("conversion to `UserPost` for body failed: {}", s));
                    self
                }
                pub fn filter<V>(mut self, value: V) -> Self
                where V: crate::filter::IntoFilters<crate::filter::V2>,
                {
                    self.filter = value
                        .into_filters_for(&super::FILTER_FIELDS[3usize])
                        .map(Some)
                        .map_err(|e| format!("invalid filter: {e}"));
                    self
                }
            }
            impl Thing {
                pub fn expiry<T>(mut self, value: T) -> Self
                where T: ::std::convert::TryInto<::std::option::Option<u64>>, T::Error: ::std::fmt::Display,
                {
                    self.expiry = value
                        .try_into()
                        .map_err(|e| format!("error converting supplied value for expiry: {e}"));
                    self
                }
            }
        "#);
        assert_eq!(n, 5, "{out}");
        for wanted in [
            r#"self.limit=crate::setter::optional(value,"conversionto`i64`forlimitfailed");"#,
            r#"self.id=crate::setter::required(value,"conversionto`String`foridfailed");"#,
            r#"self.body=crate::setter::converted(value,"conversionto`UserPost`forbodyfailed");"#,
            r#"self.filter=crate::filter::argument(value,&super::FILTER_FIELDS[3usize]);"#,
            r#"self.expiry=crate::setter::converted(value,"errorconvertingsuppliedvalueforexpiry");"#,
        ] {
            assert!(out.contains(wanted), "missing {wanted} in\n{out}");
        }
        assert!(!out.contains("map_err"), "{out}");
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let (n, _) = run(r#"
            impl Thing {
                pub fn a<V>(mut self, value: V) -> Self {
                    self.a = value.try_into().map(Some).map_err(|e| e.to_string());
                    self
                }
                pub fn b<F>(mut self, f: F) -> Self {
                    self.b = self.b.map(f);
                    self
                }
                pub fn c<V>(mut self, value: V) -> Self {
                    self.c = value.try_into().map_err(|e| format!("{e} {e}"));
                    self
                }
            }
        "#);
        assert_eq!(n, 0);
    }
}
