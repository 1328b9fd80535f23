//! System Insights tables: `GET /api/v2/systeminsights/{table}` for every table the v2
//! document lists, as bare arrays with `x-total-count`, `limit` up to 10,000 (default 10),
//! `skip`, `sort` and the tables' filter dialect (`eq`, `in` with `|`, `gte`).

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::{AppState, Scoped};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::listing::Dialect;
use crate::fake::state::lock;

/// Every System Insights table of the v2 document (`/systeminsights/{table}`). A test
/// checks this list against `openapi/jumpcloud-v2.json`.
pub(crate) const TABLES: [&str; 60] = [
    "alf",
    "alf_exceptions",
    "alf_explicit_auths",
    "appcompat_shims",
    "apps",
    "authorized_keys",
    "azure_instance_metadata",
    "azure_instance_tags",
    "battery",
    "bitlocker_info",
    "browser_plugins",
    "certificates",
    "chassis_info",
    "chrome_extensions",
    "connectivity",
    "crashes",
    "cups_destinations",
    "disk_encryption",
    "disk_info",
    "dns_resolvers",
    "etc_hosts",
    "firefox_addons",
    "groups",
    "ie_extensions",
    "interface_addresses",
    "interface_details",
    "kernel_info",
    "launchd",
    "linux_packages",
    "logged_in_users",
    "logical_drives",
    "managed_policies",
    "mounts",
    "os_version",
    "patches",
    "programs",
    "python_packages",
    "safari_extensions",
    "scheduled_tasks",
    "secureboot",
    "services",
    "shadow",
    "shared_folders",
    "shared_resources",
    "sharing_preferences",
    "sip_config",
    "startup_items",
    "system_controls",
    "system_info",
    "tpm_info",
    "uptime",
    "usb_devices",
    "user_groups",
    "user_ssh_keys",
    "userassist",
    "users",
    "wifi_networks",
    "wifi_status",
    "windows_security_center",
    "windows_security_products",
];

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/systeminsights/{table}", get(list))
}

fn v2(e: ApiError) -> ApiError {
    e.style(ErrorStyle::MessageCode)
}

async fn list(req: Scoped, Path(table): Path<String>) -> ApiResult<Response> {
    if !TABLES.contains(&table.as_str()) {
        return Err(v2(ApiError::not_found(format!(
            "unknown System Insights table {table:?}"
        ))));
    }
    let q = req.list_query(Dialect::Insights).map_err(v2)?;
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| v2(ApiError::not_found(e.to_string())))?;
    let rows = org
        .insights
        .get(&table)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let page = q.run(rows.iter(), "system_id");
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", page.total.into());
    Ok((headers, Json(page.items)).into_response())
}
