"""Documents and their tags: the stored text, its pages and headings, and what the readers found."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ingest.types import Document, GongwenInfo, Heading, MinutesInfo, Page, Speech
from kb.clock import now
from kb.records import DocumentRecord, Facets, Filters, PageSpan, doc_id_for
from kb.store.backend import Backend, Row


def minutes_to_json(minutes: MinutesInfo | None) -> str | None:
    if minutes is None:
        return None
    return json.dumps(
        {
            "date": minutes.date,
            "location": minutes.location,
            "host": minutes.host,
            "attendees": list(minutes.attendees),
            "recorder": minutes.recorder,
            "theme": minutes.theme,
            "speeches": [{"speaker": s.speaker, "text": s.text} for s in minutes.speeches],
        },
        ensure_ascii=False,
    )


def minutes_from_json(raw: str | None) -> MinutesInfo | None:
    if not raw:
        return None
    data = json.loads(raw)
    return MinutesInfo(
        date=data.get("date"),
        location=data.get("location"),
        host=data.get("host"),
        attendees=tuple(data.get("attendees") or ()),
        recorder=data.get("recorder"),
        theme=data.get("theme"),
        speeches=tuple(Speech(s["speaker"], s["text"]) for s in data.get("speeches") or ()),
    )


def filter_sql(filters: Filters) -> tuple[str, list]:
    """WHERE clause over `documents d` for the given filters."""
    clauses, params = ["1 = 1"], []
    if filters.kind:
        clauses.append("d.kind = ?")
        params.append(filters.kind)
    if filters.since:
        # A partial date ("2024-03") counts as its whole period: pad it past any day.
        clauses.append("d.date IS NOT NULL AND d.date || '-99' >= ?")
        params.append(filters.since)
    if filters.until:
        clauses.append("d.date IS NOT NULL AND d.date <= ?")
        params.append(filters.until + "-99")  # "until 2024" includes every day of 2024
    if filters.tags:
        marks = ",".join("?" * len(filters.tags))
        clauses.append(f"d.id IN (SELECT doc_id FROM document_tags WHERE tag IN ({marks}))")
        params.extend(filters.tags)
    if filters.doc_ids:
        marks = ",".join("?" * len(filters.doc_ids))
        clauses.append(f"d.id IN ({marks})")
        params.extend(filters.doc_ids)
    if filters.issuer:
        clauses.append("d.id IN (SELECT doc_id FROM document_issuers WHERE issuer = ?)")
        params.append(filters.issuer)
    if filters.genre:
        clauses.append("d.id IN (SELECT doc_id FROM document_gongwen WHERE kind = ?)")
        params.append(filters.genre)
    if filters.year:
        clauses.append("substr(d.date, 1, 4) = ?")
        params.append(f"{int(filters.year):04d}")
    return " AND ".join(clauses), params


_ORDER = {
    "date": "coalesce(d.date, '') DESC, d.title",
    "title": "d.title",
    "added": "d.added_at DESC, d.title",
}


class Documents:
    """The documents and document_tags tables."""

    TABLES = ("documents", "document_tags", "document_gongwen", "document_issuers")  # what `kb migrate` copies

    def __init__(self, backend: Backend):
        self.db = backend

    # ---- reading --------------------------------------------------------------------------------
    def get(self, doc_id: str) -> DocumentRecord | None:
        return self._one("d.id = ?", [doc_id])

    def by_hash(self, content_hash: str) -> DocumentRecord | None:
        return self._one("d.content_hash = ?", [content_hash])

    def by_path(self, path: str) -> DocumentRecord | None:
        return self._one("d.path = ?", [path])

    def many(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        """Documents by id (missing ids are absent from the result)."""
        out: dict[str, DocumentRecord] = {}
        for part, marks in self.db.in_slices(list(dict.fromkeys(doc_ids))):
            out.update((d.id, d) for d in self._records(f"d.id IN ({marks})", part))
        return out

    def find(self, ref: str) -> list[DocumentRecord]:
        """Documents whose id starts with `ref`, or whose title or file name equals it."""
        exact = self.get(ref)
        if exact:
            return [exact]
        like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self._records(
            "d.id LIKE ? ESCAPE '\\' OR d.title = ? OR d.path = ? OR d.path LIKE ? ESCAPE '\\'",
            [like + "%", ref, ref, "%/" + like],
        )

    def under(self, folder: str) -> list[tuple[str, str]]:
        """(id, path) of the documents whose file lies in `folder` or below it."""
        prefix = folder.rstrip("/") + "/"
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.db.fetch_all("SELECT id, path FROM documents WHERE path LIKE ? ESCAPE '\\' ORDER BY path", [like])
        return [(r["id"], r["path"]) for r in rows if r["path"].startswith(prefix)]  # SQLite's LIKE ignores case

    def matching(self, filters: Filters = Filters(), order: str = "date") -> list[DocumentRecord]:
        """The documents that pass the filters, in the given order ("date", "title" or "added")."""
        where, params = filter_sql(filters)
        return self._records(where, params, order)

    def text(self, doc_id: str) -> str:
        return self.db.fetch_value("SELECT text FROM documents WHERE id = ?", (doc_id,), "")

    def pages(self, doc_id: str) -> list[PageSpan]:
        raw = self.db.fetch_value("SELECT pages FROM documents WHERE id = ?", (doc_id,))
        return [PageSpan(*p) for p in json.loads(raw)] if raw else []

    def source(self, doc_id: str) -> Document | None:
        """The ingest Document a stored one was made from (for chunking it again)."""
        record = self.get(doc_id)
        row = self.db.fetch_one("SELECT text, pages, headings FROM documents WHERE id = ?", (doc_id,))
        if record is None or row is None:
            return None
        return Document(
            path=record.path, title=record.title, text=row["text"], kind=record.kind, date=record.date,
            content_hash=record.content_hash, format=record.format,
            pages=tuple(Page(*p) for p in json.loads(row["pages"])),
            headings=tuple(Heading(*h) for h in json.loads(row["headings"])),
            minutes=record.minutes, metadata=record.metadata, warnings=record.warnings,
        )

    def titles(self, doc_ids: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part, marks in self.db.in_slices(sorted(doc_ids)):
            out.update((r["id"], r["title"])
                       for r in self.db.fetch_all(f"SELECT id, title FROM documents WHERE id IN ({marks})", part))
        return out

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self.db.fetch_value("SELECT count(*) AS n FROM documents"))
        return int(self.db.fetch_value("SELECT count(*) AS n FROM documents WHERE kind = ?", (kind,)))

    def facets(self, filters: Filters = Filters()) -> Facets:
        """Issuers, 文种 and years of the documents that pass the filters, with their counts."""
        where, params = filter_sql(filters)
        issuers = self.db.fetch_all(
            f"""SELECT i.issuer AS value, count(DISTINCT i.doc_id) AS n FROM document_issuers i
                WHERE i.doc_id IN (SELECT d.id FROM documents d WHERE {where})
                GROUP BY i.issuer ORDER BY n DESC, i.issuer""", params)
        genres = self.db.fetch_all(
            f"""SELECT g.kind AS value, count(*) AS n FROM document_gongwen g
                WHERE g.kind IS NOT NULL AND g.doc_id IN (SELECT d.id FROM documents d WHERE {where})
                GROUP BY g.kind ORDER BY n DESC, g.kind""", params)
        years = self.db.fetch_all(
            f"""SELECT substr(d.date, 1, 4) AS value, count(*) AS n FROM documents d
                WHERE d.date IS NOT NULL AND {where} GROUP BY substr(d.date, 1, 4) ORDER BY value DESC""", params)
        return Facets(tuple((r["value"], r["n"]) for r in issuers), tuple((r["value"], r["n"]) for r in genres),
                      tuple((int(r["value"]), r["n"]) for r in years if r["value"].isdigit()))

    def all_tags(self) -> list[tuple[str, int]]:
        rows = self.db.fetch_all("SELECT tag, count(*) AS n FROM document_tags GROUP BY tag ORDER BY tag")
        return [(r["tag"], r["n"]) for r in rows]

    def _one(self, where: str, params: list) -> DocumentRecord | None:
        found = self._records(where, params)
        return found[0] if found else None

    def _records(self, where: str, params: list, order: str = "date") -> list[DocumentRecord]:
        rows = self.db.fetch_all(
            f"""SELECT d.id, d.title, d.kind, d.date, d.path, d.format, d.content_hash, d.added_at,
                       d.updated_at, d.minutes, d.metadata, d.warnings, d.pages, length(d.text) AS chars,
                       d.classification, d.handling_marks,
                       (SELECT count(*) FROM chunks c WHERE c.doc_id = d.id) AS chunk_count
                FROM documents d WHERE {where} ORDER BY {_ORDER.get(order, _ORDER['date'])}""",
            params,
        )
        ids = [r["id"] for r in rows]
        tags = self._tags_of(ids)
        gongwen = self._gongwen_of(ids)
        return [self._record(r, tags.get(r["id"], ()), gongwen.get(r["id"])) for r in rows]

    def _gongwen_of(self, doc_ids: list[str]) -> dict[str, GongwenInfo]:
        """Each 公文's parts, its issuers asked apart (in order)."""
        issuers: dict[str, list[str]] = {}
        found: dict[str, GongwenInfo] = {}
        for part, marks in self.db.in_slices(doc_ids):
            for r in self.db.fetch_all(
                    f"SELECT doc_id, issuer FROM document_issuers WHERE doc_id IN ({marks}) ORDER BY doc_id, position",
                    part):
                issuers.setdefault(r["doc_id"], []).append(r["issuer"])
            for r in self.db.fetch_all(
                    f"SELECT doc_id, number, title, recipients, date, kind FROM document_gongwen "
                    f"WHERE doc_id IN ({marks})", part):
                found[r["doc_id"]] = GongwenInfo(
                    issuers=tuple(issuers.get(r["doc_id"], ())), number=r["number"], title=r["title"],
                    recipients=tuple(json.loads(r["recipients"])), date=r["date"], kind=r["kind"])
        return found

    def _tags_of(self, doc_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """Each document's tags, sorted (asked apart: string aggregation is spelled differently per database)."""
        found: dict[str, list[str]] = {}
        for part, marks in self.db.in_slices(doc_ids):
            for r in self.db.fetch_all(f"SELECT doc_id, tag FROM document_tags WHERE doc_id IN ({marks})", part):
                found.setdefault(r["doc_id"], []).append(r["tag"])
        return {doc_id: tuple(sorted(tags)) for doc_id, tags in found.items()}

    @staticmethod
    def _record(r: Row, tags: tuple[str, ...], gongwen: GongwenInfo | None = None) -> DocumentRecord:
        return DocumentRecord(
            id=r["id"],
            title=r["title"],
            kind=r["kind"],
            date=r["date"],
            path=r["path"],
            format=r["format"],
            content_hash=r["content_hash"],
            tags=tags,
            chunk_count=r["chunk_count"],
            char_count=r["chars"],
            page_count=len(json.loads(r["pages"])),
            added_at=r["added_at"],
            updated_at=r["updated_at"],
            minutes=minutes_from_json(r["minutes"]),
            metadata=json.loads(r["metadata"]),
            warnings=tuple(json.loads(r["warnings"])),
            gongwen=gongwen,
            classification=r["classification"],
            handling_marks=tuple(json.loads(r["handling_marks"])),
        )

    # ---- writing (inside the caller's transaction) ----------------------------------------------
    def insert(self, doc: Document, tags: Sequence[str] = (), added_at: str | None = None) -> str:
        """Store a document (without its chunks); returns its id."""
        doc_id = doc_id_for(doc.content_hash)
        stamp = now()
        self.db.execute(
            """INSERT INTO documents(id, content_hash, path, title, kind, date, format, text, pages,
                                     headings, minutes, metadata, warnings, added_at, updated_at,
                                     classification, handling_marks)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                doc_id,
                doc.content_hash,
                doc.path,
                doc.title,
                doc.kind,
                doc.date,
                doc.format,
                doc.text,
                json.dumps([[p.number, p.start, p.end] for p in doc.pages]),
                json.dumps([[h.start, h.level, h.title] for h in doc.headings], ensure_ascii=False),
                minutes_to_json(doc.minutes),
                json.dumps(dict(doc.metadata), ensure_ascii=False),
                json.dumps(list(doc.warnings), ensure_ascii=False),
                added_at or stamp,
                stamp,
                doc.classification,
                json.dumps(list(doc.handling_marks), ensure_ascii=False),
            ),
        )
        self.add_tags(doc_id, tags)
        if doc.gongwen is not None:
            self.set_gongwen(doc_id, doc.gongwen)
        return doc_id

    def set_gongwen(self, doc_id: str, info: GongwenInfo | None) -> None:
        """Store (or clear, with None) a document's 公文 parts."""
        self.db.execute("DELETE FROM document_issuers WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM document_gongwen WHERE doc_id = ?", (doc_id,))
        if info is None:
            return
        self.db.execute(
            "INSERT INTO document_gongwen(doc_id, number, title, recipients, date, kind) VALUES (?, ?, ?, ?, ?, ?)",
            (doc_id, info.number, info.title, json.dumps(list(info.recipients), ensure_ascii=False), info.date,
             info.kind))
        rows = [(doc_id, n, issuer) for n, issuer in enumerate(dict.fromkeys(info.issuers))]
        if rows:
            self.db.executemany("INSERT INTO document_issuers(doc_id, position, issuer) VALUES (?, ?, ?)", rows)

    def set_marks(self, doc_id: str, classification: str | None, handling: Sequence[str]) -> None:
        self.db.execute("UPDATE documents SET classification = ?, handling_marks = ? WHERE id = ?",
                        (classification, json.dumps(list(handling), ensure_ascii=False), doc_id))

    def delete(self, doc_id: str) -> None:
        """Delete a document; its tags and chunks go with it (ON DELETE CASCADE)."""
        self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def set_path(self, doc_id: str, path: str) -> None:
        self.db.execute("UPDATE documents SET path = ?, updated_at = ? WHERE id = ?", (path, now(), doc_id))

    def set_metadata(self, doc_id: str, metadata: Mapping[str, str]) -> None:
        """Replace a document's metadata (what kb learns of an old document after its import)."""
        self.db.execute("UPDATE documents SET metadata = ? WHERE id = ?",
                        (json.dumps(dict(metadata), ensure_ascii=False), doc_id))

    def set_date(self, doc_id: str, date: str | None) -> bool:
        """A person's correction of the document's date (None: unknown); False if it is gone."""
        return self.db.execute("UPDATE documents SET date = ?, updated_at = ? WHERE id = ?",
                               (date, now(), doc_id)) > 0

    def set_kind(self, doc_id: str, kind: str) -> None:
        self.db.execute("UPDATE documents SET kind = ?, updated_at = ? WHERE id = ?", (kind, now(), doc_id))

    def add_tags(self, doc_id: str, tags: Sequence[str]) -> bool:
        """Add tags; returns whether any was new."""
        added = 0
        for tag in dict.fromkeys(t for t in tags if t.strip()):
            added += self.db.execute(
                "INSERT INTO document_tags(doc_id, tag) VALUES (?, ?) ON CONFLICT(doc_id, tag) DO NOTHING",
                (doc_id, tag),
            )
        return added > 0
