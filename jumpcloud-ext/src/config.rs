//! Where the client connects and the defaults it uses.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;

use crate::error::Error;

/// The user agent sent unless the builder is given another.
pub const DEFAULT_USER_AGENT: &str = concat!("jumpcloud-rs/", env!("CARGO_PKG_VERSION"));

/// How long opening a connection may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one attempt (request and response body) may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long before its expiry a cached access token is replaced by default.
pub const DEFAULT_TOKEN_SKEW: Duration = Duration::from_secs(60);

/// The OAuth scope requested for service accounts by default.
pub const DEFAULT_SCOPE: &str = "api";

const US_CONSOLE: &str = "https://console.jumpcloud.com";
const US_API: &str = "https://api.jumpcloud.com";
const US_TOKEN: &str = "https://admin-oauth.id.jumpcloud.com/oauth2/token";
const EU_CONSOLE: &str = "https://console.eu.jumpcloud.com";
const EU_API: &str = "https://api.eu.jumpcloud.com";
const EU_TOKEN: &str = "https://admin-oauth.id.eu.jumpcloud.com/oauth2/token";

/// The JumpCloud deployment an organisation lives in.
///
/// An organisation exists in exactly one region and its credentials work
/// only there, so the region decides every base URL and the token endpoint.
///
/// ```
/// use jumpcloud_ext::Region;
///
/// let eu = Region::Eu.endpoints();
/// assert_eq!(eu.v1(), "https://console.eu.jumpcloud.com/api");
/// let local = Region::custom("http://127.0.0.1:8080")?.endpoints();
/// assert_eq!(local.insights(), "http://127.0.0.1:8080/insights/directory/v1");
/// # Ok::<(), jumpcloud_ext::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// The US deployment (`console.jumpcloud.com`).
    #[default]
    Us,
    /// The EU deployment (`console.eu.jumpcloud.com`).
    Eu,
    /// Any other server exposing JumpCloud's routes (a proxy, a fake for
    /// tests); made with [`Region::custom`].
    Custom(BaseUrl),
}

impl Region {
    /// A region served entirely from `base_url`: the APIs under `/api/v2`,
    /// `/api` and `/insights/directory/v1`, the token endpoint at
    /// `/oauth2/token`. Plain `http` is accepted only for loopback hosts.
    pub fn custom(base_url: &str) -> Result<Self, Error> {
        BaseUrl::parse(base_url).map(Region::Custom)
    }

    /// The base URL of every API and the token endpoint for this region.
    pub fn endpoints(&self) -> Endpoints {
        match self {
            Region::Us => Endpoints::hosted(US_CONSOLE, US_API, US_TOKEN),
            Region::Eu => Endpoints::hosted(EU_CONSOLE, EU_API, EU_TOKEN),
            Region::Custom(base) => {
                let b = base.as_str();
                Endpoints {
                    v2: format!("{b}/api/v2"),
                    v1: format!("{b}/api"),
                    insights: format!("{b}/insights/directory/v1"),
                    token: format!("{b}/oauth2/token"),
                }
            }
        }
    }
}

impl FromStr for Region {
    type Err = Error;

    /// Parses `us` or `eu` (any case), as in `JUMPCLOUD_REGION`.
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            _ => Err(Error::config(
                "unknown region: expected `us` or `eu` (use a base URL for anything else)",
            )),
        }
    }
}

/// A validated base URL for [`Region::Custom`]: `https`, or `http` on a
/// loopback host, with no credentials, query or fragment, and no trailing `/`.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates and normalises `url`.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let parsed = validate_url(url, "base URL")?;
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(Error::config(
                "base URL must not have a query or a fragment",
            ));
        }
        Ok(BaseUrl(parsed.as_str().trim_end_matches('/').to_owned()))
    }

    /// The URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.0).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Base URLs of the three APIs and the OAuth token endpoint of a region
/// (one API may be moved elsewhere with the builder's `v2_url`, `v1_url` or
/// `insights_url`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    v2: String,
    v1: String,
    insights: String,
    token: String,
}

impl Endpoints {
    fn hosted(console: &str, api: &str, token: &str) -> Self {
        Endpoints {
            v2: format!("{console}/api/v2"),
            v1: format!("{console}/api"),
            insights: format!("{api}/insights/directory/v1"),
            token: token.to_owned(),
        }
    }

    /// Base URL of API v2, e.g. `https://console.jumpcloud.com/api/v2`.
    pub fn v2(&self) -> &str {
        &self.v2
    }

    /// Base URL of API v1, e.g. `https://console.jumpcloud.com/api`.
    pub fn v1(&self) -> &str {
        &self.v1
    }

    /// Base URL of Directory Insights, e.g.
    /// `https://api.jumpcloud.com/insights/directory/v1`.
    pub fn insights(&self) -> &str {
        &self.insights
    }

    /// The OAuth 2.0 token endpoint for service accounts.
    pub fn token(&self) -> &str {
        &self.token
    }
    /// These endpoints with one API served from `url` instead (already
    /// validated with [`BaseUrl::parse`]).
    pub(crate) fn with_base(mut self, api: jumpcloud_api::Api, url: &BaseUrl) -> Self {
        let url = url.as_str().to_owned();
        match api {
            jumpcloud_api::Api::V2 => self.v2 = url,
            jumpcloud_api::Api::V1 => self.v1 = url,
            jumpcloud_api::Api::Insights => self.insights = url,
        }
        self
    }
}

/// Parses `url` and checks it is safe to send credentials to: `https`, or
/// `http` only on loopback, and no user info. Error messages never quote the
/// URL, which could carry credentials.
pub(crate) fn validate_url(url: &str, what: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url.trim())
        .map_err(|e| Error::config(format!("{what} is not a valid URL: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(format!(
            "{what} must not contain a user name or password"
        )));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(Error::config(format!(
                "{what} must use https (plain http is allowed only for loopback hosts)"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "{what} has unsupported scheme `{other}`: use https"
            )));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!("{what} has no host")));
    }
    Ok(parsed)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn hosted_regions() {
        let us = Region::Us.endpoints();
        assert_eq!(us.v2(), "https://console.jumpcloud.com/api/v2");
        assert_eq!(us.v1(), "https://console.jumpcloud.com/api");
        assert_eq!(
            us.insights(),
            "https://api.jumpcloud.com/insights/directory/v1"
        );
        assert_eq!(
            us.token(),
            "https://admin-oauth.id.jumpcloud.com/oauth2/token"
        );
        let eu = Region::Eu.endpoints();
        assert_eq!(eu.v2(), "https://console.eu.jumpcloud.com/api/v2");
        assert_eq!(eu.v1(), "https://console.eu.jumpcloud.com/api");
        assert_eq!(
            eu.insights(),
            "https://api.eu.jumpcloud.com/insights/directory/v1"
        );
        assert_eq!(
            eu.token(),
            "https://admin-oauth.id.eu.jumpcloud.com/oauth2/token"
        );
    }

    #[test]
    fn custom_base_url() {
        let r = Region::custom("http://127.0.0.1:8080/").unwrap();
        let e = r.endpoints();
        assert_eq!(e.v2(), "http://127.0.0.1:8080/api/v2");
        assert_eq!(e.v1(), "http://127.0.0.1:8080/api");
        assert_eq!(e.insights(), "http://127.0.0.1:8080/insights/directory/v1");
        assert_eq!(e.token(), "http://127.0.0.1:8080/oauth2/token");

        let e = Region::custom("https://proxy.example.com/jc")
            .unwrap()
            .endpoints();
        assert_eq!(e.v2(), "https://proxy.example.com/jc/api/v2");

        for ok in ["http://localhost:1", "http://[::1]:9", "http://127.1.2.3"] {
            assert!(Region::custom(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn custom_base_url_rejections() {
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "not a url",
            "https://user:pw@example.com",
            "https://example.com/?q=1",
            "https://example.com/#x",
        ] {
            let err = Region::custom(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
    }

    #[test]
    fn region_from_str() {
        assert_eq!("US".parse::<Region>().unwrap(), Region::Us);
        assert_eq!(" eu ".parse::<Region>().unwrap(), Region::Eu);
        assert!("in".parse::<Region>().is_err());
    }

    #[test]
    fn user_agent_has_version() {
        assert_eq!(
            DEFAULT_USER_AGENT,
            format!("jumpcloud-rs/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}
