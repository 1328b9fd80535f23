//! The one error type of the crate.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use jumpcloud_api::Operation;

use crate::retry::{self, Cause, Failure};

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Largest body excerpt quoted in an error, in bytes.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// What went wrong, broadly. Finer detail is in [`Error`]'s accessors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client is misconfigured (no credentials, bad URL, bad header value).
    Config,
    /// Credentials could not be used: the token endpoint refused them or
    /// could not be reached, or it answered something unusable.
    Auth,
    /// The API answered with a status that is not a success; see
    /// [`Error::status`].
    Http,
    /// No answer arrived: connection refused or reset, TLS failure, timeout.
    Transport,
    /// A success answer whose body could not be decoded.
    Decode,
    /// Answers that decode but do not fit together: a listing that sends
    /// the same next-page position twice, say.
    Protocol,
    /// The request could not be built from the arguments given.
    InvalidRequest,
    /// A lookup by name matched nothing of that kind; [`Error::detail`]
    /// says the kind, the field and the name. An HTTP 404 stays
    /// [`ErrorKind::Http`]: [`Error::is_not_found`] answers for both.
    NotFound,
    /// A lookup by name matched several objects; [`Error::detail`] lists
    /// them with their ids, to pick one by id instead.
    Ambiguous,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Config => "configuration error",
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Http => "HTTP error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Decode => "malformed response",
            ErrorKind::Protocol => "inconsistent answers",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::NotFound => "not found",
            ErrorKind::Ambiguous => "ambiguous name",
        })
    }
}

/// An error from a JumpCloud call or from building a client.
///
/// It says which operation failed (method and path template, never a query
/// string or credential), the HTTP status, JumpCloud's message when the body
/// had one, a bounded excerpt of bodies that could not be understood, how
/// many attempts were made and any `Retry-After`. `.run()` ([`Run`](crate::Run))
/// returns it from every call; a generated `send()`'s error converts with `?`
/// or `Error::from`.
///
/// ```no_run
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> jumpcloud_ext::Result<()> {
/// # #[cfg(feature = "directory")]
/// use jumpcloud_ext::Run;
/// match jc.v2().group_list().run().await {
///     Ok(groups) => println!("{} groups", groups.len()),
///     Err(e) if e.is_rate_limited() => println!("slow down: {:?}", e.retry_after()),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
///
/// Clones are cheap enough for errors and share the underlying cause.
#[derive(Clone, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<Inner>);

#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", shown(self))]
struct Inner {
    kind: ErrorKind,
    status: Option<StatusCode>,
    message: Option<String>,
    operation: Option<&'static Operation>,
    method: Option<Method>,
    request_path: Option<String>,
    retry_after: Option<Duration>,
    /// The failed answer's headers, `set-cookie` left out.
    headers: Option<http::HeaderMap>,
    attempts: Option<u32>,
    body_excerpt: Option<String>,
    page: Option<String>,
    /// What the credentials and the request were, for 401 and 403 answers
    /// and credential failures; never a secret.
    hint: Option<String>,
    /// How a `reqwest` failure was classified, for transport errors.
    cause: Option<Cause>,
    #[source]
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
    /// What the failure was about, as typed data (see [`ErrorDetail`]);
    /// shared, so clones stay cheap however large a report is.
    detail: Option<Arc<ErrorDetail>>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind);
        if let Some(s) = i.status {
            d.field("status", &s.as_u16());
        }
        if let Some(m) = &i.message {
            d.field("message", m);
        }
        if let Some(op) = i.operation {
            d.field("api", &op.api.name()).field("operation", &op.id);
        }
        if let Some(m) = &i.method {
            d.field("method", &m.as_str());
        }
        if let Some(p) = self.path_template() {
            d.field("path", &p);
        }
        if let Some(r) = i.retry_after {
            d.field("retry_after", &r);
        }
        if let Some(a) = i.attempts {
            d.field("attempts", &a);
        }
        if let Some(b) = &i.body_excerpt {
            d.field("body", b);
        }
        if let Some(p) = &i.page {
            d.field("page", p);
        }
        if let Some(h) = &i.hint {
            d.field("hint", h);
        }
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        if let Some(detail) = &i.detail {
            d.field("detail", detail);
        }
        d.finish()
    }
}

fn describe(i: &Inner) -> String {
    let mut out = String::new();
    if let Some(m) = &i.method {
        out.push_str(m.as_str());
        out.push(' ');
    }
    if let Some(op) = i.operation.filter(|op| !op.path.is_empty()) {
        out.push_str(op.path);
        out.push_str(&format!(" ({} {})", op.api, op.id));
        out.push_str(": ");
    } else if !out.is_empty() {
        out.push_str("request: ");
    }
    match (i.kind, i.status) {
        (ErrorKind::Http, Some(s)) => out.push_str(&format!("HTTP {s}")),
        (kind, _) => out.push_str(&kind.to_string()),
    }
    if let Some(m) = &i.message {
        out.push_str(": ");
        out.push_str(m);
    } else if let Some(b) = &i.body_excerpt {
        out.push_str(&format!("; body: {b:?}"));
    }
    if let Some(r) = i.retry_after {
        out.push_str(&format!("; retry after {} s", r.as_secs_f64().ceil()));
    }
    if let Some(a) = i.attempts.filter(|a| *a > 1) {
        out.push_str(&format!(" (after {a} attempts)"));
    }
    if let Some(h) = &i.hint {
        out.push_str(&format!(" ({h})"));
    }
    if let Some(p) = &i.page {
        out.push_str(&format!(" [page at {p}]"));
    }
    out
}

impl Error {
    fn new(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            status: None,
            message: None,
            operation: None,
            method: None,
            request_path: None,
            retry_after: None,
            headers: None,
            attempts: None,
            body_excerpt: None,
            page: None,
            hint: None,
            cause: None,
            source: None,
            detail: None,
        }))
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config).with_message(message)
    }

    /// The server's answers do not fit together (a paging loop, say).
    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol).with_message(message)
    }

    pub(crate) fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Auth).with_message(message)
    }

    /// A request this crate refuses before sending it (a graph relation the
    /// document does not define, say).
    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest).with_message(message)
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.message = Some(message.into());
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.0.status = Some(status);
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// Says which credential, host and organisation header a refused
    /// request used (see [`hint`](Self::hint)); kept if one is set already.
    pub(crate) fn or_hint(mut self, hint: impl FnOnce() -> String) -> Self {
        if self.0.hint.is_none() {
            self.0.hint = Some(hint());
        }
        self
    }

    /// A transport failure from `reqwest`, with the URL stripped (its query
    /// may hold personal data).
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        let cause = Cause::of(&err);
        let kind = match cause {
            Cause::Builder => ErrorKind::InvalidRequest,
            Cause::Decode => ErrorKind::Decode,
            _ => ErrorKind::Transport,
        };
        let mut e = Self::new(kind).with_message(cause.describe());
        e.0.cause = Some(cause);
        e.0.status = err.status();
        e.with_source(err.without_url())
    }

    /// An HTTP error from a response whose body is known.
    pub(crate) fn from_http_parts(
        status: StatusCode,
        headers: &http::HeaderMap,
        body: Option<&[u8]>,
        truncated: bool,
    ) -> Self {
        let mut e = Self::new(ErrorKind::Http).with_status(status);
        e.0.retry_after = retry::retry_after(headers, SystemTime::now());
        let mut kept = headers.clone();
        kept.remove(http::header::SET_COOKIE);
        e.0.headers = Some(kept);
        if let Some(body) = body {
            e.0.message = parse_message(body);
            if !body.is_empty() {
                e.0.body_excerpt = Some(excerpt(body, truncated));
            }
        }
        e
    }

    /// Says which request failed, and after how many attempts.
    pub(crate) fn with_context(mut self, ctx: ResponseContext) -> Self {
        self.0.operation = Some(ctx.operation);
        self.0.method = Some(ctx.method);
        self.0.request_path = Some(ctx.path);
        self.0.attempts = Some(ctx.attempts);
        self.0.hint = ctx.hint;
        self
    }

    /// How many attempts were made before a failure without an answer.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = Some(attempts);
        self
    }

    /// A [`TransportError`](jumpcloud_api::TransportError): this crate's
    /// own error as it was, another transport's as a transport failure.
    pub(crate) fn from_transport(err: jumpcloud_api::TransportError) -> Self {
        match err.downcast::<Error>() {
            Ok(e) => *e,
            Err(other) => {
                let mut e = Self::new(ErrorKind::Transport).with_message(other.to_string());
                e.0.source = Some(Arc::from(other));
                e
            }
        }
    }

    /// Names the operation when the error does not already (a credential
    /// failure met before the request was sent, say).
    pub(crate) fn or_operation(mut self, operation: &'static Operation) -> Self {
        if self.0.operation.is_none() {
            self.0.operation = Some(operation);
            if self.0.method.is_none() {
                self.0.method = Method::from_bytes(operation.http_method.as_bytes()).ok();
            }
        }
        self
    }

    /// Marks where in a paged listing the failure happened.
    pub(crate) fn at_page(mut self, position: String) -> Self {
        self.0.page = Some(position);
        self
    }

    /// Where in a paged listing the failed page started (`skip 200`, a
    /// cursor, a page token), for errors from a pagination stream.
    pub fn page_position(&self) -> Option<&str> {
        self.0.page.as_deref()
    }

    /// The broad category.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The HTTP status, when an answer arrived (from the API, or from the
    /// token endpoint for [`ErrorKind::Auth`]).
    pub fn status(&self) -> Option<StatusCode> {
        self.0.status
    }

    /// JumpCloud's own explanation, parsed from the body's `message` (or
    /// `error`, `error_description`, `code`, `status`) when there was one.
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The operation that failed, when known.
    pub fn operation(&self) -> Option<&'static Operation> {
        self.0.operation
    }

    /// The HTTP method of the failed request, when known.
    pub fn method(&self) -> Option<&Method> {
        self.0.method.as_ref()
    }

    /// The path template of the failed operation, e.g. `/usergroups/{id}`.
    pub fn path_template(&self) -> Option<&'static str> {
        self.0.operation.map(|op| op.path).filter(|p| !p.is_empty())
    }

    /// The concrete request path (identifiers filled in, no query string).
    pub fn request_path(&self) -> Option<&str> {
        self.0.request_path.as_deref()
    }

    /// The wait the server asked for with `Retry-After`, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The headers of the failed answer (a request id to quote to
    /// JumpCloud's support, say), without `set-cookie`.
    pub fn headers(&self) -> Option<&http::HeaderMap> {
        self.0.headers.as_ref()
    }

    /// How many times the request was sent, when known.
    pub fn attempts(&self) -> Option<u32> {
        self.0.attempts
    }

    /// The start (at most [`BODY_EXCERPT_LIMIT`] bytes) of a body that
    /// came with the error, for bodies that could not be understood.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.0.body_excerpt.as_deref()
    }

    /// The object does not exist (or is in another organisation): a 404
    /// answer, or a lookup by name that matched nothing
    /// ([`ErrorKind::NotFound`]).
    pub fn is_not_found(&self) -> bool {
        self.0.kind == ErrorKind::NotFound || self.status_is(StatusCode::NOT_FOUND)
    }

    /// The status is 429: too many requests.
    pub fn is_rate_limited(&self) -> bool {
        self.status_is(StatusCode::TOO_MANY_REQUESTS)
    }

    /// The status is 409: the object already exists or changed meanwhile.
    pub fn is_conflict(&self) -> bool {
        self.status_is(StatusCode::CONFLICT)
    }

    /// Credentials were refused or could not be obtained: a 401 or 403
    /// answer, or an [`ErrorKind::Auth`] failure.
    pub fn is_auth(&self) -> bool {
        self.0.kind == ErrorKind::Auth
            || self.status_is(StatusCode::UNAUTHORIZED)
            || self.status_is(StatusCode::FORBIDDEN)
    }

    /// For a 401 or 403 answer or a credential failure: which kind of
    /// credential was used (API key, service account, System Context), the
    /// host it went to, and whether an `x-org-id` header was sent, e.g.
    /// `API key at console.jumpcloud.com, x-org-id sent`. Never a secret.
    /// It is also the end of the error's `Display`.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }

    /// The attempt timed out.
    pub fn is_timeout(&self) -> bool {
        self.0.cause == Some(Cause::Timeout)
    }

    /// No connection could be opened.
    pub fn is_connect(&self) -> bool {
        self.0.cause == Some(Cause::Connect)
    }

    /// Whether trying again later may succeed: a 408, 429, 502, 503 or 504
    /// answer, a timeout, or a connection that failed or broke. It is the
    /// rule the default [`RetryPolicy`](crate::RetryPolicy) retries by, so
    /// such an error has already been retried per the client's policy.
    pub fn is_retryable(&self) -> bool {
        let failure = match (self.0.kind, self.0.status, self.0.cause) {
            (ErrorKind::Http, Some(status), _) => Failure::Status {
                status,
                retry_after: self.0.retry_after,
            },
            (ErrorKind::Transport, _, Some(cause)) => Failure::from_cause(cause),
            _ => return false,
        };
        failure.is_transient()
    }

    fn status_is(&self, status: StatusCode) -> bool {
        self.0.kind == ErrorKind::Http && self.0.status == Some(status)
    }
}

/// What is known of a failed request beside its answer, for its error.
#[derive(Clone, Debug)]
pub(crate) struct ResponseContext {
    pub(crate) operation: &'static Operation,
    pub(crate) method: Method,
    /// Request path without the query string.
    pub(crate) path: String,
    pub(crate) attempts: u32,
    /// For 401 and 403 answers: see [`Error::hint`].
    pub(crate) hint: Option<String>,
}

impl From<reqwest::Response> for Error {
    /// Converts an answer whose status the operation does not document,
    /// from its status and headers: this never reads from the network.
    fn from(resp: reqwest::Response) -> Self {
        Error::from_http_parts(resp.status(), resp.headers(), None, false)
    }
}

impl From<reqwest::Error> for Error {
    fn from(err: reqwest::Error) -> Self {
        Error::from_reqwest(err)
    }
}

impl<E> From<jumpcloud_api::Error<E>> for Error {
    fn from(err: jumpcloud_api::Error<E>) -> Self {
        use jumpcloud_api::Error as Api;
        match err {
            Api::InvalidRequest(msg) => Error::new(ErrorKind::InvalidRequest).with_message(msg),
            Api::CommunicationError(e) | Api::InvalidUpgrade(e) | Api::ResponseBodyError(e) => {
                Error::from_reqwest(e)
            }
            Api::ErrorResponse(rv) => {
                Error::from_http_parts(rv.status(), rv.headers(), None, false)
            }
            Api::InvalidResponsePayload(body, source) => {
                let mut e = Error::new(ErrorKind::Decode)
                    .with_message(format!("could not decode the response body: {source}"));
                if !body.is_empty() {
                    e.0.body_excerpt = Some(excerpt(&body, false));
                }
                e.with_source(source)
            }
            Api::UnexpectedResponse(resp) => Error::from(resp),
            // A transport's failure, as text: this crate's `.run()` never
            // meets it (it keeps its own errors typed), so it is another
            // transport's, and nothing says what kind it was.
            Api::Custom(msg) => Error::new(ErrorKind::Transport).with_message(msg),
        }
    }
}

/// JumpCloud's explanation from an error body, parsed leniently.
pub(crate) fn parse_message(body: &[u8]) -> Option<String> {
    const MAX: usize = 1024;
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let found = match &value {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Object(map) => {
            let error = map.get("error");
            let nested = error
                .and_then(|e| e.as_object())
                .and_then(|o| o.get("message"))
                .and_then(text);
            map.get("message")
                .and_then(text)
                .or(nested)
                .or_else(|| {
                    let err = error.and_then(text)?;
                    Some(match map.get("error_description").and_then(text) {
                        Some(d) => format!("{err}: {d}"),
                        None => err,
                    })
                })
                .or_else(|| map.get("error_description").and_then(text))
                .or_else(|| map.get("msg").and_then(text))
                .or_else(|| map.get("detail").and_then(text))
                .or_else(|| {
                    let code = map.get("code").and_then(text);
                    let status = map.get("status").and_then(text);
                    match (code, status) {
                        (Some(c), Some(s)) if c != s => Some(format!("{s} ({c})")),
                        (Some(c), _) => Some(c),
                        (None, s) => s,
                    }
                })
        }
        _ => None,
    }?;
    Some(truncate(found.as_bytes(), MAX, false))
}

/// The first [`BODY_EXCERPT_LIMIT`] bytes of `body` as text, cut on a
/// character boundary, marked when cut.
pub(crate) fn excerpt(body: &[u8], truncated: bool) -> String {
    truncate(body, BODY_EXCERPT_LIMIT, truncated)
}

/// At most `max` bytes of `text` (lossily decoded), never splitting a UTF-8
/// character, with `…` appended when anything was cut here or before
/// (`truncated`). The one truncation rule for messages and excerpts.
pub(crate) fn truncate(text: &[u8], max: usize, truncated: bool) -> String {
    let mut cut = text.len().min(max);
    if cut < text.len() {
        // Step back over UTF-8 continuation bytes so no character is split.
        let mut back = 0;
        while back < 3 && cut > 0 && text[cut] & 0b1100_0000 == 0b1000_0000 {
            cut -= 1;
            back += 1;
        }
    }
    let mut out = String::from_utf8_lossy(&text[..cut]).into_owned();
    if cut < text.len() || truncated {
        out.push('…');
    }
    out
}

/// What a failure was about, as typed data, for the failures that have
/// more to say than a status: a name that matched nothing or several
/// objects, a bulk job or a command that failed part way, a filter or a
/// graph request refused before sending. Read it with [`Error::detail`];
/// the [`Error`] around it keeps its kind, status and message, so the
/// `is_*` questions answer as for any other failure.
///
/// ```no_run
/// use jumpcloud_ext::prelude::*;
///
/// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
/// match jc.find::<UserGroup>("Contractors").await {
///     Ok(group) => println!("{}", group.node),
///     Err(e) if e.is_ambiguous() => {
///         if let Some(ErrorDetail::Ambiguous { candidates, .. }) = e.detail() {
///             for c in candidates {
///                 println!("pick one by id: {c}");
///             }
///         }
///     }
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ErrorDetail {
    /// Nothing of that kind has that name (with [`ErrorKind::NotFound`]).
    #[cfg(feature = "directory")]
    #[non_exhaustive]
    NotFound {
        /// The kind of object looked up.
        kind: crate::graph::Kind,
        /// The field(s) compared (`username`, `hostname or displayName`, …).
        field: &'static str,
        /// The name asked for.
        value: String,
    },
    /// More than one object has that name; pass an id instead (with
    /// [`ErrorKind::Ambiguous`]).
    #[cfg(feature = "directory")]
    #[non_exhaustive]
    Ambiguous {
        /// The kind of object looked up.
        kind: crate::graph::Kind,
        /// The field(s) compared.
        field: &'static str,
        /// The name asked for.
        value: String,
        /// The first [`MAX_CANDIDATES`](crate::find::MAX_CANDIDATES)
        /// matches, with their ids.
        candidates: Vec<crate::find::Candidate>,
        /// How many matched in all (as far as the lookup read).
        count: usize,
    },
    /// A bulk user job failed: which job, the jobs already accepted and the
    /// rows' outcomes so far. The error's kind and status are the failed
    /// request's (or `InvalidRequest` for rows refused before sending).
    #[cfg(feature = "directory")]
    Bulk(crate::jobs::BulkFailure),
    /// A command failed: which command and run, and which systems had
    /// answered. The error's kind and status are the failed request's (or
    /// `InvalidRequest` for a refusal before sending).
    #[cfg(feature = "directory")]
    Command(crate::jobs::CommandFailure),
    /// A filter refused before sending (with [`ErrorKind::InvalidRequest`]).
    Filter(jumpcloud_api::filter::FilterError),
    /// The operation asked for (by name, or behind a graph question) is in
    /// an API area this build leaves out: enable the cargo feature
    /// [`area.name()`](jumpcloud_api::Area::name) (with
    /// [`ErrorKind::InvalidRequest`]; see [`Error::feature_to_enable`]).
    #[non_exhaustive]
    NotCompiled {
        /// The operation id.
        operation: &'static str,
        /// Its area, named as the cargo feature that compiles it.
        area: jumpcloud_api::Area,
    },
    /// A graph request the document's tables refuse before sending (with
    /// [`ErrorKind::InvalidRequest`]).
    #[cfg(feature = "directory")]
    Graph(jumpcloud_api::graph::GraphError),
    /// A declared organisation file (or its plan) has problems: every one
    /// found, each with its file, line and name, all reported before any
    /// write (with [`ErrorKind::InvalidRequest`]).
    #[cfg(feature = "org")]
    Declared(Vec<crate::org::Problem>),
    /// An application logo upload refused before sending (with
    /// [`ErrorKind::InvalidRequest`]): empty, too large, a file name or an
    /// id that cannot be sent.
    #[cfg(feature = "directory")]
    Logo(crate::logo::LogoError),
}

impl fmt::Display for ErrorDetail {
    /// What the detail says by itself, without the failure it came with.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "directory")]
            ErrorDetail::NotFound { kind, field, value } => {
                write!(f, "no {kind} has {field} {value:?}")
            }
            #[cfg(feature = "directory")]
            ErrorDetail::Ambiguous {
                kind,
                field,
                value,
                candidates,
                count,
            } => {
                write!(f, "{count} {kind}s have {field} {value:?}: ")?;
                for (i, c) in candidates.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c}")?;
                }
                if *count > candidates.len() {
                    f.write_str(", …")?;
                }
                Ok(())
            }
            #[cfg(feature = "directory")]
            ErrorDetail::Bulk(b) => f.write_str(&b.describe(None)),
            #[cfg(feature = "directory")]
            ErrorDetail::Command(c) => f.write_str(&c.describe(None)),
            ErrorDetail::Filter(e) => fmt::Display::fmt(e, f),
            ErrorDetail::NotCompiled { operation, area } => write!(
                f,
                "{operation} is in the {area} area, which this build leaves out: \
                 enable the cargo feature `{area}` of jumpcloud-ext"
            ),
            #[cfg(feature = "directory")]
            ErrorDetail::Graph(e) => fmt::Display::fmt(e, f),
            #[cfg(feature = "org")]
            ErrorDetail::Declared(problems) => {
                write!(f, "{} problem(s) in the declared state", problems.len())?;
                problems.iter().try_for_each(|p| write!(f, "\n  {p}"))
            }
            #[cfg(feature = "directory")]
            ErrorDetail::Logo(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// An error's text: a lookup or filter refusal reads as its detail alone
/// (it says everything), a bulk job or command failure frames the failed
/// request's text with the job or command, and the rest read as
/// [`describe`] has them.
fn shown(i: &Inner) -> String {
    let Some(detail) = i.detail.as_deref() else {
        return describe(i);
    };
    match detail {
        #[cfg(feature = "directory")]
        ErrorDetail::NotFound { .. } | ErrorDetail::Ambiguous { .. } => detail.to_string(),
        ErrorDetail::Filter(e) => e.to_string(),
        ErrorDetail::NotCompiled { .. } => detail.to_string(),
        #[cfg(feature = "directory")]
        ErrorDetail::Graph(_) | ErrorDetail::Logo(_) => describe(i),
        #[cfg(feature = "org")]
        ErrorDetail::Declared(_) => detail.to_string(),
        #[cfg(feature = "directory")]
        ErrorDetail::Bulk(b) => b.describe(Some(&describe(i))),
        #[cfg(feature = "directory")]
        ErrorDetail::Command(c) => c.describe(Some(&describe(i))),
    }
}

impl Error {
    /// What the failure was about, as typed data, when there is more to
    /// say than a status (see [`ErrorDetail`]): the name a lookup missed,
    /// an ambiguous name's candidates, a failed bulk job's report, a failed
    /// command's systems, a refused filter or graph request.
    pub fn detail(&self) -> Option<&ErrorDetail> {
        self.0.detail.as_deref()
    }

    /// A lookup by name matched several objects ([`ErrorKind::Ambiguous`]);
    /// [`detail`](Self::detail) lists them.
    pub fn is_ambiguous(&self) -> bool {
        self.0.kind == ErrorKind::Ambiguous
    }

    /// The cargo feature to enable when the operation asked for is in an
    /// API area this build leaves out (`"directory-sync"`, say; see
    /// [`ErrorDetail::NotCompiled`]).
    pub fn feature_to_enable(&self) -> Option<&'static str> {
        match self.detail()? {
            ErrorDetail::NotCompiled { area, .. } => Some(area.name()),
            _ => None,
        }
    }

    /// The request was refused before sending ([`ErrorKind::InvalidRequest`]):
    /// an argument that cannot be sent, an empty name, a filter or graph
    /// request the documents rule out, bulk rows without their key.
    pub fn is_invalid_request(&self) -> bool {
        self.0.kind == ErrorKind::InvalidRequest
    }

    /// A lookup's answer (kind [`ErrorKind::NotFound`] or
    /// [`ErrorKind::Ambiguous`]) with `detail` as message and detail.
    #[cfg(feature = "directory")]
    pub(crate) fn lookup(kind: ErrorKind, detail: ErrorDetail) -> Self {
        Self::new(kind)
            .with_message(detail.to_string())
            .with_detail(detail)
    }

    /// Attaches what the failure was about, keeping kind, status and
    /// message: a bulk job or command wraps the failed request's error so.
    pub(crate) fn with_detail(mut self, detail: ErrorDetail) -> Self {
        self.0.detail = Some(Arc::new(detail));
        self
    }
}

/// A filter refused before sending: kind `InvalidRequest`, the filter's
/// text as message, and the [`FilterError`](jumpcloud_api::filter::FilterError)
/// as [`detail`](Error::detail) and as source, so `?` works on filter
/// builders in functions returning [`Result`].
impl From<jumpcloud_api::filter::FilterError> for Error {
    fn from(e: jumpcloud_api::filter::FilterError) -> Self {
        Error::invalid_request(e.to_string())
            .with_source(e.clone())
            .with_detail(ErrorDetail::Filter(e))
    }
}

/// A graph request the tables refuse: kind `InvalidRequest`, the refusal's
/// text as message, and the [`GraphError`](jumpcloud_api::graph::GraphError)
/// as [`detail`](Error::detail) and as source.
#[cfg(feature = "directory")]
impl From<jumpcloud_api::graph::GraphError> for Error {
    fn from(e: jumpcloud_api::graph::GraphError) -> Self {
        if let jumpcloud_api::graph::GraphError::NotCompiled { operation, area } = e {
            return not_compiled(operation, area).with_source(e);
        }
        Error::invalid_request(e.to_string())
            .with_source(e.clone())
            .with_detail(ErrorDetail::Graph(e))
    }
}

/// An operation of an area this build leaves out: kind `InvalidRequest`,
/// with the feature to enable in the message and the detail.
fn not_compiled(operation: &'static str, area: jumpcloud_api::Area) -> Error {
    let detail = ErrorDetail::NotCompiled { operation, area };
    Error::invalid_request(detail.to_string()).with_detail(detail)
}

/// A JSON call by operation name (`call_json`): a request that was sent
/// fails as its `send()` would, with the same kinds and status; a file
/// answer that is not text is `Decode`; arguments that do not fit are
/// `InvalidRequest`; each with the [`CallError`](jumpcloud_api::CallError)
/// as source.
impl From<jumpcloud_api::CallError> for Error {
    fn from(e: jumpcloud_api::CallError) -> Self {
        if let jumpcloud_api::CallError::NotCompiled { operation, area } = e {
            return not_compiled(operation, area).with_source(e);
        }
        if matches!(e, jumpcloud_api::CallError::NotText { .. }) {
            // Sent and answered, but the file has no JSON form (the
            // `CallError` holds its bytes, for a caller that keeps it).
            return Error::new(ErrorKind::Decode)
                .with_message(e.to_string())
                .with_source(e);
        }
        match e.into_send_error() {
            Ok(sent) => Error::from(sent),
            Err(refused) => Error::invalid_request(refused.to_string()).with_source(refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::HeaderMap;

    #[test]
    fn an_area_left_out_names_its_feature() {
        let call = jumpcloud_api::CallError::NotCompiled {
            operation: "LdapServers_List",
            area: jumpcloud_api::Area::DirectorySync,
        };
        let e = Error::from(call);
        assert!(e.is_invalid_request());
        assert_eq!(e.feature_to_enable(), Some("directory-sync"));
        assert!(e.to_string().contains("`directory-sync`"), "{e}");
        assert!(Error::invalid_request("x").feature_to_enable().is_none());
    }

    #[test]
    fn parses_messages_leniently() {
        let m = |s: &str| parse_message(s.as_bytes());
        assert_eq!(
            m(r#"{"message":"Not found"}"#).as_deref(),
            Some("Not found")
        );
        assert_eq!(
            m(r#"{"error":"boom","message":"first"}"#).as_deref(),
            Some("first")
        );
        assert_eq!(m(r#"{"error":"boom"}"#).as_deref(), Some("boom"));
        assert_eq!(
            m(r#"{"error":{"message":"nested"}}"#).as_deref(),
            Some("nested")
        );
        assert_eq!(
            m(r#"{"error":"invalid_client","error_description":"bad secret"}"#).as_deref(),
            Some("invalid_client: bad secret")
        );
        assert_eq!(m(r#"{"code":409}"#).as_deref(), Some("409"));
        assert_eq!(
            m(r#"{"code":"E1","status":"Conflict"}"#).as_deref(),
            Some("Conflict (E1)")
        );
        assert_eq!(m(r#""plain""#).as_deref(), Some("plain"));
        assert_eq!(m(r#"{"message":""}"#), None);
        assert_eq!(m("<html>502</html>"), None);
        assert_eq!(m(""), None);
        let long = format!(r#"{{"message":"{}"}}"#, "é".repeat(2000));
        let got = m(&long).unwrap();
        assert!(got.len() <= 1024 + '…'.len_utf8());
    }

    #[test]
    fn excerpt_is_bounded_and_char_safe() {
        let body = "é".repeat(1000); // 2000 bytes, 2-byte chars
        let e = excerpt(body.as_bytes(), false);
        assert!(e.ends_with('…'));
        assert!(e.len() <= BODY_EXCERPT_LIMIT + '…'.len_utf8());
        assert!(!e.contains('\u{FFFD}'));
        let odd = format!("a{}", "€".repeat(400)); // shifts boundaries
        let e = excerpt(odd.as_bytes(), false);
        assert!(!e.contains('\u{FFFD}'));
        assert_eq!(excerpt(b"short", false), "short");
        assert_eq!(excerpt(b"short", true), "short…");
        assert_eq!(excerpt(&[0xff, b'a'], false), "\u{FFFD}a");
    }

    #[test]
    fn http_errors_and_helpers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        let e = Error::from_http_parts(
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            Some(br#"{"message":"slow down"}"#),
            false,
        );
        assert!(e.is_rate_limited() && e.is_retryable() && !e.is_auth());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.message(), Some("slow down"));
        assert_eq!(
            e.to_string(),
            "HTTP 429 Too Many Requests: slow down; retry after 3 s"
        );

        let h = HeaderMap::new();
        let e = Error::from_http_parts(StatusCode::NOT_FOUND, &h, Some(b"nope"), false);
        assert!(e.is_not_found() && !e.is_retryable());
        assert_eq!(e.message(), None);
        assert_eq!(e.body_excerpt(), Some("nope"));
        assert!(e.to_string().contains("body: \"nope\""), "{e}");

        assert!(Error::from_http_parts(StatusCode::CONFLICT, &h, None, false).is_conflict());
        assert!(Error::from_http_parts(StatusCode::FORBIDDEN, &h, None, false).is_auth());
        assert!(Error::auth("x").is_auth());
        assert!(!Error::config("x").is_auth());
        assert_eq!(Error::config("x").kind(), ErrorKind::Config);
    }

    #[test]
    fn custom_maps_to_transport_and_payload_to_decode() {
        let e = Error::from(jumpcloud_api::Error::<()>::Custom("token refused".into()));
        assert_eq!(e.kind(), ErrorKind::Transport);
        assert_eq!(e.message(), Some("token refused"));

        let bad = serde_json::from_slice::<serde_json::Value>(b"{\"a\":").unwrap_err();
        let e = Error::from(jumpcloud_api::Error::<()>::InvalidResponsePayload(
            Bytes::from_static(b"{\"a\":"),
            bad,
        ));
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.body_excerpt(), Some("{\"a\":"));
        assert!(e.source().is_some());

        let e = Error::from(jumpcloud_api::Error::<()>::InvalidRequest("bad".into()));
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    }

    #[cfg(feature = "directory")]
    #[test]
    fn details_keep_the_cause_and_say_what_it_was_about() {
        use crate::jobs::{BulkFailure, BulkReport};
        let h = HeaderMap::new();
        let limited = Error::from_http_parts(StatusCode::TOO_MANY_REQUESTS, &h, None, false);
        let e = limited.with_detail(ErrorDetail::Bulk(BulkFailure {
            job_id: Some("j1".into()),
            submitted: Vec::new(),
            report: BulkReport::default(),
        }));
        assert!(e.is_rate_limited() && e.is_retryable() && !e.is_not_found());
        assert_eq!(e.kind(), ErrorKind::Http);
        assert!(
            matches!(e.detail(), Some(ErrorDetail::Bulk(b)) if b.job_id.as_deref() == Some("j1"))
        );
        assert_eq!(
            e.to_string(),
            "bulk user job j1: HTTP 429 Too Many Requests (0 of 0 rows final, 0 jobs accepted)"
        );
        assert!(format!("{e:?}").contains("detail"), "{e:?}");

        let missing = Error::lookup(
            ErrorKind::NotFound,
            ErrorDetail::NotFound {
                kind: crate::graph::Kind::User,
                field: "username",
                value: "ada".into(),
            },
        );
        assert!(missing.is_not_found() && !missing.is_invalid_request());
        assert_eq!(missing.to_string(), "no user has username \"ada\"");
        assert_eq!(missing.status(), None);

        let refused = Error::from(jumpcloud_api::graph::GraphError::InvalidChange {
            operation: "op",
            reason: "no".into(),
        });
        assert!(refused.is_invalid_request() && refused.source().is_some());
        assert!(matches!(refused.detail(), Some(ErrorDetail::Graph(_))));
        assert!(
            refused.to_string().starts_with("invalid request: "),
            "{refused}"
        );
    }

    #[test]
    fn a_filter_refusal_reads_as_itself() {
        let f = jumpcloud_api::filter::FilterError::Unsupported {
            dialect: jumpcloud_api::filter::FilterDialect::V1Search,
            reason: "an empty `or` group".into(),
        };
        let e = Error::from(f.clone());
        assert!(e.is_invalid_request());
        assert_eq!(e.to_string(), f.to_string());
        assert!(matches!(e.detail(), Some(ErrorDetail::Filter(d)) if *d == f));
    }
}
