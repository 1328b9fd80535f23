//! The three JumpCloud APIs and where each one's files live.

use std::path::{Path, PathBuf};

/// One of JumpCloud's APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Api {
    V2,
    V1,
    Insights,
}

impl Api {
    pub const ALL: [Api; 3] = [Api::V2, Api::V1, Api::Insights];

    /// Module, feature and file stem: `v2`, `v1`, `insights`.
    pub fn name(self) -> &'static str {
        match self {
            Api::V2 => "v2",
            Api::V1 => "v1",
            Api::Insights => "insights",
        }
    }

    /// The `jumpcloud_api::Api` variant.
    pub fn variant(self) -> &'static str {
        match self {
            Api::V2 => "V2",
            Api::V1 => "V1",
            Api::Insights => "Insights",
        }
    }

    /// The `info.title` of the project's document.
    pub fn title(self) -> &'static str {
        match self {
            Api::V2 => "JumpCloud API v2",
            Api::V1 => "JumpCloud API v1",
            Api::Insights => "JumpCloud Directory Insights API",
        }
    }

    /// The path the API is served under; JumpCloud's spec declares it as
    /// `basePath` (Swagger 2.0) or in its server URL (OpenAPI 3.0).
    pub fn base_path(self) -> &'static str {
        match self {
            Api::V2 => "/api/v2",
            Api::V1 => "/api",
            Api::Insights => "/insights/directory/v1",
        }
    }

    /// File name of JumpCloud's spec in `../shared/reference/`.
    pub fn reference_file(self) -> &'static str {
        match self {
            Api::V2 => "jumpcloud-v2.swagger.json",
            Api::V1 => "jumpcloud-v1.swagger.json",
            Api::Insights => "jumpcloud-directory-insights.swagger.json",
        }
    }

    /// Where JumpCloud publishes the spec.
    pub fn upstream_url(self) -> &'static str {
        match self {
            Api::V2 => "https://docs.jumpcloud.com/api/2.0/index.yaml",
            Api::V1 => "https://docs.jumpcloud.com/api/1.0/index.yaml",
            Api::Insights => "https://docs.jumpcloud.com/api/insights/directory/1.0/index.yaml",
        }
    }

    pub fn document(self, root: &Path) -> PathBuf {
        root.join("openapi")
            .join(format!("jumpcloud-{}.json", self.name()))
    }

    pub fn overlays(self, root: &Path) -> PathBuf {
        root.join("openapi").join("overlays").join(self.name())
    }

    pub fn generated(self, root: &Path) -> PathBuf {
        root.join("jumpcloud-api")
            .join("src")
            .join("generated")
            .join(format!("{}.rs", self.name()))
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The APIs a command works on.
pub fn selected(api: Option<Api>) -> Vec<Api> {
    match api {
        Some(api) => vec![api],
        None => Api::ALL.to_vec(),
    }
}
