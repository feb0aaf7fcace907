//! Author styles (content.write): a workbook of an author's posts (author_name, post_content,
//! post_summary, and optionally link, date, engagement) is checked row by row into a preview;
//! nothing is written until the member confirms, and confirming twice writes once. Authors are
//! listed, searched, deleted and exported as a workbook again.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{compose, repo};
use crate::{
    access::{Permission, Principal},
    audit::{self, Action, Entry, RequestMeta},
    sheets::{self, Caps},
    Db, Error, Result,
};

/// The largest workbook taken.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most posts (rows besides the header) one workbook may have.
pub const MAX_ROWS: usize = 5_000;
const CAPS: Caps = Caps {
    rows: MAX_ROWS,
    columns: 20,
    inflated: 32 * 1024 * 1024,
    parts: 200,
};
const MAX_CONTENT: usize = 10_000;

/// The columns read: (key, names it goes by, required).
const COLUMNS: &[(&str, &[&str], bool)] = &[
    (
        "author_name",
        &["author_name", "author", "author name", "name"],
        true,
    ),
    (
        "post_content",
        &["post_content", "post content", "content", "post", "text"],
        true,
    ),
    (
        "post_summary",
        &["post_summary", "post summary", "summary"],
        true,
    ),
    ("link", &["link", "url", "post_url"], false),
    ("date", &["date", "posted", "posted_on", "published"], false),
    ("engagement", &["engagement", "likes", "reactions"], false),
];

/// One row of a workbook, checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowPreview {
    /// The row's line in the workbook (the header is line 1).
    pub line: usize,
    pub author: String,
    pub content: String,
    pub summary: String,
    pub link: Option<String>,
    pub date: Option<String>,
    pub engagement: Option<i64>,
    /// What is wrong, in words; empty: the row is taken.
    pub problems: Vec<String>,
}

/// A checked workbook as its preview shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub id: Uuid,
    pub file_name: String,
    pub rows: Vec<RowPreview>,
    /// Columns of the workbook nobody reads.
    pub ignored: Vec<String>,
    pub confirmed: bool,
}

impl Upload {
    pub fn good(&self) -> usize {
        self.rows.iter().filter(|r| r.problems.is_empty()).count()
    }
    pub fn authors(&self) -> usize {
        let names: std::collections::HashSet<String> = self
            .rows
            .iter()
            .filter(|r| r.problems.is_empty())
            .map(|r| r.author.trim().to_lowercase())
            .collect();
        names.len()
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    rows: Vec<RowPreview>,
    ignored: Vec<String>,
}

/// Reads and checks a workbook (pure): the rows with their problems, and the ignored columns.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<(Vec<RowPreview>, Vec<String>)> {
    let bad = |m: String| Error::validation("file", m);
    crate::sheets::check_size(bytes, MAX_BYTES)?;
    if !file_name.to_ascii_lowercase().ends_with(".xlsx") || !bytes.starts_with(b"PK\x03\x04") {
        return Err(bad("Choose an Excel workbook (.xlsx).".into()));
    }
    let sheet = sheets::read_xlsx(bytes, CAPS)?;
    if sheet.formulas {
        return Err(bad(
            "The workbook has formulas: save a copy with values only (Paste Special → Values) and upload that."
                .into(),
        ));
    }
    let mut rows = sheet.rows.into_iter();
    let header = rows
        .next()
        .ok_or_else(|| bad("The workbook is empty.".into()))?;
    let mut found: Vec<(&str, usize)> = Vec::new();
    let mut ignored = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let n = name.trim().to_lowercase();
        match COLUMNS.iter().find(|(key, names, _)| {
            names.contains(&n.as_str()) && !found.iter().any(|(k, _)| k == key)
        }) {
            Some((key, _, _)) => found.push((key, i)),
            None if !n.is_empty() => ignored.push(name.trim().to_string()),
            None => {}
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|(key, _, required)| *required && !found.iter().any(|(k, _)| k == key))
        .map(|(key, _, _)| *key)
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "The workbook's first row must name the columns author_name, post_content and post_summary; missing: {}.",
            missing.join(", ")
        )));
    }
    let mut out = Vec::new();
    for (i, row) in rows.enumerate() {
        let cell = |key: &str| -> String {
            found
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, c)| row.get(*c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let mut problems = Vec::new();
        let author = cell("author_name");
        let content = cell("post_content");
        let summary = cell("post_summary");
        if author.is_empty() {
            problems.push("no author_name".to_string());
        } else if author.chars().count() > 120 {
            problems.push("author_name is longer than 120 characters".to_string());
        }
        if content.is_empty() {
            problems.push("no post_content".to_string());
        } else if content.chars().count() > MAX_CONTENT {
            problems.push(format!(
                "post_content is longer than {MAX_CONTENT} characters"
            ));
        }
        if summary.is_empty() {
            problems.push("no post_summary".to_string());
        } else if summary.chars().count() > 2_000 {
            problems.push("post_summary is longer than 2,000 characters".to_string());
        }
        let link = Some(cell("link")).filter(|l| !l.is_empty());
        if let Some(l) = &link {
            if !url::Url::parse(l).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
                problems.push(format!(
                    "link “{}” is not a web address",
                    compose::first_words(l, 6)
                ));
            }
        }
        let date = Some(cell("date")).filter(|d| !d.is_empty());
        let date = match date {
            None => None,
            Some(d) => {
                let day = d.get(..10).unwrap_or(&d);
                match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                    Ok(day) => Some(day.to_string()),
                    Err(_) => {
                        problems.push(format!("date “{d}” is not a date (YYYY-MM-DD)"));
                        None
                    }
                }
            }
        };
        let engagement = match cell("engagement") {
            e if e.is_empty() => None,
            e => match e.replace([',', ' '], "").parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => {
                    problems.push(format!("engagement “{e}” is not a whole number"));
                    None
                }
            },
        };
        out.push(RowPreview {
            line: i + 2,
            author,
            content,
            summary,
            link,
            date,
            engagement,
            problems,
        });
    }
    if out.is_empty() {
        return Err(bad(
            "The workbook has no posts: one row per post under the header.".into(),
        ));
    }
    Ok((out, ignored))
}

/// Checks an uploaded workbook and keeps it as a preview.
pub async fn preview(db: &Db, p: &Principal, file_name: &str, bytes: &[u8]) -> Result<Upload> {
    p.authorize(Permission::ContentWrite)?;
    let (rows, ignored) = check(file_name, bytes)?;
    keep(db, p, file_name, rows, ignored).await
}

/// Keeps checked rows as a preview.
pub async fn keep(
    db: &Db,
    p: &Principal,
    file_name: &str,
    rows: Vec<RowPreview>,
    ignored: Vec<String>,
) -> Result<Upload> {
    p.authorize(Permission::ContentWrite)?;
    let name: String = file_name.chars().take(200).collect();
    let stored =
        serde_json::to_string(&Stored { rows, ignored }).map_err(|e| Error::Internal(e.into()))?;
    let id = repo::insert_upload(db, p.company_id, &name, &stored, p.user_id, Utc::now()).await?;
    upload(db, p, id).await
}

pub async fn upload(db: &Db, p: &Principal, id: Uuid) -> Result<Upload> {
    p.authorize(Permission::ContentWrite)?;
    let row = repo::upload(db, p.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let stored: Stored =
        serde_json::from_str(&row.preview).map_err(|e| Error::Internal(e.into()))?;
    Ok(Upload {
        id: row.id,
        file_name: row.file_name,
        rows: stored.rows,
        ignored: stored.ignored,
        confirmed: row.confirmed_at.is_some(),
    })
}

/// Writes a preview's good rows (once: a second confirm writes nothing). Answers the posts added.
pub async fn confirm(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<usize> {
    let up = upload(db, p, id).await?;
    if up.good() == 0 {
        return Err(Error::validation(
            "file",
            "No row of this workbook can be taken; fix it and upload it again.",
        ));
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if !repo::confirm_upload(&mut tx, p.company_id, id, now).await? {
        return Ok(0);
    }
    let mut authors: std::collections::HashMap<String, Uuid> = Default::default();
    for r in up.rows.iter().filter(|r| r.problems.is_empty()) {
        let key = r.author.trim().to_lowercase();
        let author_id = match authors.get(&key) {
            Some(id) => *id,
            None => {
                let id =
                    repo::upsert_author(&mut tx, p.company_id, r.author.trim(), p.user_id, now)
                        .await?;
                authors.insert(key, id);
                id
            }
        };
        repo::add_post(
            &mut tx,
            p.company_id,
            author_id,
            &repo::NewPost {
                content: &r.content,
                summary: &r.summary,
                link: r.link.as_deref(),
                posted_on: r.date.as_deref(),
                engagement: r.engagement,
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StudioAuthorsImported,
            Some(id.to_string()),
            serde_json::json!({ "file": up.file_name, "posts": up.good(), "authors": authors.len() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(up.good())
}

/// An author as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Author {
    pub id: Uuid,
    pub name: String,
    pub posts: i64,
    pub style: Option<String>,
    pub style_source: Option<String>,
    pub style_tokens: i64,
}

pub async fn list(db: &Db, p: &Principal, search: &str) -> Result<Vec<Author>> {
    p.authorize(Permission::ContentWrite)?;
    Ok(repo::authors(db, p.company_id, search)
        .await?
        .into_iter()
        .map(|a| Author {
            id: a.id,
            name: a.name,
            posts: a.posts,
            style: a.style,
            style_source: a.style_source,
            style_tokens: a.style_tokens,
        })
        .collect())
}

/// An author's name (None when it is not the company's, or deleted).
pub async fn name(db: &Db, p: &Principal, id: Uuid) -> Result<Option<String>> {
    p.authorize(Permission::ContentWrite)?;
    Ok(repo::author(db, p.company_id, id).await?.map(|a| a.name))
}

pub async fn delete(db: &Db, p: &Principal, meta: &RequestMeta, id: Uuid) -> Result<()> {
    p.authorize(Permission::ContentWrite)?;
    let author = repo::author(db, p.company_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut tx = db.begin().await?;
    if !repo::delete_author(&mut tx, p.company_id, id).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        meta,
        Entry::by(
            p,
            Action::StudioAuthorDeleted,
            Some(id.to_string()),
            serde_json::json!({ "name": author.name, "posts": author.posts }),
        ),
    )
    .await?;
    tx.commit().await
}

/// Every author's posts as a workbook with the upload's columns (so it can be uploaded again).
pub async fn export(db: &Db, p: &Principal) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    p.authorize(Permission::ContentWrite)?;
    let posts = repo::author_posts(db, p.company_id, None).await?;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let fail = |e: rust_xlsxwriter::XlsxError| Error::Internal(e.into());
    for (c, h) in [
        "author_name",
        "post_content",
        "post_summary",
        "link",
        "date",
        "engagement",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (i, r) in posts.iter().enumerate() {
        let row = i as u32 + 1;
        // Text cells only: nothing in an export is ever read as a formula.
        let cells = [
            r.author_name.clone(),
            r.content.clone(),
            r.summary.clone(),
            r.link.clone().unwrap_or_default(),
            r.posted_on.clone().unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(row, c as u16, v).map_err(fail)?;
        }
        if let Some(e) = r.engagement {
            sheet.write_number(row, 5, e as f64).map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}
