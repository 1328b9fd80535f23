//! Calling any operation by name with JSON arguments.
//!
//! Every generated module has `Client::call_json(operation, args)`, written
//! by `cargo xtask regen`: it builds the operation's ordinary builder from a
//! JSON object (each path, query and header parameter under its name in the
//! document, the request body under `"body"`), sends it with the builder's
//! own `send()` through the client's hooks, and returns the decoded answer
//! as JSON again. It is for code that learns the operation at run time — a
//! connector that maps actions to calls, a contract test that calls every
//! operation — without giving up the typed wire code or the transport.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{Api, BoxFuture, Operation, Request};
use progenitor_client::ResponseValue;

/// Why a JSON call could not be made, or what went wrong making it.
///
/// Argument errors never quote the value that did not fit (it may be a
/// password in a request body); they name the argument and the type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No operation of the API has this operation id or method name.
    #[error("{api} has no operation `{operation}`")]
    UnknownOperation {
        /// The API searched.
        api: Api,
        /// The name given.
        operation: String,
    },
    /// The operation exists, but its area was not compiled in: enable the
    /// cargo feature named.
    #[error(
        "{operation} is in the {area} area, which this build leaves out: enable the cargo feature `{area}`"
    )]
    NotCompiled {
        /// The operation id.
        operation: &'static str,
        /// The area, whose name is the feature to enable.
        area: crate::Area,
    },
    /// The arguments are not a JSON object (or `null` for none).
    #[error("the arguments of {operation} must be a JSON object, not {found}")]
    NotAnObject {
        /// The operation id.
        operation: &'static str,
        /// The JSON kind given instead (`array`, `string`, …).
        found: &'static str,
    },
    /// An argument the operation does not take (a misspelt name, say).
    #[error("{operation} takes no argument `{argument}` (it takes: {expected})")]
    UnexpectedArgument {
        /// The operation id.
        operation: &'static str,
        /// The name given.
        argument: String,
        /// The names it takes, comma-separated.
        expected: String,
    },
    /// A required parameter is absent.
    #[error("{operation} needs the argument `{argument}`")]
    MissingArgument {
        /// The operation id.
        operation: &'static str,
        /// The parameter's name in the document (`body` for the body).
        argument: &'static str,
    },
    /// An argument's JSON does not deserialise into the parameter's type.
    #[error("argument `{argument}` of {operation} does not fit type {expected}: {reason}")]
    ArgumentType {
        /// The operation id.
        operation: &'static str,
        /// The parameter's name in the document (`body` for the body).
        argument: &'static str,
        /// The Rust type it must fit.
        expected: &'static str,
        /// serde's reason, with the offending value left out.
        reason: String,
    },
    /// The request was built and sent; this is what the builder's `send()`
    /// returned (an error status, an undecodable answer, a transport error).
    #[error("{operation}: {source}")]
    Send {
        /// The operation id.
        operation: &'static str,
        /// The generated client's error (boxed: it is large).
        #[source]
        source: Box<progenitor_client::Error<()>>,
    },
    /// The answer is a file that is not UTF-8 text (an image, an archive):
    /// it has no faithful JSON form, so instead of a string with replaced
    /// bytes the call returns it here, whole ([`CallError::into_file`]).
    /// The operation's typed builder returns such files as bytes.
    #[error(
        "the answer of {operation} is a file of {} bytes{} that is not UTF-8 text, so it has no JSON form: take it from this error (`into_file`) or call the operation's builder, which returns bytes",
        file.len(),
        content_type.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()
    )]
    NotText {
        /// The operation id.
        operation: &'static str,
        /// The answer's `Content-Type`, when it had one.
        content_type: Option<String>,
        /// The file, exactly as received.
        file: FileBytes,
    },
    /// The decoded answer could not be written back as JSON (a map with
    /// non-string keys, say); never expected of JumpCloud's types.
    #[error("the answer of {operation} cannot be written as JSON: {reason}")]
    Encode {
        /// The operation id.
        operation: &'static str,
        /// serde's reason.
        reason: String,
    },
}

/// The bytes of a file answer, whole. `Debug` shows only their length: a
/// logo or an export in a log line helps no one.
#[derive(Clone, PartialEq, Eq)]
pub struct FileBytes(pub bytes::Bytes);

impl FileBytes {
    /// How many bytes the file has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileBytes({} bytes)", self.0.len())
    }
}

impl CallError {
    /// The generated client's error, when the request was sent.
    pub fn send_error(&self) -> Option<&progenitor_client::Error<()>> {
        match self {
            CallError::Send { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }

    /// The file of a [`CallError::NotText`] answer, exactly as received.
    pub fn into_file(self) -> Result<bytes::Bytes, CallError> {
        match self {
            CallError::NotText { file, .. } => Ok(file.0),
            other => Err(other),
        }
    }

    /// Converts into the generated client's error, when the request was
    /// sent (to hand to code that expects what `send()` returns).
    pub fn into_send_error(self) -> Result<progenitor_client::Error<()>, CallError> {
        match self {
            CallError::Send { source, .. } => Ok(*source),
            other => Err(other),
        }
    }
}

/// The operation `name` (operation id or method name) of `table`.
#[doc(hidden)]
pub fn lookup(
    table: &'static [Operation],
    api: Api,
    name: &str,
) -> Result<&'static Operation, CallError> {
    let op = table
        .iter()
        .find(|op| op.id == name || op.rust_method == name)
        .ok_or_else(|| CallError::UnknownOperation {
            api,
            operation: name.to_string(),
        })?;
    if !op.is_compiled() {
        return Err(CallError::NotCompiled {
            operation: op.id,
            area: op.area,
        });
    }
    Ok(op)
}

/// The arguments of one JSON call, checked against the names the operation
/// takes. Used by the generated `from_json` constructors.
#[doc(hidden)]
pub struct Args<'v> {
    operation: &'static Operation,
    map: Option<&'v Map<String, Value>>,
}

impl<'v> Args<'v> {
    /// `args` must be an object (or `null`) whose keys are all in `names`.
    pub fn new(
        operation: &'static Operation,
        args: &'v Value,
        names: &[&str],
    ) -> Result<Self, CallError> {
        let map = match args {
            Value::Null => None,
            Value::Object(map) => Some(map),
            other => {
                return Err(CallError::NotAnObject {
                    operation: operation.id,
                    found: kind(other),
                });
            }
        };
        if let Some(unknown) = map
            .into_iter()
            .flat_map(|m| m.keys())
            .find(|k| !names.contains(&k.as_str()))
        {
            return Err(CallError::UnexpectedArgument {
                operation: operation.id,
                argument: unknown.clone(),
                expected: names.join(", "),
            });
        }
        Ok(Args { operation, map })
    }

    fn get(&self, name: &'static str, required: bool) -> Result<Option<&'v Value>, CallError> {
        match self.map.and_then(|m| m.get(name)) {
            Some(Value::Null) | None if required => Err(CallError::MissingArgument {
                operation: self.operation.id,
                argument: name,
            }),
            None => Ok(None),
            Some(v) => Ok(Some(v)),
        }
    }

    fn decode<T: DeserializeOwned>(
        &self,
        name: &'static str,
        value: &Value,
    ) -> Result<T, CallError> {
        T::deserialize(value).map_err(|e| CallError::ArgumentType {
            operation: self.operation.id,
            argument: name,
            expected: std::any::type_name::<T>(),
            reason: redact(&e.to_string()),
        })
    }

    /// Sets a builder field from the argument `name`, if given.
    pub fn set<T: DeserializeOwned>(
        &self,
        slot: &mut Result<T, String>,
        name: &'static str,
        required: bool,
    ) -> Result<(), CallError> {
        if let Some(value) = self.get(name, required)? {
            *slot = Ok(self.decode(name, value)?);
        }
        Ok(())
    }

    /// Sets the body field from `"body"`, read as `B` (the body type) and
    /// converted into what the field holds (typify's builder, for objects).
    pub fn set_body<B: DeserializeOwned, S: From<B>>(
        &self,
        slot: &mut Result<S, String>,
        required: bool,
    ) -> Result<(), CallError> {
        if let Some(value) = self.get("body", required)? {
            *slot = Ok(S::from(self.decode::<B>("body", value)?));
        }
        Ok(())
    }
}

/// What `call_json` returns: the answer as JSON, or why there is none.
pub type JsonCall<'a> = BoxFuture<'a, Result<ResponseValue<Value>, CallError>>;

/// The call of a builder made by `from_json`, boxed: `call_json` has a
/// branch per operation, and a boxed future per branch keeps its own frame
/// small (an inline future per branch overflows the stack in debug builds).
#[doc(hidden)]
pub fn boxed<'a, R>(built: Result<R, CallError>) -> JsonCall<'a>
where
    R: Request + 'a,
    R::Response: Serialize,
{
    match built {
        Ok(request) => Box::pin(send_json(request)),
        Err(e) => failed(e),
    }
}

/// [`boxed`] for an operation whose answer is a file, not JSON: a file
/// that is UTF-8 text comes back as one JSON string; any other file is
/// [`CallError::NotText`], which holds its exact bytes (a JSON string of it
/// would replace the bytes that are not UTF-8). The typed builder returns
/// the bytes themselves.
#[doc(hidden)]
pub fn boxed_bytes<'a, R>(built: Result<R, CallError>) -> JsonCall<'a>
where
    R: Request<Response = crate::ByteStream> + 'a,
{
    match built {
        Ok(request) => Box::pin(send_bytes(request)),
        Err(e) => failed(e),
    }
}

/// Sends a builder whose answer is a file: its text as a JSON string, or
/// [`CallError::NotText`] with the bytes when it is not UTF-8.
async fn send_bytes<R>(request: R) -> Result<ResponseValue<Value>, CallError>
where
    R: Request<Response = crate::ByteStream>,
{
    use futures::TryStreamExt;
    let operation = R::operation().id;
    let (stream, status, headers) = send(request).await?;
    let bytes = stream
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| {
            all.extend_from_slice(&chunk);
            futures::future::ready(Ok(all))
        })
        .await
        // The body broke off while it was read: what `send()` reports for
        // a JSON answer that does so.
        .map_err(|e| sent(operation, progenitor_client::Error::ResponseBodyError(e)))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(ResponseValue::new(Value::String(text), status, headers)),
        Err(e) => Err(CallError::NotText {
            operation,
            content_type: headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            file: FileBytes(e.into_bytes().into()),
        }),
    }
}

/// The answer of a builder's `send()` taken apart: body, status, headers.
type Sent<T> = (T, reqwest::StatusCode, reqwest::header::HeaderMap);

/// Sends a builder (the one place a JSON call meets the wire), its error
/// named after the operation.
async fn send<R: Request>(request: R) -> Result<Sent<R::Response>, CallError> {
    let response = request
        .send()
        .await
        .map_err(|source| sent(R::operation().id, source))?;
    let (status, headers) = (response.status(), response.headers().clone());
    Ok((response.into_inner(), status, headers))
}

fn sent(operation: &'static str, source: progenitor_client::Error<()>) -> CallError {
    CallError::Send {
        operation,
        source: Box::new(source),
    }
}

/// A `call_json` that fails before anything is sent.
#[doc(hidden)]
pub fn failed<'a>(error: CallError) -> JsonCall<'a> {
    Box::pin(std::future::ready(Err(error)))
}

/// Sends a builder and writes its answer as JSON.
pub async fn send_json<R>(request: R) -> Result<ResponseValue<Value>, CallError>
where
    R: Request,
    R::Response: Serialize,
{
    let operation = R::operation().id;
    let (response, status, headers) = send(request).await?;
    let body = serde_json::to_value(response).map_err(|e| CallError::Encode {
        operation,
        reason: e.to_string(),
    })?;
    Ok(ResponseValue::new(body, status, headers))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde's message without the value it quotes: `invalid type: string
/// "hunter2", expected i64` becomes `invalid type: string, expected i64`.
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    // A quoted value follows `string ` or `variant ` in serde's wording;
    // the quote is `"` (invalid type/value) or a backtick (unknown variant).
    while let Some(at) = rest.find(['"', '`']) {
        let quote = rest[at..].chars().next().unwrap_or('"');
        let before = &rest[..at];
        let Some(len) = rest[at + 1..].find(quote) else {
            break;
        };
        let value_follows = before.ends_with("string ")
            || before.ends_with("variant ")
            || before.ends_with("character ");
        if value_follows {
            out.push_str(before.trim_end());
        } else {
            out.push_str(&rest[..at + len + 2]);
        }
        rest = &rest[at + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn redact_leaves_out_values() {
        assert_eq!(
            redact(r#"invalid type: string "hunter2", expected i64"#),
            "invalid type: string, expected i64"
        );
        assert_eq!(
            redact("unknown variant `s3cret`, expected one of `a`, `b`"),
            "unknown variant, expected one of `a`, `b`"
        );
        assert_eq!(redact("missing field `name`"), "missing field `name`");
        assert_eq!(
            redact("invalid type: integer `5`, expected a string"),
            "invalid type: integer `5`, expected a string"
        );
    }

    /// An area this build compiles (lookups refuse the others).
    const COMPILED: crate::Area = {
        let mut i = 0;
        let mut found = crate::Area::Directory;
        while i < crate::Area::ALL.len() {
            if crate::Area::ALL[i].is_compiled() {
                found = crate::Area::ALL[i];
                break;
            }
            i += 1;
        }
        found
    };

    static OP: Operation = Operation {
        api: Api::V2,
        id: "Thing_Get",
        rust_method: "thing_get",
        http_method: "GET",
        path: "/things/{id}",
        org_header: true,
        effect: crate::Effect::Read,
        area: COMPILED,
        source: crate::Source::Unlisted,
        paging: None,
        filter: None,
    };

    #[test]
    fn arguments_are_checked_by_name_and_type() {
        let args = serde_json::json!({"id": "abc", "limit": "ten"});
        let a = Args::new(&OP, &args, &["id", "limit"]).unwrap();
        let mut id: Result<String, String> = Err("unset".into());
        a.set(&mut id, "id", true).unwrap();
        assert_eq!(id, Ok("abc".to_string()));
        let mut limit: Result<Option<i64>, String> = Ok(None);
        let err = a.set(&mut limit, "limit", false).unwrap_err();
        assert!(matches!(
            err,
            CallError::ArgumentType {
                argument: "limit",
                ..
            }
        ));
        assert!(!err.to_string().contains("ten"), "{err}");
        assert!(err.to_string().contains("Option<i64>"), "{err}");
        let mut skip: Result<Option<i64>, String> = Ok(None);
        a.set(&mut skip, "skip", false).unwrap();
        assert_eq!(skip, Ok(None));
        let err = a.set(&mut skip, "skip", true).unwrap_err();
        assert!(matches!(
            err,
            CallError::MissingArgument {
                argument: "skip",
                ..
            }
        ));

        let bad = serde_json::json!({"idd": "abc"});
        let err = Args::new(&OP, &bad, &["id"]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "Thing_Get takes no argument `idd` (it takes: id)"
        );
        let err = Args::new(&OP, &serde_json::json!([1]), &["id"])
            .err()
            .unwrap();
        assert!(matches!(
            err,
            CallError::NotAnObject {
                found: "an array",
                ..
            }
        ));
        assert!(Args::new(&OP, &Value::Null, &["id"]).is_ok());
    }

    #[test]
    #[cfg(any(
        feature = "directory",
        feature = "system-insights",
        feature = "mdm",
        feature = "directory-sync",
        feature = "providers",
        feature = "directory-insights"
    ))]
    fn operations_are_found_by_id_or_method_name() {
        let table: &'static [Operation] = std::slice::from_ref(&OP);
        assert_eq!(
            lookup(table, Api::V2, "Thing_Get").unwrap().rust_method,
            "thing_get"
        );
        assert_eq!(lookup(table, Api::V2, "thing_get").unwrap().id, "Thing_Get");
        let err = lookup(table, Api::V2, "Nothing").unwrap_err();
        assert_eq!(err.to_string(), "v2 has no operation `Nothing`");
    }
}

/// A call by name of an operation whose area is left out of the build is
/// refused before anything is sent; run by `cargo xtask features --test`.
#[cfg(all(test, feature = "directory", not(feature = "system-insights")))]
#[allow(clippy::unwrap_used)]
mod area_left_out {
    use super::*;

    #[test]
    fn names_the_feature_to_enable() {
        let err = lookup(crate::v2::OPERATIONS, Api::V2, "system_insight_alf_list").unwrap_err();
        assert!(
            matches!(
                err,
                CallError::NotCompiled {
                    area: crate::Area::SystemInsights,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("`system-insights`"), "{err}");
        assert!(lookup(crate::v2::OPERATIONS, Api::V2, "user_group_list").is_ok());
    }
}
