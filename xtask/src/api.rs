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

    /// File name of the PowerShell SDK lineage's spec in
    /// `../shared/reference/`.
    pub fn reference_file(self) -> &'static str {
        match self {
            Api::V2 => "jumpcloud-v2.swagger.json",
            Api::V1 => "jumpcloud-v1.swagger.json",
            Api::Insights => "jumpcloud-directory-insights.swagger.json",
        }
    }

    /// Where JumpCloud's documentation site publishes the spec.
    pub fn upstream_url(self) -> &'static str {
        match self {
            Api::V2 => "https://docs.jumpcloud.com/api/2.0/index.yaml",
            Api::V1 => "https://docs.jumpcloud.com/api/1.0/index.yaml",
            Api::Insights => "https://docs.jumpcloud.com/api/insights/directory/1.0/index.yaml",
        }
    }

    /// The stem JumpCloud's PowerShell SDK gives its spec files
    /// (`SwaggerSpecs/JumpCloud.SDK.<stem>.json`).
    fn sdk_stem(self) -> &'static str {
        match self {
            Api::V2 => "V2",
            Api::V1 => "V1",
            Api::Insights => "DirectoryInsights",
        }
    }

    /// The stem of the documentation-site copies in
    /// `../shared/reference/docs-site/` (`<stem>.<YYYY-MM>.yaml`).
    fn docs_site_stem(self) -> &'static str {
        match self {
            Api::V2 => "jumpcloud-v2",
            Api::V1 => "jumpcloud-v1",
            Api::Insights => "jumpcloud-directory-insights",
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
        self.generated_in(&root.join("jumpcloud-api"))
    }

    /// Where this API's `types` module is generated (crate `jumpcloud-api-types`).
    pub fn generated_types(self, root: &Path) -> PathBuf {
        self.generated_in(&root.join("jumpcloud-api").join("types"))
    }

    /// `<crate_dir>/src/generated/<api>.rs`.
    fn generated_in(self, crate_dir: &Path) -> PathBuf {
        crate_dir
            .join("src")
            .join("generated")
            .join(format!("{}.rs", self.name()))
    }
}

/// One of the two lines in which JumpCloud publishes each API's spec, in
/// the order the import prefers them: an operation comes from the first
/// lineage that defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lineage {
    /// The Swagger 2.0 specs JumpCloud's PowerShell SDK keeps
    /// (TheJumpCloud/jcapi-powershell, `SwaggerSpecs/`), updated about
    /// monthly: the newest.
    PowerShell,
    /// The OpenAPI 3.0 specs of the documentation site
    /// (docs.jumpcloud.com/api/…/index.yaml).
    DocsSite,
}

impl Lineage {
    /// In priority order.
    pub const ALL: [Lineage; 2] = [Lineage::PowerShell, Lineage::DocsSite];

    /// As `openapi/provenance.json`, `--from` and the `x-jumpcloud-source`
    /// extension name it.
    pub fn name(self) -> &'static str {
        match self {
            Lineage::PowerShell => "powershell-sdk",
            Lineage::DocsSite => "docs-site",
        }
    }

    pub fn from_name(name: &str) -> Option<Lineage> {
        Lineage::ALL.into_iter().find(|l| l.name() == name)
    }

    /// What a component of this lineage gets appended to its name when the
    /// name is taken in the union (see `import::union`).
    pub fn suffix(self) -> &'static str {
        match self {
            Lineage::PowerShell => "PowerShellSdk",
            Lineage::DocsSite => "DocsSite",
        }
    }

    /// Where the lineage publishes `api`'s spec. The PowerShell SDK's
    /// specs are `SwaggerSpecs/JumpCloud.SDK.{V2,V1,DirectoryInsights}.json`
    /// on the default branch (`master`) of TheJumpCloud/jcapi-powershell,
    /// read raw (checked on 2026-12-06 against a snapshot of the
    /// repository: `master` is its default branch, and the three files
    /// there have the SHA-256 recorded for `../shared/reference/` in
    /// `openapi/provenance.json`).
    pub fn upstream_url(self, api: Api) -> String {
        match self {
            Lineage::PowerShell => format!(
                "https://raw.githubusercontent.com/TheJumpCloud/jcapi-powershell/master/SwaggerSpecs/JumpCloud.SDK.{}.json",
                api.sdk_stem()
            ),
            Lineage::DocsSite => api.upstream_url().to_string(),
        }
    }

    /// The copy of `api`'s spec in `reference` (`../shared/reference/`), if
    /// there is one: the PowerShell lineage's under its fixed name, the
    /// documentation site's newest `docs-site/<stem>.<date>.{yaml,json}`.
    pub fn reference_copy(self, api: Api, reference: &Path) -> Option<PathBuf> {
        match self {
            Lineage::PowerShell => {
                let path = reference.join(api.reference_file());
                path.is_file().then_some(path)
            }
            Lineage::DocsSite => {
                let dir = reference.join("docs-site");
                let prefix = format!("{}.", api.docs_site_stem());
                let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .ok()?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.is_file()
                            && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                                n.starts_with(&prefix)
                                    && (n.ends_with(".yaml") || n.ends_with(".json"))
                            })
                    })
                    .collect();
                found.sort();
                found.pop()
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The raw URLs of the PowerShell SDK's three specs, as the repository
    /// lays them out on its default branch.
    #[test]
    fn the_powershell_lineage_is_read_from_the_sdk_repository() {
        let base =
            "https://raw.githubusercontent.com/TheJumpCloud/jcapi-powershell/master/SwaggerSpecs";
        for (api, file) in [
            (Api::V2, "JumpCloud.SDK.V2.json"),
            (Api::V1, "JumpCloud.SDK.V1.json"),
            (Api::Insights, "JumpCloud.SDK.DirectoryInsights.json"),
        ] {
            assert_eq!(
                Lineage::PowerShell.upstream_url(api),
                format!("{base}/{file}")
            );
        }
    }
}
