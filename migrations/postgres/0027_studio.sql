-- The content studio: company research (a page read and summarised, kept 24 hours per company
-- and address), author styles uploaded from a workbook, generated pieces (outreach emails and
-- LinkedIn posts) with every version kept, and the opens of an email's tracking pixel.

CREATE TABLE studio_research (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    -- The address as typed, normalised (scheme and host lower case, no fragment).
    url TEXT NOT NULL,
    -- 'complete', or 'partial' (the page could not be read whole; `note` says why).
    status TEXT NOT NULL CHECK (status IN ('complete', 'partial')),
    note TEXT,
    -- JSON: the summary (name, what, products, news, tone) and the links it came from.
    summary TEXT NOT NULL,
    sources TEXT NOT NULL,
    fetched_by UUID REFERENCES users (id) ON DELETE SET NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, url)
);

CREATE TABLE studio_authors (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The name lower case, trimmed: one style per name in a company.
    name_key TEXT NOT NULL,
    posts BIGINT NOT NULL,
    -- The style in words, written once (by the AI, tokens charged, or by the local reader).
    style TEXT,
    style_source TEXT,
    style_tokens BIGINT NOT NULL DEFAULT 0,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, name_key)
);

CREATE TABLE studio_author_posts (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES studio_authors (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    summary TEXT NOT NULL,
    link TEXT,
    posted_on TEXT,
    engagement BIGINT
);
CREATE INDEX studio_author_posts_author ON studio_author_posts (author_id);

-- A workbook checked and waiting for the member to confirm it (nothing is written before).
CREATE TABLE studio_uploads (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    -- JSON: every row with its outcome.
    preview TEXT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ
);

CREATE TABLE studio_pieces (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'post')),
    -- The form's one-time id: a second submit of the same form finds this piece.
    request_id UUID NOT NULL,
    title TEXT NOT NULL,
    -- A label grouping emails for open rates ("Spring outreach"); empty: none.
    campaign TEXT NOT NULL DEFAULT '',
    -- JSON: what the member asked for.
    inputs TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- The email's tracking pixel id (unguessable); none for posts.
    pixel TEXT UNIQUE,
    sent_at TIMESTAMPTZ,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (company_id, request_id)
);
CREATE INDEX studio_pieces_company ON studio_pieces (company_id, created_at);

CREATE TABLE studio_versions (
    piece_id UUID NOT NULL REFERENCES studio_pieces (id) ON DELETE CASCADE,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    -- JSON: subject/body/… of an email, hook/body/… of a post.
    content TEXT NOT NULL,
    -- 'local', 'openai', 'anthropic' or 'edit'.
    source TEXT NOT NULL,
    tokens BIGINT NOT NULL DEFAULT 0,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (piece_id, version)
);

CREATE TABLE studio_opens (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    piece_id UUID NOT NULL REFERENCES studio_pieces (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    human BOOLEAN NOT NULL,
    -- "mail app", "phone or tablet", "Gmail image proxy", … (never the user agent itself).
    class TEXT NOT NULL
);
CREATE INDEX studio_opens_piece ON studio_opens (piece_id, at);

-- A member's profile for outreach emails, read from an uploaded resume (PDF or DOCX) and used to
-- fill "About you" next time.
CREATE TABLE studio_profiles (
    company_id UUID NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, user_id)
);
