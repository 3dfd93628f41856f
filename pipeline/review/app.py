"""`govreport review`: a keyboard-first Textual UI over the archive store's review queue.

The screen shows one queued field at a time (lowest confidence first, grouped by document):
agency, year, printed row and column labels, id, value, confidence, status and why, the
field's table as a grid with the field under the cursor, the source line, and the cell's crop
(inline where the terminal shows images, else its path and `o` to open it).  Every decision is
written to the store at once; an edit is checked against the sum rules before it is saved.
"""
from __future__ import annotations

import gc
import shutil
import subprocess
import threading
import webbrowser
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Static

from .. import store
from .grid import format_value as _fmt
from .session import FieldView, InvalidValue, Session, parse_value, readable_source, result_of

STATUS_STYLE = {"ok": "green", "low_confidence": "yellow", "inferred": "cyan", "missing": "grey50",
                "inconsistent": "bold red"}
LABEL_WIDTH = 22


def _short(text: str, width: int = LABEL_WIDTH) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class CropCache:
    """Review crops rendered in the background, one PNG per field under `root/<sha>/`."""

    def __init__(self, conn, root: Path):
        self.conn, self.root = conn, root
        self._lock = threading.Lock()
        self._croppers: dict[str, object] = {}

    def path(self, sha: str, field_id: str) -> Path:
        return self.root / sha[:16] / f"{field_id}.png"

    def make(self, sha: str, field_id: str) -> Path | None:
        """The crop's path, rendering it when missing; None for documents without page images."""
        from ..crops import Cropper

        path = self.path(sha, field_id)
        if path.is_file():
            return path
        with self._lock:
            cropper = self._croppers.get(sha)
            if cropper is None:
                result = result_of(self.conn, sha)
                source = readable_source(self.conn, sha, self.root / sha[:16])
                if source is None or not any(p.get("path") in ("ocr", "text_layer") for p in result.pages):
                    self._croppers[sha] = False
                    return None
                cropper = self._croppers[sha] = Cropper(result, source)
            if cropper is False or field_id not in cropper.result.fields:
                return None
            crop = cropper.crop(field_id)
            if crop is None:
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            crop.save(path, compress_level=1)
            return path


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - cell_len(text))
    return fill + text if right else text + fill


class GridView(Widget):
    """The field's table drawn line by line from cached rows: a cell change or a cursor move
    redraws only the rows it touches (Textual's DataTable re-rendered every row on any cell
    update: ~40 ms a field on a 2-core machine).  Row 0 is the column header; rows scroll to
    keep the cursor in view."""

    DEFAULT_CSS = "GridView { height: 1fr; }"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._header: list[str] = []
        self._labels: list[str] = []
        self._cells: list[list[Text]] = []
        self._widths: list[int] = []
        self._cursor: tuple[int, int] | None = None
        self._top = 0  # first table row on screen
        self._lines: dict[int, Strip] = {}  # table row -> rendered line (-1: the header)

    def set_grid(self, header: list[str], labels: list[str], cells: list[list[Text]]) -> None:
        """A new table: `header` is the label column's title then the columns', `cells` by row."""
        self._header, self._labels, self._cells = header, labels, cells
        # in terminal cells: a Chinese character takes two
        self._widths = [max(map(cell_len, header[:1] + labels), default=0) + 1] + [
            max([cell_len(h)] + [row[c].cell_len for row in cells]) + 1 for c, h in enumerate(header[1:])]
        self._cursor, self._top = None, 0
        self._lines.clear()
        self.refresh()

    def update_cell(self, row: int, column: int, text: Text) -> None:
        self._cells[row][column] = text
        self._redraw_row(row)

    def move_cursor(self, row: int, column: int) -> None:
        old, self._cursor = self._cursor, (row, column)
        if self._scroll_to_cursor():
            self.refresh()
            return
        if old is not None:
            self._redraw_row(old[0])
        self._redraw_row(row)

    def _scroll_to_cursor(self) -> bool:
        """Rows from the top when they all fit, else the cursor's row in view; whether that moved."""
        shown = max(1, self.size.height - 1)
        row = self._cursor[0] if self._cursor else 0
        top = self._top
        if len(self._labels) <= shown:
            top = 0
        elif not top <= row < top + shown:
            top = max(0, min(row - shown // 2, len(self._labels) - shown))
        moved, self._top = top != self._top, top
        if moved:
            self._lines.clear()
        return moved

    def _redraw_row(self, row: int) -> None:
        self._lines.pop(row, None)
        y = row - self._top + 1
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_resize(self) -> None:
        self._scroll_to_cursor()
        self._lines.clear()

    def _line(self, row: int) -> Strip:
        if row < 0:
            t = Text(_pad(self._header[0], self._widths[0]), style="bold")
            for h, w in zip(self._header[1:], self._widths[1:]):
                t.append(_pad(h, w, right=True), style="bold")
        else:
            t = Text(_pad(self._labels[row], self._widths[0]))
            for c, (cell, w) in enumerate(zip(self._cells[row], self._widths[1:])):
                cell = cell.copy()
                cell.truncate(w - 1, overflow="ellipsis")
                cell.pad_left(w - cell.cell_len)
                if self._cursor == (row, c):
                    cell.stylize("reverse")
                t.append_text(cell)
        return Strip(t.render(self.app.console), t.cell_len)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        row = -1 if y == 0 else self._top + y - 1
        if not self._header or row >= len(self._labels):
            return Strip.blank(width, self.rich_style)
        if row not in self._lines:
            self._lines[row] = self._line(row)
        return self._lines[row].apply_style(self.rich_style).extend_cell_length(width).crop(0, width)


class ReviewApp(App):
    CSS = """
    #status { height: 1; background: $primary; color: $text; padding: 0 1; }
    #top { height: 12; }
    #field { width: 2fr; padding: 0 1; }
    #field-text { min-height: 12; }
    #crop-text { height: 1fr; }
    #image { width: 1fr; min-width: 30; height: 12; border: round $secondary; }
    #grid { height: 1fr; }
    #message { height: 2; padding: 0 1; }
    #edit { height: 3; }
    #keys { height: 1; background: $panel; }
    """
    BINDINGS = [
        Binding("a", "decide('accept')", "accept"),
        Binding("e", "edit", "edit"),
        Binding("b", "decide('blank')", "blank"),
        Binding("i", "decide('illegible')", "illegible"),
        Binding("s", "skip", "skip"),
        Binding("u", "undo", "undo"),
        Binding("n", "next_document", "next doc"),
        Binding("o", "open_image", "open image"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, session: Session, crops: CropCache | None = None, inline_images: bool = False,
                 image_widget=None):
        super().__init__()
        self.session = session
        self.crops = crops
        self.inline_images = inline_images and image_widget is not None
        self.image_widget = image_widget
        self._grid_doc: tuple[str, str] | None = None  # (sha, table) the grid shows
        self._cells: dict[str, tuple[int, int]] = {}
        self._shown: dict[str, Text] = {}  # what each grid cell shows, so a move redraws only changes
        self._pending_edit: float | int | None = None
        self._crop_path: Path | None = None
        self.title = "govreport review"

    # --- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="top"):
            yield VerticalScroll(Static(id="field-text"), id="field")
            with Vertical(id="image"):
                if self.inline_images:
                    yield self.image_widget(id="crop")
                yield Static(id="crop-text")
        box = Input(placeholder="e: edit the value (Enter saves, Esc cancels)", id="edit")
        box.can_focus = False  # typed into only after e
        yield box
        yield Static(id="message")
        yield GridView(id="grid")
        # a fixed legend, not Textual's Footer: the Footer re-mounts its keys whenever the focus
        # moves (into the edit box and back), ~100 ms a field on a 2-core machine
        yield Static(self._legend(), id="keys")

    def _legend(self) -> Text:
        t = Text()
        for b in self.BINDINGS:
            t.append(f" {b.key} ", style="bold reverse")
            t.append(f" {b.description}  ")
        t.append(" Enter ", style="bold reverse")
        t.append(" save edit  ")
        t.append(" Esc ", style="bold reverse")
        t.append(" cancel edit")
        return t

    def on_mount(self) -> None:
        self.show()
        # what exists now (modules, widgets, the queue so far) lives as long as the review: keep
        # it out of the collector's full passes, which otherwise stall a key press by 20-70 ms
        gc.freeze()

    # --- showing -------------------------------------------------------------------------------

    def show(self) -> None:
        view = self.session.view()
        n, m = self.session.progress()
        if view is None:
            self._put("#status", f"govreport review · reviewer {self.session.reviewer} · queue cleared: "
                          f"{len(self.session.done)} decisions this session · {n} of {m}")
            self.query_one("#field-text", Static).update(
                Text("Nothing left to review with these filters. Press q to quit, u to undo the last decision."))
            self._put("#crop-text", "")
            self.query_one("#grid", GridView).set_grid([], [], [])
            self._grid_doc = None
            return
        self._put("#status", f"govreport review · reviewer {self.session.reviewer} · field {n} of {m} · "
                      f"document {view.doc_index + 1} of {view.doc_count}")
        self.query_one("#field-text", Static).update(self._field_text(view))
        self._show_grid(view)
        self._show_image(view)

    def _field_text(self, v: FieldView) -> Text:
        it = v.item
        t = Text()
        t.append(f"{it.get('agency') or '(agency unknown)'} · {it.get('year') or '?'} · template "
                 f"{it.get('template')}{' hybrid' if it.get('hybrid') else ''} · {v.sha256[:12]}\n", style="bold")
        if v.labels:
            t.append(f"{v.labels.section}、{v.labels.heading} › ", style="dim")
            t.append(f"{v.labels.row_path}", style="bold cyan")
            t.append(" › ", style="dim")
            t.append(f"{v.labels.column}\n", style="bold cyan")
        t.append(f"{v.field_id}\n", style="dim")
        t.append("value ")
        t.append(_fmt(it["current_value"]), style="bold reverse")
        if not store._same(it["current_value"], it["extracted_value"]):
            t.append(f"  (extracted {_fmt(it['extracted_value'])})")
        t.append(f"   confidence {it['confidence']:.2f}   status ")
        t.append(it["status"], style=STATUS_STYLE.get(it["status"], ""))
        if it.get("conflict"):
            t.append("   re-extraction disagrees with the reviewed value", style="bold magenta")
        t.append("\n")
        for c in v.failed_checks:
            t.append(f"✗ {c.rule}: expected {_fmt(c.expected)}, printed {_fmt(c.printed)}\n", style="red")
        for reason in it.get("reasons") or []:
            if not reason.startswith("rule "):  # failed rules are listed above from current values
                t.append(f"· {reason}\n", style="yellow")
        if it.get("candidates"):
            t.append(f"candidates: {', '.join(_fmt(c) for c in it['candidates'])}\n")
        ev = v.evidence
        line = ev.get("line_text") or ev.get("text") or ""
        where = f"page {ev['page']}" if ev.get("page") else "source"
        t.append(f"{where}: ", style="dim")
        t.append(line or "(no source text: the value was derived, not printed)", style="italic")
        return t

    def _show_grid(self, v: FieldView) -> None:
        grid = self.query_one("#grid", GridView)
        if v.grid is None:
            grid.set_grid([], [], [])
            self._grid_doc = None
            return
        key = (v.sha256, v.grid.table)
        queued = self.session.queued(v.sha256)
        if self._grid_doc != key:
            header = [f"{v.grid.section}、{_short(v.grid.heading, 16)}"] + [_short(c.label, 6) for c in v.grid.columns]
            labels = [_short(f"{row.group[:6]} {row.label}" if row.group else row.label) for row in v.grid.rows]
            cells = []
            self._cells, self._shown = {}, {}
            for r, row in enumerate(v.grid.rows):
                cells.append([])
                for c, column in enumerate(v.grid.columns):
                    fid = v.grid.field(row, column)
                    cells[-1].append(text := self._cell(v, fid, queued))
                    if fid:
                        self._cells[fid] = (r, c)
                        self._shown[fid] = text
            grid.set_grid(header, labels, cells)
            self._grid_doc = key
        else:
            for fid, (r, c) in self._cells.items():
                text = self._cell(v, fid, queued)
                if text != self._shown.get(fid):
                    grid.update_cell(r, c, text)
                    self._shown[fid] = text
        if v.field_id in self._cells:
            grid.move_cursor(*self._cells[v.field_id])

    def _cell(self, v: FieldView, field_id: str | None, queued: set[str]) -> Text:
        if field_id is None:
            return Text("·", style="grey35")
        fv = v.values.get(field_id)
        if fv is None:
            return Text("?", style="grey50")
        style = STATUS_STYLE.get(fv.status, "")
        mark = "•" if field_id in queued else " "
        return Text(f"{mark}{_fmt(fv.value)}", style=style if field_id in queued else "")

    def _show_image(self, v: FieldView) -> None:
        self._crop_path = None
        if self.crops is None or not v.evidence.get("bbox"):
            why = "no page image: text input" if not v.evidence.get("bbox") else ""
            self._put("#crop-text", Text(why, style="dim"))
            return
        self._put("#crop-text", Text("rendering the cell image…", style="dim"))
        self._render_crop(v.sha256, v.field_id, self.session.peek())

    @work(thread=True, exclusive=True, group="crop")
    def _render_crop(self, sha: str, field_id: str, nxt: dict | None) -> None:
        try:
            path = self.crops.make(sha, field_id)
        except Exception as exc:  # a crop is a convenience: the review goes on without it
            self.call_from_thread(self._crop_ready, sha, field_id, None, f"no cell image ({exc})")
            return
        self.call_from_thread(self._crop_ready, sha, field_id, path, None)
        # the next field's crop, so moving on finds it ready
        if nxt is not None and nxt["evidence"].get("bbox"):
            try:
                self.crops.make(nxt["sha256"], nxt["field_id"])
            except Exception:
                pass

    def _crop_ready(self, sha: str, field_id: str, path: Path | None, error: str | None) -> None:
        cur = self.session.current
        if cur is None or (cur["sha256"], cur["field_id"]) != (sha, field_id):
            return
        self._crop_path = path
        if path is None:
            error = error or "no cell image: the source file is not at its stored path"
            self._put("#crop-text", Text(error, style="dim"))
            return
        if self.inline_images:
            self.query_one("#crop").image = str(path)
            self._put("#crop-text", Text(str(path), style="dim"))
        else:
            self._put("#crop-text", Text(f"cell image: {path}\npress o to open it", style="dim"))

    def say(self, message: str, style: str = "") -> None:
        self._put("#message", Text(message, style=style))

    def _put(self, selector: str, content: str | Text) -> None:
        """New content for a widget whose size the CSS fixes: no re-layout of the screen."""
        self.query_one(selector, Static).update(content, layout=False)

    # --- actions -------------------------------------------------------------------------------

    def action_decide(self, action: str) -> None:
        item = self.session.current
        if item is None or self._editing():
            return
        row = self.session.decide(action)
        self.say(f"{action}: {item['field_id']} = {_fmt(row['new_value'])}", "green")
        self.show()

    def action_skip(self) -> None:
        if self._editing():
            return
        self.session.skip()
        self.show()

    def action_next_document(self) -> None:
        if self._editing():
            return
        self.session.next_document()
        self.show()

    def action_undo(self) -> None:
        if self._editing():
            return
        row = self.session.undo()
        if row is None:
            self.say("nothing to undo in this session", "yellow")
        else:
            self.say(f"undone: {row['field_id']} back to {_fmt(row['new_value'])}", "yellow")
        self.show()

    def action_open_image(self) -> None:
        if self._crop_path is None:
            self.say("no cell image for this field", "yellow")
            return
        opener = shutil.which("xdg-open") or shutil.which("open")
        if opener:
            subprocess.Popen([opener, str(self._crop_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            webbrowser.open(self._crop_path.as_uri())
        self.say(f"opened {self._crop_path}")

    def action_edit(self) -> None:
        item = self.session.current
        if item is None:
            return
        box = self.query_one("#edit", Input)
        box.value = "" if item["current_value"] is None else _fmt(item["current_value"]).replace(",", "")
        box.can_focus = True
        box.focus()
        self._pending_edit = None
        self.say("type the value as printed; Enter saves, Esc cancels")

    def _editing(self) -> bool:
        return self.focused is self.query_one("#edit", Input)

    def _close_edit(self) -> None:
        box = self.query_one("#edit", Input)
        box.value = ""
        box.can_focus = False  # always on screen, typed into only after e; not disabled:
        # toggling that re-styles and re-lays out the screen (~40 ms a field)
        self._pending_edit = None
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        item = self.session.current
        if item is None:
            self._close_edit()
            return
        try:
            value = parse_value(event.value, item["field_id"], store.template_key(item))
        except InvalidValue as exc:
            self.say(str(exc), "bold red")
            return
        failing = self.session.preview_edit(value)
        if failing and self._pending_edit != value:
            # shown before anything is saved: Enter again keeps it (the printed table may be wrong)
            self._pending_edit = value
            rules = "; ".join(f"{c.rule}: expected {_fmt(c.expected)}, printed {_fmt(c.printed)}" for c in failing)
            self.say(f"with {_fmt(value)} the sum rules fail: {rules}. Enter saves anyway, Esc cancels.", "bold red")
            return
        row = self.session.decide("edit", value)
        self.say(f"edit: {row['field_id']} = {_fmt(row['new_value'])} (was {_fmt(row['old_value'])}); "
                 "checks re-run", "green")
        self.show()
        self._close_edit()  # after show: the next field's widgets are first in line to be drawn

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self._editing():
            self._close_edit()
            self.say("edit cancelled")
            event.stop()


def inline_image_widget():
    """textual-image's widget when the terminal shows real images (sixel, kitty graphics);
    None where it would only draw coloured blocks.  Must run before the app starts (it asks
    the terminal)."""
    try:
        from textual_image import renderable
        from textual_image.widget import Image
    except Exception:
        return None
    return Image if renderable.Image in (renderable.SixelImage, renderable.TGPImage) else None


def run(db: Path, reviewer: str, threshold: float, agency: str | None, year: int | None) -> Session:
    conn = store.open_store(db, create=False)
    session = Session(conn, reviewer, threshold, agency, year)
    widget = inline_image_widget()
    crops = CropCache(conn, db.with_name(db.name + ".crops"))
    ReviewApp(session, crops, inline_images=widget is not None, image_widget=widget).run()
    return session
