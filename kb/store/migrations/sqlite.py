"""The SQLite schema: named, append-only migrations. Version N is the first N of them; another
dialect's list (kb/store/migrations/<dialect>.py) has the same names in the same order."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_initial",
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents(
            id TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            date TEXT,
            format TEXT NOT NULL,
            text TEXT NOT NULL,
            pages TEXT NOT NULL DEFAULT '[]',
            headings TEXT NOT NULL DEFAULT '[]',
            minutes TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            warnings TEXT NOT NULL DEFAULT '[]',
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX documents_kind_date ON documents(kind, date);
        CREATE TABLE document_tags(
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY(doc_id, tag)
        );
        CREATE TABLE chunks(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL,
            page_start INTEGER,
            page_end INTEGER,
            section TEXT NOT NULL DEFAULT '[]',
            text TEXT NOT NULL,
            search_text TEXT NOT NULL,
            embed_key TEXT NOT NULL,
            UNIQUE(doc_id, ordinal)
        );
        CREATE INDEX chunks_doc ON chunks(doc_id);
        CREATE TABLE embeddings(
            model TEXT NOT NULL,
            key TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY(model, key)
        );
        CREATE TABLE ingest_runs(
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            summary TEXT NOT NULL
        );
        """,
    ),
    (
        "002_reading_lists",
        """
        CREATE TABLE reading_lists(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            topic TEXT,
            description TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- Items name their document by id without a foreign key: deleting a document must leave its
        -- items in place, shown as missing, with the snapshot of title and passage they carry.
        CREATE TABLE reading_list_items(
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES reading_lists(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            title TEXT NOT NULL,
            date TEXT,
            kind TEXT NOT NULL,
            char_start INTEGER,
            char_end INTEGER,
            page_start INTEGER,
            page_end INTEGER,
            section TEXT NOT NULL DEFAULT '[]',
            text TEXT,
            note TEXT,
            added_at TEXT NOT NULL
        );
        CREATE INDEX reading_list_items_list ON reading_list_items(list_id, position);
        CREATE INDEX reading_list_items_doc ON reading_list_items(doc_id);
        """,
    ),
    (
        "003_sessions_and_plans",
        """
        -- Corrections organisers make to what was extracted from a minutes document: a NULL column
        -- keeps the extracted value; attendees and speakers are JSON arrays. No foreign key: a file
        -- deleted and imported again (same content, same id) gets its corrections back.
        CREATE TABLE session_edits(
            doc_id TEXT PRIMARY KEY,
            date TEXT,
            theme TEXT,
            host TEXT,
            location TEXT,
            attendees TEXT,
            speakers TEXT,
            updated_at TEXT NOT NULL
        );
        -- One plan per year; an empty title means the default "{year}年度理论学习中心组学习计划".
        CREATE TABLE plans(
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            main_line TEXT NOT NULL DEFAULT '',
            unit TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE plan_months(
            plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
            theme TEXT NOT NULL DEFAULT '',
            format TEXT NOT NULL DEFAULT '集中学习',
            list_id INTEGER REFERENCES reading_lists(id) ON DELETE SET NULL,
            note TEXT,
            PRIMARY KEY(plan_id, month)
        );
        """,
    ),
    (
        "004_counters",
        """
        -- Counters allocated with one UPDATE … RETURNING (a row lock), never read-then-write, so
        -- concurrent writers cannot hand out the same value. The change counter moves out of meta.
        CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO counters(name, value)
            SELECT 'generation', CAST(value AS INTEGER) FROM meta WHERE key = 'generation';
        INSERT INTO counters(name, value)
            SELECT 'generation', 0 WHERE NOT EXISTS (SELECT 1 FROM counters WHERE name = 'generation');
        DELETE FROM meta WHERE key = 'generation';
        -- A reading list's last item position: appending takes the next one from here.
        ALTER TABLE reading_lists ADD COLUMN last_position INTEGER NOT NULL DEFAULT 0;
        UPDATE reading_lists SET last_position =
            (SELECT coalesce(max(position), 0) FROM reading_list_items i WHERE i.list_id = reading_lists.id);
        """,
    ),
    (
        "005_accounts",
        """
        -- People who may log in (局域网模式). Only an argon2 hash of the password is kept.
        CREATE TABLE accounts(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('member', 'organiser', 'admin')),
            password_hash TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_login_at TEXT
        );
        -- Wrong passwords in a row, by the name typed whether or not an account has it: a lock-out
        -- then tells nobody which names exist.
        CREATE TABLE login_failures(
            name TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            locked_until TEXT
        );
        -- Server-side sessions: the browser holds a random token, the database only its SHA-256.
        CREATE TABLE login_sessions(
            token_hash TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL
        );
        CREATE INDEX login_sessions_account ON login_sessions(account_id);
        -- The audit log (操作日志): rows are only ever added; the triggers refuse any change or removal.
        CREATE TABLE audit_log(
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            role TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            outcome TEXT NOT NULL,
            detail TEXT
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        CREATE INDEX audit_log_actor ON audit_log(actor, at);
        CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        -- Folders whose files people other than the local administrator may import (resolved real paths).
        CREATE TABLE import_roots(
            path TEXT PRIMARY KEY,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL
        );
        """,
    ),
    (
        "006_study_record",
        """
        -- The study group's roster (中心组成员): rank order, post, when each joined and left.
        CREATE TABLE members(
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            post TEXT NOT NULL DEFAULT '',
            joined_on TEXT,
            left_on TEXT,
            position INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- Names minutes use: another name of a member (张书记), or, with no member, a name the organiser
        -- chose to ignore (the recorder, a guest).
        CREATE TABLE member_names(
            name TEXT PRIMARY KEY,
            member_id INTEGER REFERENCES members(id) ON DELETE CASCADE
        );
        CREATE INDEX member_names_member ON member_names(member_id);
        -- What organisers recorded of a member at a session (a NULL column keeps what the minutes say).
        -- Sessions are named by their minutes' document id without a foreign key, as session_edits are;
        -- members with records cannot be deleted (they leave the group: left_on).
        CREATE TABLE signins(
            doc_id TEXT NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members(id),
            status TEXT CHECK (status IN ('present', 'leave', 'absent')),
            reason TEXT,
            lead INTEGER,
            updated_at TEXT NOT NULL,
            PRIMARY KEY(doc_id, member_id)
        );
        CREATE INDEX signins_member ON signins(member_id);
        -- Make-up study (补学) for a missed session: when, what was studied (document ids, JSON), the
        -- member's reflection that proves it.
        CREATE TABLE makeups(
            doc_id TEXT NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members(id),
            date TEXT NOT NULL,
            studied TEXT NOT NULL DEFAULT '[]',
            reflection_id TEXT,
            note TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY(doc_id, member_id)
        );
        CREATE INDEX makeups_member ON makeups(member_id);
        -- Study outputs (学习成果): a document of kind 'output' attributed to a member, a year, and a
        -- session or a plan month; a research report's outcome (成果转化).
        CREATE TABLE study_outputs(
            doc_id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            member_id INTEGER REFERENCES members(id),
            year INTEGER NOT NULL,
            session_id TEXT,
            month INTEGER CHECK (month BETWEEN 1 AND 12),
            outcome TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX study_outputs_year ON study_outputs(year, member_id);
        -- Which session studied a plan month's theme, as the organiser corrected it (a NULL doc_id: none).
        CREATE TABLE plan_held(
            plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
            month INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
            doc_id TEXT,
            PRIMARY KEY(plan_id, month)
        );
        """,
    ),
    (
        "007_gongwen",
        """
        -- What the first page says about handling: the 密级 mark (stored only where an administrator
        -- allows classified documents) and handling marks such as 内部资料 (a JSON array).
        ALTER TABLE documents ADD COLUMN classification TEXT;
        ALTER TABLE documents ADD COLUMN handling_marks TEXT NOT NULL DEFAULT '[]';
        -- The parts of an official document (公文, GB/T 9704) recognised at import; recipients a JSON array.
        CREATE TABLE document_gongwen(
            doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            number TEXT,
            title TEXT,
            recipients TEXT NOT NULL DEFAULT '[]',
            date TEXT,
            kind TEXT
        );
        CREATE INDEX document_gongwen_kind ON document_gongwen(kind);
        -- Issuing authorities one row each (joint issuers in order), so a filter by one finds joint documents.
        CREATE TABLE document_issuers(
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            issuer TEXT NOT NULL,
            PRIMARY KEY(doc_id, position)
        );
        CREATE INDEX document_issuers_issuer ON document_issuers(issuer);
        """,
    ),
    (
        "008_twins",
        """
        -- Near-duplicates: each document's MinHash signature (ingest.twins, the scheme it was made with),
        -- and the links found at import between a document and its stored twin.
        CREATE TABLE document_signatures(
            doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            scheme TEXT NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE TABLE document_twins(
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            twin_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            similarity REAL NOT NULL,
            found_at TEXT NOT NULL,
            PRIMARY KEY(doc_id, twin_id)
        );
        CREATE INDEX document_twins_twin ON document_twins(twin_id);
        """,
    ),
    (
        "009_sync",
        """
        -- Folders kept in step with the knowledge base (kb sync): the last run's outcome as JSON.
        CREATE TABLE synced_folders(
            path TEXT PRIMARY KEY,
            every_seconds INTEGER,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL,
            last_run_at TEXT,
            last_report TEXT
        );
        -- Documents whose file is gone from a synced folder, waiting for an organiser to confirm removal
        -- (or kept: kept = 1, the organiser chose to keep the document without its file).
        CREATE TABLE sync_gone(
            folder TEXT NOT NULL REFERENCES synced_folders(path) ON DELETE CASCADE,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            noticed_at TEXT NOT NULL,
            kept INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(folder, doc_id)
        );
        """,
    ),
]
