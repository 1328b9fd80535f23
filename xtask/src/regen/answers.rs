//! Each builder's `decode` as one call of `jumpcloud_api::answer`, with the
//! operation's statuses, in place of progenitor's `match`.
//!
//! Why: progenitor writes a `match` on the status in an `async fn` for each
//! operation. The front end checks 495 such coroutines in `jumpcloud-api`,
//! and every crate that sends a request compiles its own. As a call, what
//! is left per operation is the list of statuses; the reading itself is one
//! generic function per kind of body, compiled once per answer type.
//!
//! The arms this knows: a success status whose body is JSON
//! (`ResponseValue::from_response`), JSON or empty (the bodies
//! [`super::prepare`] restores), none, or a byte stream; a documented error
//! status without a body (`Error::ErrorResponse` of an empty value); and
//! the final `_` (`Error::UnexpectedResponse`). All success statuses of one
//! operation must read the same way. Anything else keeps the `match`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Expr, Lit, Pat};

/// How a success body reads: the name of the `crate::answer` function.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Body {
    Json,
    JsonOrEmpty,
    Empty,
    Stream,
}

impl Body {
    fn function(self) -> &'static str {
        match self {
            Body::Json => "json",
            Body::JsonOrEmpty => "json_or_empty",
            Body::Empty => "empty",
            Body::Stream => "stream",
        }
    }
}

/// What one arm does.
enum Arm {
    Success(Body),
    Error,
    Unexpected,
}

/// The call that stands for `decode`, progenitor's `match` on the answer's
/// status; `None` when the `match` has an arm this does not know.
pub fn call(decode: &Expr) -> Option<TokenStream> {
    let Expr::Match(m) = decode else { return None };
    if squeezed(&m.expr) != "response.status().as_u16()" {
        return None;
    }
    let (mut body, mut success, mut errors) = (None, Vec::new(), Vec::new());
    let mut last_is_unexpected = false;
    for (i, arm) in m.arms.iter().enumerate() {
        if arm.guard.is_some() {
            return None;
        }
        let is_last = i + 1 == m.arms.len();
        match (&arm.pat, kind(&arm.body)?) {
            (Pat::Wild(_), Arm::Unexpected) if is_last => last_is_unexpected = true,
            (Pat::Lit(lit), Arm::Success(b)) => {
                if body.is_some_and(|known| known != b) {
                    return None;
                }
                body = Some(b);
                success.push(status(&lit.lit)?);
            }
            (Pat::Lit(lit), Arm::Error) => errors.push(status(&lit.lit)?),
            _ => return None,
        }
    }
    if !last_is_unexpected {
        return None;
    }
    let function = format_ident!("{}", body?.function());
    Some(quote! {
        crate::answer::#function(response, &[#(#success),*], &[#(#errors),*])
    })
}

/// A status pattern's number, written as progenitor writes it (`200u16`).
fn status(lit: &Lit) -> Option<proc_macro2::Literal> {
    let Lit::Int(int) = lit else { return None };
    let value: u16 = int.base10_parse().ok()?;
    Some(proc_macro2::Literal::u16_suffixed(value))
}

/// What an arm's body does, from its text (progenitor writes each as a
/// block, or an invisible group, around one expression).
fn kind(body: &Expr) -> Option<Arm> {
    let text = arm_text(body);
    let bare = text.as_str();
    Some(match bare {
        "ResponseValue::from_response(response).await" => Arm::Success(Body::Json),
        "Ok(ResponseValue::empty(response))" => Arm::Success(Body::Empty),
        "Ok(ResponseValue::stream(response))" => Arm::Success(Body::Stream),
        "Err(Error::ErrorResponse(ResponseValue::empty(response)))" => Arm::Error,
        "Err(Error::UnexpectedResponse(response))" => Arm::Unexpected,
        _ if bare.starts_with("crate::answer::json_or_empty_body::<")
            && bare.ends_with(">(response).await") =>
        {
            Arm::Success(Body::JsonOrEmpty)
        }
        _ => return None,
    })
}

/// A `match` arm's body as text without whitespace, out of the block
/// progenitor writes around it (prettyplease later drops the braces).
/// [`super::prepare`] reads arms with it too.
pub fn arm_text(body: &Expr) -> String {
    let text = squeezed(body);
    match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(bare) => bare.to_string(),
        None => text,
    }
}

/// `e` printed without whitespace.
fn squeezed(e: &Expr) -> String {
    quote!(#e).to_string().split_whitespace().collect()
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    /// The call for progenitor's `match` with these arms.
    fn call_of(arms: &[&str]) -> Option<String> {
        let src = format!("match response.status().as_u16() {{ {} }}", arms.concat());
        let e: Expr = syn::parse_str(&src).expect("test input parses");
        call(&e).map(|t| t.to_string().split_whitespace().collect())
    }

    const JSON: &str = "200u16 => ResponseValue::from_response(response).await,";
    const NOT_FOUND: &str = "404u16 => Err(Error::ErrorResponse(ResponseValue::empty(response))),";
    const UNEXPECTED: &str = "_ => Err(Error::UnexpectedResponse(response)),";

    #[test]
    fn each_kind_of_answer_is_one_call_with_its_statuses() {
        // progenitor writes an arm's body as a block too.
        let in_block = "201u16 => { ResponseValue::from_response(response).await }";
        assert_eq!(
            call_of(&[JSON, in_block, NOT_FOUND, UNEXPECTED]).as_deref(),
            Some("crate::answer::json(response,&[200u16,201u16],&[404u16])")
        );
        assert_eq!(
            call_of(&["204u16 => Ok(ResponseValue::empty(response)),", UNEXPECTED]).as_deref(),
            Some("crate::answer::empty(response,&[204u16],&[])")
        );
        let restored = "crate::answer::json_or_empty_body::<types::Gizmo>(response).await,";
        assert_eq!(
            call_of(&["200u16 => ", restored, "204u16 => ", restored, UNEXPECTED]).as_deref(),
            Some("crate::answer::json_or_empty(response,&[200u16,204u16],&[])")
        );
        assert_eq!(
            call_of(&[
                "200u16 => Ok(ResponseValue::stream(response)),",
                NOT_FOUND,
                UNEXPECTED
            ])
            .as_deref(),
            Some("crate::answer::stream(response,&[200u16],&[404u16])")
        );
    }

    #[test]
    fn a_match_it_does_not_know_stays_a_match() {
        let two_kinds = "204u16 => Ok(ResponseValue::empty(response)),";
        assert_eq!(call_of(&[JSON, two_kinds, UNEXPECTED]), None);
        let typed_error =
            "400u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),";
        assert_eq!(call_of(&[JSON, typed_error, UNEXPECTED]), None);
        let range = "200u16..=299u16 => ResponseValue::from_response(response).await,";
        assert_eq!(call_of(&[range, UNEXPECTED]), None);
        // No final `_`.
        assert_eq!(call_of(&[JSON]), None);
    }
}
