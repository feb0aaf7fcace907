//! The content studio's SQL (both databases). Every query names the company, except the
//! pixel's lookup, whose unguessable id is the only thing a mail client has.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{db::Tx, exec, exec_tx, with_db, with_tx, Db, Result};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResearchRow {
    pub id: Uuid,
    pub url: String,
    pub status: String,
    pub note: Option<String>,
    pub summary: String,
    pub sources: String,
    pub fetched_at: DateTime<Utc>,
}

pub async fn research(db: &Db, company_id: Uuid, url: &str) -> Result<Option<ResearchRow>> {
    const SQL: &str =
        "SELECT id, url, status, note, summary, sources, fetched_at FROM studio_research \
        WHERE company_id = $1 AND url = $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(url)
        .fetch_optional(c)
        .await)?)
}

/// The company's latest research, newest first.
pub async fn recent_research(db: &Db, company_id: Uuid, limit: i64) -> Result<Vec<ResearchRow>> {
    const SQL: &str =
        "SELECT id, url, status, note, summary, sources, fetched_at FROM studio_research \
        WHERE company_id = $1 ORDER BY fetched_at DESC LIMIT $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

/// Stores a reading of `url`, replacing an older one; answers the row's id.
#[allow(clippy::too_many_arguments)]
pub async fn save_research(
    db: &Db,
    company_id: Uuid,
    url: &str,
    status: &str,
    note: Option<&str>,
    summary: &str,
    sources: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    const SQL: &str = "INSERT INTO studio_research (id, company_id, url, status, note, summary, sources, fetched_by, fetched_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
        ON CONFLICT (company_id, url) DO UPDATE SET status = excluded.status, note = excluded.note, \
        summary = excluded.summary, sources = excluded.sources, fetched_by = excluded.fetched_by, \
        fetched_at = excluded.fetched_at RETURNING id";
    let (id,): (Uuid,) = with_db!(db, |c| sqlx::query_as(SQL)
        .bind(Uuid::now_v7())
        .bind(company_id)
        .bind(url)
        .bind(status)
        .bind(note)
        .bind(summary)
        .bind(sources)
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await)?;
    Ok(id)
}

/// A LIKE pattern (with `ESCAPE '\\'`) matching values that hold `search`, any case.
fn contains_pattern(search: &str) -> String {
    let escaped = search
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

// ---- authors ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthorRow {
    pub id: Uuid,
    pub name: String,
    pub posts: i64,
    pub style: Option<String>,
    pub style_source: Option<String>,
    pub style_tokens: i64,
    pub created_at: DateTime<Utc>,
}

const AUTHOR_COLUMNS: &str =
    "id, name, posts, style, style_source, style_tokens, created_at FROM studio_authors";

/// The company's authors whose name holds `search` (any case), by name.
pub async fn authors(db: &Db, company_id: Uuid, search: &str) -> Result<Vec<AuthorRow>> {
    let sql = format!(
        "SELECT {AUTHOR_COLUMNS} WHERE company_id = $1 AND name_key LIKE $2 ESCAPE '\\' ORDER BY name_key LIMIT 500"
    );
    let pattern = contains_pattern(search);
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(&pattern)
        .fetch_all(c)
        .await)?)
}

pub async fn author(db: &Db, company_id: Uuid, id: Uuid) -> Result<Option<AuthorRow>> {
    let sql = format!("SELECT {AUTHOR_COLUMNS} WHERE company_id = $1 AND id = $2");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthorPostRow {
    pub author_id: Uuid,
    pub author_name: String,
    pub content: String,
    pub summary: String,
    pub link: Option<String>,
    pub posted_on: Option<String>,
    pub engagement: Option<i64>,
}

/// The posts of one author (Some) or of every author of the company, in upload order.
pub async fn author_posts(
    db: &Db,
    company_id: Uuid,
    author_id: Option<Uuid>,
) -> Result<Vec<AuthorPostRow>> {
    const SQL: &str = "SELECT p.author_id, a.name AS author_name, p.content, p.summary, p.link, p.posted_on, p.engagement \
        FROM studio_author_posts p JOIN studio_authors a ON a.id = p.author_id AND a.company_id = p.company_id \
        WHERE p.company_id = $1 AND ($2 IS NULL OR p.author_id = $2) ORDER BY a.name_key, p.id";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(author_id)
        .fetch_all(c)
        .await)?)
}

/// Finds or makes the author called `name`; answers its id.
pub async fn upsert_author(
    tx: &mut Tx,
    company_id: Uuid,
    name: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    const SQL: &str = "INSERT INTO studio_authors (id, company_id, name, name_key, posts, created_by, created_at) \
        VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (company_id, name_key) DO UPDATE SET name = excluded.name \
        RETURNING id";
    let (id,): (Uuid,) = with_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(Uuid::now_v7())
        .bind(company_id)
        .bind(name)
        .bind(name.trim().to_lowercase())
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await)?;
    Ok(id)
}

pub struct NewPost<'a> {
    pub content: &'a str,
    pub summary: &'a str,
    pub link: Option<&'a str>,
    pub posted_on: Option<&'a str>,
    pub engagement: Option<i64>,
}

/// Adds a post to an author; its style is to be written again.
pub async fn add_post(
    tx: &mut Tx,
    company_id: Uuid,
    author_id: Uuid,
    p: &NewPost<'_>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO studio_author_posts (id, company_id, author_id, content, summary, link, posted_on, engagement) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    const COUNT: &str =
        "UPDATE studio_authors SET posts = posts + 1, style = NULL, style_source = NULL \
        WHERE id = $1 AND company_id = $2";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(Uuid::now_v7())
            .bind(company_id)
            .bind(author_id)
            .bind(p.content)
            .bind(p.summary)
            .bind(p.link)
            .bind(p.posted_on)
            .bind(p.engagement)
    )?;
    exec_tx!(tx, sqlx::query(COUNT).bind(author_id).bind(company_id))?;
    Ok(())
}

pub async fn set_style(
    db: &Db,
    company_id: Uuid,
    author_id: Uuid,
    style: &str,
    source: &str,
    tokens: i64,
) -> Result<()> {
    const SQL: &str = "UPDATE studio_authors SET style = $3, style_source = $4, style_tokens = style_tokens + $5 \
        WHERE id = $1 AND company_id = $2";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(author_id)
            .bind(company_id)
            .bind(style)
            .bind(source)
            .bind(tokens)
    )?;
    Ok(())
}

pub async fn delete_author(tx: &mut Tx, company_id: Uuid, id: Uuid) -> Result<bool> {
    const POSTS: &str = "DELETE FROM studio_author_posts WHERE author_id = $1 AND company_id = $2";
    const SQL: &str = "DELETE FROM studio_authors WHERE id = $1 AND company_id = $2";
    exec_tx!(tx, sqlx::query(POSTS).bind(id).bind(company_id))?;
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(id).bind(company_id))? > 0)
}

// ---- uploads ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UploadRow {
    pub id: Uuid,
    pub file_name: String,
    pub preview: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

pub async fn insert_upload(
    db: &Db,
    company_id: Uuid,
    file_name: &str,
    preview: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    const SQL: &str =
        "INSERT INTO studio_uploads (id, company_id, file_name, preview, created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    let id = Uuid::now_v7();
    exec!(
        db,
        sqlx::query(SQL)
            .bind(id)
            .bind(company_id)
            .bind(file_name)
            .bind(preview)
            .bind(by)
            .bind(now)
    )?;
    Ok(id)
}

pub async fn upload(db: &Db, company_id: Uuid, id: Uuid) -> Result<Option<UploadRow>> {
    const SQL: &str =
        "SELECT id, file_name, preview, created_at, confirmed_at FROM studio_uploads \
        WHERE company_id = $1 AND id = $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// Marks an upload confirmed: false when it already was (a second click).
pub async fn confirm_upload(
    tx: &mut Tx,
    company_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE studio_uploads SET confirmed_at = $3 WHERE id = $1 AND company_id = $2 AND confirmed_at IS NULL";
    Ok(exec_tx!(tx, sqlx::query(SQL).bind(id).bind(company_id).bind(now))? > 0)
}

// ---- pieces ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PieceRow {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub campaign: String,
    pub inputs: String,
    pub version: i64,
    pub pixel: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The current version's content (JSON) and source.
    pub content: String,
    pub source: String,
    pub tokens: i64,
    pub human_opens: i64,
    pub machine_opens: i64,
    pub first_human_open: Option<DateTime<Utc>>,
}

const PIECE_SELECT: &str = "SELECT p.id, p.kind, p.title, p.campaign, p.inputs, p.version, p.pixel, p.sent_at, \
    u.name AS created_by_name, p.created_at, p.updated_at, v.content, v.source, v.tokens, \
    (SELECT COUNT(*) FROM studio_opens o WHERE o.piece_id = p.id AND o.human = $2) AS human_opens, \
    (SELECT COUNT(*) FROM studio_opens o WHERE o.piece_id = p.id AND o.human = $3) AS machine_opens, \
    (SELECT MIN(o.at) FROM studio_opens o WHERE o.piece_id = p.id AND o.human = $2) AS first_human_open \
    FROM studio_pieces p \
    JOIN studio_versions v ON v.piece_id = p.id AND v.version = p.version \
    LEFT JOIN users u ON u.id = p.created_by \
    WHERE p.company_id = $1";

pub async fn piece(db: &Db, company_id: Uuid, id: Uuid) -> Result<Option<PieceRow>> {
    let sql = format!("{PIECE_SELECT} AND p.id = $4");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(true)
        .bind(false)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

pub async fn piece_by_request(
    db: &Db,
    company_id: Uuid,
    request: Uuid,
) -> Result<Option<PieceRow>> {
    let sql = format!("{PIECE_SELECT} AND p.request_id = $4");
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(true)
        .bind(false)
        .bind(request)
        .fetch_optional(c)
        .await)?)
}

/// The library: newest first, of one kind (Some) or both, whose title or campaign holds
/// `search`.
pub async fn pieces(
    db: &Db,
    company_id: Uuid,
    kind: Option<&str>,
    search: &str,
    limit: i64,
) -> Result<Vec<PieceRow>> {
    let sql = format!(
        "{PIECE_SELECT} AND ($4 IS NULL OR p.kind = $4) AND (LOWER(p.title) LIKE $5 ESCAPE '\\' OR LOWER(p.campaign) LIKE $5 ESCAPE '\\') \
         ORDER BY p.created_at DESC LIMIT $6"
    );
    let pattern = contains_pattern(search);
    Ok(with_db!(db, |c| sqlx::query_as(&sql)
        .bind(company_id)
        .bind(true)
        .bind(false)
        .bind(kind)
        .bind(&pattern)
        .bind(limit)
        .fetch_all(c)
        .await)?)
}

pub struct NewPiece<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub request_id: Uuid,
    pub title: &'a str,
    pub campaign: &'a str,
    pub inputs: &'a str,
    pub pixel: Option<&'a str>,
}

/// Claims a form's request id with a piece of no version yet: false when the form was
/// submitted before (its request id is taken), and nothing is written.
pub async fn claim_piece(
    db: &Db,
    company_id: Uuid,
    piece: &NewPiece<'_>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO studio_pieces (id, company_id, kind, request_id, title, campaign, inputs, version, pixel, created_by, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $10) ON CONFLICT (company_id, request_id) DO NOTHING";
    Ok(exec!(
        db,
        sqlx::query(SQL)
            .bind(piece.id)
            .bind(company_id)
            .bind(piece.kind)
            .bind(piece.request_id)
            .bind(piece.title)
            .bind(piece.campaign)
            .bind(piece.inputs)
            .bind(piece.pixel)
            .bind(by)
            .bind(now)
    )? > 0)
}

/// Whether a form's request id is claimed (by a piece being generated or made).
pub async fn claimed(db: &Db, company_id: Uuid, request_id: Uuid) -> Result<bool> {
    const SQL: &str =
        "SELECT COUNT(*) FROM studio_pieces WHERE company_id = $1 AND request_id = $2";
    let (n,): (i64,) = with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(request_id)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

/// Gives up a claim whose generation failed (a piece with no version).
pub async fn drop_claim(db: &Db, company_id: Uuid, id: Uuid) -> Result<()> {
    const SQL: &str = "DELETE FROM studio_pieces WHERE id = $1 AND company_id = $2 AND version = 0";
    exec!(db, sqlx::query(SQL).bind(id).bind(company_id))?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut Tx,
    company_id: Uuid,
    piece_id: Uuid,
    version: i64,
    content: &str,
    source: &str,
    tokens: i64,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO studio_versions (piece_id, company_id, version, content, source, tokens, created_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    exec_tx!(
        tx,
        sqlx::query(SQL)
            .bind(piece_id)
            .bind(company_id)
            .bind(version)
            .bind(content)
            .bind(source)
            .bind(tokens)
            .bind(by)
            .bind(now)
    )?;
    Ok(())
}

/// Adds a version on top of `base` (the version the member saw): false when someone else
/// added one meanwhile, and nothing is written.
#[allow(clippy::too_many_arguments)]
pub async fn add_version(
    db: &Db,
    company_id: Uuid,
    piece_id: Uuid,
    base: i64,
    content: &str,
    source: &str,
    tokens: i64,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE studio_pieces SET version = version + 1, updated_at = $4 \
        WHERE id = $1 AND company_id = $2 AND version = $3";
    let mut tx = db.begin().await?;
    if exec_tx!(
        &mut tx,
        sqlx::query(SQL)
            .bind(piece_id)
            .bind(company_id)
            .bind(base)
            .bind(now)
    )? == 0
    {
        return Ok(false);
    }
    insert_version(
        &mut tx,
        company_id,
        piece_id,
        base + 1,
        content,
        source,
        tokens,
        by,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct VersionRow {
    pub version: i64,
    pub content: String,
    pub source: String,
    pub tokens: i64,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn versions(db: &Db, company_id: Uuid, piece_id: Uuid) -> Result<Vec<VersionRow>> {
    const SQL: &str =
        "SELECT v.version, v.content, v.source, v.tokens, u.name AS created_by_name, v.created_at \
        FROM studio_versions v LEFT JOIN users u ON u.id = v.created_by \
        WHERE v.company_id = $1 AND v.piece_id = $2 ORDER BY v.version DESC";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(piece_id)
        .fetch_all(c)
        .await)?)
}

/// Marks a piece sent (the first time only): false when it already was.
pub async fn mark_sent(db: &Db, company_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str =
        "UPDATE studio_pieces SET sent_at = $3 WHERE id = $1 AND company_id = $2 AND sent_at IS NULL";
    Ok(exec!(db, sqlx::query(SQL).bind(id).bind(company_id).bind(now))? > 0)
}

// ---- opens ----

/// The email a pixel id names: (piece, company, sent at).
pub async fn pixel_owner(
    db: &Db,
    pixel: &str,
) -> Result<Option<(Uuid, Uuid, Option<DateTime<Utc>>)>> {
    const SQL: &str = "SELECT id, company_id, sent_at FROM studio_pieces WHERE pixel = $1";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(pixel)
        .fetch_optional(c)
        .await)?)
}

/// Whether the piece had an open of this class since `since` (a reload is not a new open).
pub async fn opened_since(
    db: &Db,
    piece_id: Uuid,
    class: &str,
    since: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "SELECT COUNT(*) FROM studio_opens WHERE piece_id = $1 AND class = $2 AND at > $3";
    let (n,): (i64,) = with_db!(db, |c| sqlx::query_as(SQL)
        .bind(piece_id)
        .bind(class)
        .bind(since)
        .fetch_one(c)
        .await)?;
    Ok(n > 0)
}

pub async fn insert_open(
    db: &Db,
    company_id: Uuid,
    piece_id: Uuid,
    at: DateTime<Utc>,
    human: bool,
    class: &str,
) -> Result<()> {
    const SQL: &str = "INSERT INTO studio_opens (id, company_id, piece_id, at, human, class) VALUES ($1, $2, $3, $4, $5, $6)";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(Uuid::now_v7())
            .bind(company_id)
            .bind(piece_id)
            .bind(at)
            .bind(human)
            .bind(class)
    )?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenRow {
    pub at: DateTime<Utc>,
    pub human: bool,
    pub class: String,
}

pub async fn opens(db: &Db, company_id: Uuid, piece_id: Uuid) -> Result<Vec<OpenRow>> {
    const SQL: &str =
        "SELECT at, human, class FROM studio_opens WHERE company_id = $1 AND piece_id = $2 \
        ORDER BY at DESC LIMIT 200";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(piece_id)
        .fetch_all(c)
        .await)?)
}

/// Per campaign label: emails sent, and of those, opened by a person at least once.
pub async fn open_rates(db: &Db, company_id: Uuid) -> Result<Vec<(String, i64, i64)>> {
    const SQL: &str = "SELECT p.campaign, COUNT(*) AS sent, \
        CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM studio_opens o WHERE o.piece_id = p.id AND o.human = $2) THEN 1 ELSE 0 END) AS BIGINT) AS opened \
        FROM studio_pieces p WHERE p.company_id = $1 AND p.kind = 'email' AND p.sent_at IS NOT NULL \
        GROUP BY p.campaign ORDER BY p.campaign";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(true)
        .fetch_all(c)
        .await)?)
}

// ---- the sender's profile ----

pub async fn save_profile(
    db: &Db,
    company_id: Uuid,
    user_id: Uuid,
    file_name: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str =
        "INSERT INTO studio_profiles (company_id, user_id, file_name, text, updated_at) \
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id, user_id) DO UPDATE SET \
        file_name = excluded.file_name, text = excluded.text, updated_at = excluded.updated_at";
    exec!(
        db,
        sqlx::query(SQL)
            .bind(company_id)
            .bind(user_id)
            .bind(file_name)
            .bind(text)
            .bind(now)
    )?;
    Ok(())
}

/// A member's kept profile: (file name, text).
pub async fn profile(db: &Db, company_id: Uuid, user_id: Uuid) -> Result<Option<(String, String)>> {
    const SQL: &str =
        "SELECT file_name, text FROM studio_profiles WHERE company_id = $1 AND user_id = $2";
    Ok(with_db!(db, |c| sqlx::query_as(SQL)
        .bind(company_id)
        .bind(user_id)
        .fetch_optional(c)
        .await)?)
}
