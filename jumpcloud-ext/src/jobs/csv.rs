//! Bulk user rows from a CSV file: [`BulkInput::read_csv`].
//!
//! The columns are the scalar fields of JumpCloud's bulk user document
//! (`bulk-user-create` / `bulk-user-update` in the v2 document): a header
//! names them as the document does (`username`, `email`, `firstname`,
//! `jobTitle`, `unix_uid`, …), in any case and with or without `_`, `-` or
//! spaces (`First Name`, `job_title`). `attributes.NAME` columns become
//! custom attributes. A header that names anything else refuses the file,
//! since every row would lose that column; a row that cannot be read is
//! reported with its line number and skipped.

use std::io::Read;

use serde_json::{Map, Value};

use super::bulk::{BulkInput, BulkKind, BulkRow, InputRow, RowOutcome, RowStatus, RowUser};
use crate::error::{Error, Result};

/// How a column's cells are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    Text,
    /// `true`/`false`, `yes`/`no`, `1`/`0`, any case.
    Flag,
    /// A whole number.
    Number,
}

/// Which jobs a column belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Jobs {
    Both,
    Create,
    Update,
}

/// The scalar fields of `bulk-user-create` and `bulk-user-update`, as the
/// v2 document names and types them. The offline tests check this table
/// against the document.
const COLUMNS: &[(&str, Cell, Jobs)] = &[
    ("account_locked", Cell::Flag, Jobs::Both),
    ("activated", Cell::Flag, Jobs::Create),
    ("allow_public_key", Cell::Flag, Jobs::Both),
    ("alternateEmail", Cell::Text, Jobs::Both),
    ("company", Cell::Text, Jobs::Both),
    ("costCenter", Cell::Text, Jobs::Both),
    ("department", Cell::Text, Jobs::Both),
    ("description", Cell::Text, Jobs::Both),
    ("disableDeviceMaxLoginAttempts", Cell::Flag, Jobs::Both),
    ("displayname", Cell::Text, Jobs::Both),
    ("email", Cell::Text, Jobs::Both),
    ("employeeIdentifier", Cell::Text, Jobs::Both),
    ("employeeType", Cell::Text, Jobs::Both),
    ("enable_managed_uid", Cell::Flag, Jobs::Both),
    ("enable_user_portal_multifactor", Cell::Flag, Jobs::Both),
    ("external_dn", Cell::Text, Jobs::Both),
    ("external_password_expiration_date", Cell::Text, Jobs::Both),
    ("external_source_type", Cell::Text, Jobs::Both),
    ("externally_managed", Cell::Flag, Jobs::Both),
    ("firstname", Cell::Text, Jobs::Both),
    ("id", Cell::Text, Jobs::Update),
    ("jobTitle", Cell::Text, Jobs::Both),
    ("lastname", Cell::Text, Jobs::Both),
    ("ldap_binding_user", Cell::Flag, Jobs::Both),
    ("location", Cell::Text, Jobs::Both),
    ("managedAppleId", Cell::Text, Jobs::Both),
    ("manager", Cell::Text, Jobs::Both),
    ("middlename", Cell::Text, Jobs::Both),
    ("organization", Cell::Text, Jobs::Update),
    ("password", Cell::Text, Jobs::Both),
    ("password_never_expires", Cell::Flag, Jobs::Both),
    ("passwordless_sudo", Cell::Flag, Jobs::Both),
    ("public_key", Cell::Text, Jobs::Both),
    ("samba_service_user", Cell::Flag, Jobs::Both),
    ("state", Cell::Text, Jobs::Both),
    ("sudo", Cell::Flag, Jobs::Both),
    ("suspended", Cell::Flag, Jobs::Both),
    ("unix_guid", Cell::Number, Jobs::Both),
    ("unix_uid", Cell::Number, Jobs::Both),
    ("username", Cell::Text, Jobs::Both),
];

/// Prefix of custom attribute columns.
const ATTRIBUTE: &str = "attributes.";

fn applies(jobs: Jobs, kind: BulkKind) -> bool {
    match jobs {
        Jobs::Both => true,
        Jobs::Create => kind == BulkKind::Create,
        Jobs::Update => kind == BulkKind::Update,
    }
}

/// A header name compared loosely: lower case, without `_`, `-` or spaces.
fn loose(name: &str) -> String {
    let kept = name.chars().filter(|c| !matches!(c, '_' | '-' | ' '));
    kept.flat_map(char::to_lowercase).collect()
}

/// What one header column fills.
#[derive(Clone, Debug, PartialEq)]
enum Target {
    Field(&'static str, Cell),
    Attribute(String),
    /// A column without a name (spreadsheets add them): its cells must be
    /// empty.
    Unnamed(usize),
}

fn target(kind: BulkKind, name: &str) -> Option<Target> {
    let name = name.trim();
    let prefix = name.get(..ATTRIBUTE.len());
    if let (Some(prefix), Some(rest)) = (prefix, name.get(ATTRIBUTE.len()..))
        && prefix.eq_ignore_ascii_case(ATTRIBUTE)
        && !rest.trim().is_empty()
    {
        return Some(Target::Attribute(rest.trim().to_owned()));
    }
    let wanted = loose(name);
    COLUMNS
        .iter()
        .find(|(field, _, jobs)| applies(*jobs, kind) && loose(field) == wanted)
        .map(|(field, cell, _)| Target::Field(field, *cell))
}

impl<T: BulkRow> BulkInput<T> {
    /// The columns a CSV file may have for this kind of job, as the v2
    /// document names the fields (a header matches them in any case, with
    /// or without `_`, `-` or spaces), besides `attributes.NAME`.
    pub fn columns() -> Vec<&'static str> {
        let all = COLUMNS
            .iter()
            .filter(|(_, _, jobs)| applies(*jobs, T::KIND));
        all.map(|(field, _, _)| *field).collect()
    }

    /// Rows from CSV text; see [`read_csv`](Self::read_csv).
    pub fn from_csv(text: &str) -> Result<Self> {
        Self::parse_csv(text.as_bytes())
    }

    /// Rows from a CSV file (RFC 4180: commas, `"` around a cell that holds
    /// commas, quotes or line breaks, `""` for a quote; a UTF-8 byte order
    /// mark and blank lines are passed over). The first line is the
    /// header; the rows after it are numbered from 1. A row that cannot be
    /// read (more cells than the header, a malformed quote, a flag or
    /// number that is not one, text that is not UTF-8) is kept in
    /// [`rejected`](Self::rejected) with its line, and skipped by the job.
    /// Missing cells at a row's end are empty; empty cells are left out.
    ///
    /// Refused as a whole (nothing read): a file that cannot be read, with
    /// no header, or whose header names a column twice or a column that is
    /// not a field of the job's rows (see [`columns`](Self::columns)).
    pub fn read_csv(mut reader: impl Read) -> Result<Self> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(|e| {
            Error::invalid_request(format!("reading the CSV file: {e}")).with_source(e)
        })?;
        Self::parse_csv(&bytes)
    }

    fn parse_csv(bytes: &[u8]) -> Result<Self> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut records = records(bytes).into_iter();
        let header = records
            .next()
            .ok_or_else(|| Error::invalid_request("the CSV file is empty: no header line"))?;
        let columns = header_columns::<T>(&header)?;
        let mut input = BulkInput {
            rows: Vec::new(),
            rejected: Vec::new(),
        };
        for (n, record) in records.enumerate() {
            let (row, line) = (n + 1, record.line);
            match read_row::<T>(&columns, &record) {
                Ok(value) => input.rows.push(InputRow {
                    row,
                    line: Some(line),
                    value,
                }),
                Err((user, reason)) => input.rejected.push(RowOutcome {
                    row,
                    line: Some(line),
                    user,
                    status: RowStatus::Skipped { reason },
                }),
            }
        }
        Ok(input)
    }
}

/// The header's columns, or why the file is refused.
fn header_columns<T: BulkRow>(header: &Record) -> Result<Vec<Target>> {
    let refuse = |why: String| Error::invalid_request(format!("CSV line {}: {why}", header.line));
    if let Some(e) = &header.error {
        return Err(refuse(e.clone()));
    }
    let mut columns: Vec<Target> = Vec::with_capacity(header.cells.len());
    for (i, cell) in header.cells.iter().enumerate() {
        let name = std::str::from_utf8(cell)
            .map_err(|_| refuse(format!("column {} of the header is not UTF-8 text", i + 1)))?;
        if name.trim().is_empty() {
            columns.push(Target::Unnamed(i + 1));
            continue;
        }
        let column = target(T::KIND, name).ok_or_else(|| {
            refuse(format!(
                "column {name:?} is not a field of a bulk user {} (the columns are the \
                     fields of JumpCloud's bulk user document, such as username, email, \
                     firstname, lastname; attributes.NAME for a custom attribute)",
                match T::KIND {
                    BulkKind::Create => "creation",
                    BulkKind::Update => "update",
                }
            ))
        })?;
        if columns.contains(&column) {
            return Err(refuse(format!("column {name:?} appears twice")));
        }
        columns.push(column);
    }
    Ok(columns)
}

/// One row as `T`, or who it seems to be about and why it cannot be read.
fn read_row<T: BulkRow>(
    columns: &[Target],
    record: &Record,
) -> std::result::Result<T, (RowUser, String)> {
    let mut cells = Vec::with_capacity(record.cells.len());
    let mut problem = record.error.clone();
    for (i, raw) in record.cells.iter().enumerate() {
        match std::str::from_utf8(raw) {
            Ok(text) => cells.push(text),
            Err(_) => {
                problem.get_or_insert_with(|| format!("cell {} is not UTF-8 text", i + 1));
                cells.push("");
            }
        }
    }
    let cell = |name: &str| {
        let at = columns
            .iter()
            .position(|c| matches!(c, Target::Field(f, _) if *f == name))?;
        cells.get(at).copied()
    };
    let user = RowUser::new(cell("username"), cell("email"), cell("id"));
    if problem.is_none() && cells.len() > columns.len() {
        let extra = &cells[columns.len()..];
        if extra.iter().any(|c| !c.trim().is_empty()) {
            problem = Some(format!(
                "{} cells, but the header names {} columns",
                cells.len(),
                columns.len()
            ));
        }
    }
    if let Some(p) = problem {
        return Err((user, p));
    }
    let mut fields = Map::new();
    let mut attributes = Vec::new();
    for (column, raw) in columns.iter().zip(&cells) {
        let text = match column {
            Target::Field("password", _) => *raw,
            _ => raw.trim(),
        };
        if text.is_empty() {
            continue;
        }
        match column {
            Target::Unnamed(n) => {
                return Err((
                    user,
                    format!("cell {n} has a value but its column has no name"),
                ));
            }
            Target::Attribute(name) => {
                attributes.push(serde_json::json!({ "name": name, "value": text }));
            }
            Target::Field(field, kind) => {
                let value = match kind {
                    // The document's states are upper case (`STAGED`, …).
                    Cell::Text if *field == "state" => Value::String(text.to_ascii_uppercase()),
                    Cell::Text => Value::String(text.to_owned()),
                    Cell::Flag => Value::Bool(flag(text).ok_or_else(|| {
                        (
                            user.clone(),
                            format!("{field}: {text:?} is not true or false"),
                        )
                    })?),
                    Cell::Number => Value::from(text.parse::<i64>().map_err(|_| {
                        (
                            user.clone(),
                            format!("{field}: {text:?} is not a whole number"),
                        )
                    })?),
                };
                fields.insert((*field).to_owned(), value);
            }
        }
    }
    if !attributes.is_empty() {
        fields.insert("attributes".into(), Value::Array(attributes));
    }
    serde_json::from_value(Value::Object(fields)).map_err(|e| (user, e.to_string()))
}

fn flag(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// One CSV record: the line it starts on, its cells, and what was wrong
/// with it if anything.
#[derive(Debug, PartialEq)]
struct Record {
    line: usize,
    cells: Vec<Vec<u8>>,
    error: Option<String>,
}

/// The records of a CSV text, blank lines left out.
fn records(bytes: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < bytes.len() {
        let start_line = line;
        let mut cells = Vec::new();
        let mut cell = Vec::new();
        let mut error = None;
        let mut quoted_any = false;
        // One record: cells up to an unquoted line break or the end.
        loop {
            if bytes.get(i) == Some(&b'"') && cell.is_empty() {
                quoted_any = true;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => {
                            error.get_or_insert_with(|| {
                                "a quoted cell is never closed (the rest of the file is in it)"
                                    .to_owned()
                            });
                            break;
                        }
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                            cell.push(b'"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            if c == b'\n' {
                                line += 1;
                            }
                            cell.push(c);
                            i += 1;
                        }
                    }
                }
                if !matches!(bytes.get(i), None | Some(b',' | b'\n' | b'\r')) {
                    error.get_or_insert_with(|| {
                        format!("text after the closing quote of cell {}", cells.len() + 1)
                    });
                }
            }
            // The rest of an unquoted cell (or what follows a quoted one).
            while let Some(&c) = bytes.get(i) {
                if matches!(c, b',' | b'\n' | b'\r') {
                    break;
                }
                cell.push(c);
                i += 1;
            }
            cells.push(std::mem::take(&mut cell));
            match bytes.get(i) {
                Some(b',') => i += 1,
                Some(b'\r') => {
                    i += if bytes.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    line += 1;
                    break;
                }
                Some(b'\n') => {
                    i += 1;
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        let blank = !quoted_any && cells.len() == 1 && cells[0].iter().all(u8::is_ascii_whitespace);
        if !blank {
            out.push(Record {
                line: start_line,
                cells,
                error,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpcloud_api::v2::types::{BulkUserCreate, BulkUserUpdate};

    fn cells(r: &Record) -> Vec<&str> {
        r.cells
            .iter()
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect()
    }

    #[test]
    fn records_follow_rfc_4180_and_keep_their_lines() {
        let text = "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",z\nlast,\n";
        let r = records(text.as_bytes());
        assert_eq!(r.len(), 4);
        assert_eq!((r[0].line, cells(&r[0])), (1, vec!["a", "b"]));
        assert_eq!((r[1].line, cells(&r[1])), (2, vec!["x, y", "say \"hi\""]));
        assert_eq!((r[2].line, cells(&r[2])), (4, vec!["multi\nline", "z"]));
        assert_eq!((r[3].line, cells(&r[3])), (6, vec!["last", ""]));
        assert!(r.iter().all(|r| r.error.is_none()));
        let bad = records(b"\"a\"b,c\nok\n\"open");
        assert!(
            bad[0]
                .error
                .as_deref()
                .unwrap()
                .contains("after the closing quote")
        );
        assert_eq!(cells(&bad[1]), vec!["ok"]);
        assert!(bad[2].error.as_deref().unwrap().contains("never closed"));
    }

    #[test]
    fn headers_match_the_documents_fields_loosely() {
        let csv = "\u{feff}User Name,EMAIL,First Name,job_title,sudo,unix_uid,attributes.costCode\n\
                   ada,ada@example.com,Ada,Engineer,yes,5001,CC-7\n";
        let input = BulkInput::<BulkUserCreate>::from_csv(csv).unwrap();
        assert!(input.rejected().is_empty());
        let ada = &input.rows()[0];
        assert_eq!((ada.row, ada.line), (1, Some(2)));
        let v = &ada.value;
        assert_eq!(v.username.as_deref(), Some("ada"));
        assert_eq!(v.job_title.as_deref(), Some("Engineer"));
        assert_eq!((v.sudo, v.unix_uid), (Some(true), Some(5001)));
        assert_eq!(v.attributes[0].name.as_deref(), Some("costCode"));
        assert_eq!(v.attributes[0].value.as_deref(), Some("CC-7"));
    }

    #[test]
    fn a_bad_header_refuses_the_file_and_a_bad_row_only_itself() {
        let err = BulkInput::<BulkUserCreate>::from_csv("username,emial\n").unwrap_err();
        assert!(
            err.to_string().contains("line 1: column \"emial\""),
            "{err}"
        );
        let err = BulkInput::<BulkUserCreate>::from_csv("id,username\n").unwrap_err();
        assert!(err.to_string().contains("\"id\""), "{err}");
        let err = BulkInput::<BulkUserCreate>::from_csv("email,E-mail\n").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        assert!(BulkInput::<BulkUserCreate>::from_csv("\n\n").is_err());
        // A column without a name is passed over while its cells are empty.
        let input =
            BulkInput::<BulkUserCreate>::from_csv("username,email,\na,a@x,\nb,b@x,1\n").unwrap();
        assert_eq!(input.rows().len(), 1);
        assert!(
            input.rejected()[0]
                .to_string()
                .contains("cell 3 has a value")
        );

        let csv = "username,email,sudo\n\
                   a,a@example.com,true\n\
                   b,b@example.com,maybe\n\
                   c,c@example.com,false,extra\n\
                   d\n";
        let input = BulkInput::<BulkUserCreate>::from_csv(csv).unwrap();
        let rejected: Vec<String> = input.rejected().iter().map(ToString::to_string).collect();
        assert_eq!(
            rejected,
            [
                "row 2 (line 3) b <b@example.com>: skipped, not sent: sudo: \"maybe\" is not true or false",
                "row 3 (line 4) c <c@example.com>: skipped, not sent: 4 cells, but the header names 3 columns",
            ]
        );
        // A short row is read (its missing cells are empty) and fails the
        // local check instead.
        let skipped: Vec<String> = input.skipped().iter().map(ToString::to_string).collect();
        assert_eq!(skipped.len(), 3);
        assert_eq!(
            skipped[2],
            "row 4 (line 5) d: skipped, not sent: email is required"
        );
        assert_eq!(input.len(), 4);
    }

    #[test]
    fn updates_take_an_id_column() {
        let input =
            BulkInput::<BulkUserUpdate>::from_csv("ID,department\n5f1b,Research\n").unwrap();
        assert_eq!(input.rows()[0].value.id.as_deref(), Some("5f1b"));
        assert!(BulkInput::<BulkUserUpdate>::columns().contains(&"id"));
        assert!(!BulkInput::<BulkUserCreate>::columns().contains(&"id"));
    }
}
