"""The real tools that turned report pages into what archives hold, each a *family*.

A family reads one *source* artifact of a rendered page and writes what that tool saves:

    html             the page (`render.Page`)
    pdf_chromium     the page printed to PDF by headless Chromium
    pdf_weasyprint   the page printed to PDF by WeasyPrint
    docx_pandoc      the page converted to DOCX by pandoc
    docx_libreoffice the page opened in LibreOffice Writer and saved as DOCX
    doc_libreoffice  the same, saved as Word 97-2003 .doc
    html_libreoffice the same, saved as HTML (a clerk's "save as web page")

Sources are made in batches (one browser for all pages) by `make_sources`; families are
cheap functions of a source.  Each family declares what it needs; `missing(family)` says
what is absent, so a run skips it with that message instead of failing.
"""
from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .browser import Browser, find_chromium
from .render import Page

PANDOC_TIMEOUT = 120


@dataclass(frozen=True)
class Need:
    kind: str  # python | binary | chromium
    name: str
    install: str

    def present(self) -> bool:
        if self.kind == "python":
            return importlib.util.find_spec(self.name) is not None
        if self.kind == "chromium":
            return find_chromium() is not None
        return shutil.which(self.name) is not None


def _py(module: str, package: str) -> Need:
    return Need("python", module, f"pip install '{package}' (extra: govreport[corpus])")


def _bin(name: str, apt: str) -> Need:
    return Need("binary", name, f"apt-get install {apt} (scripts/setup.sh installs it)")


CHROMIUM = Need("chromium", "chromium", "apt-get install chromium (scripts/setup.sh installs it)")
PANDOC = _bin("pandoc", "pandoc")
PDFTOTEXT = _bin("pdftotext", "poppler-utils")
SOFFICE = _bin("soffice", "--no-install-recommends libreoffice-writer")
BS4, LXML = _py("bs4", "beautifulsoup4"), _py("lxml", "lxml")
WEASYPRINT = _py("weasyprint", "weasyprint")

SOURCES: dict[str, tuple[Need, ...]] = {
    "html": (),
    "pdf_chromium": (CHROMIUM,),
    "pdf_weasyprint": (WEASYPRINT,),
    "docx_pandoc": (PANDOC,),
    "docx_libreoffice": (SOFFICE,),
    "doc_libreoffice": (SOFFICE,),
    "html_libreoffice": (SOFFICE,),
}
SOURCE_EXT = {"html": ".html", "pdf_chromium": ".pdf", "pdf_weasyprint": ".pdf", "docx_pandoc": ".docx",
              "docx_libreoffice": ".docx", "doc_libreoffice": ".doc", "html_libreoffice": ".html"}


@dataclass(frozen=True)
class Family:
    name: str
    source: str
    ext: str  # of what the family writes
    needs: tuple[Need, ...]
    convert: Callable  # (source artifact: Page | bytes, context) -> bytes
    what: str  # one line: the tool and how it is called

    def missing(self) -> list[Need]:
        return [n for n in SOURCES[self.source] + self.needs if not n.present()]

    def skip_reason(self) -> str | None:
        gone = self.missing()
        if not gone:
            return None
        return f"{self.name} skipped: needs " + "; ".join(f"{n.name} ({n.install})" for n in gone)


@dataclass
class Context:
    """What a conversion may use besides its source: a scratch dir and the batch's browser."""

    tmp: Path
    browser: Browser | None = None
    page_path: Path | None = None  # the page saved as a file (browsers load files)


# --- HTML -> text ----------------------------------------------------------------------------

def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def bs4_text(separator: str) -> Callable:
    def convert(page: Page, ctx: Context) -> bytes:
        from bs4 import BeautifulSoup

        return _utf8(BeautifulSoup(page.html, "html.parser").get_text(separator))
    return convert


def lxml_text_content(page: Page, ctx: Context) -> bytes:
    import lxml.html

    return _utf8(lxml.html.document_fromstring(page.html).text_content())


def html2text_convert(page: Page, ctx: Context) -> bytes:
    import html2text

    return _utf8(html2text.html2text(page.html))


def markdownify_convert(page: Page, ctx: Context) -> bytes:
    import markdownify

    return _utf8(markdownify.markdownify(page.html))


def pandoc(src: str, dst: str, data: bytes, out_file: bool = False) -> bytes:
    args = ["pandoc", "-f", src, "-t", dst]
    with tempfile.TemporaryDirectory(prefix="govreport-pandoc-") as tmp:
        inp = Path(tmp) / f"in.{'docx' if src == 'docx' else 'html'}"
        inp.write_bytes(data)
        out = Path(tmp) / f"out.{dst}"
        args += [str(inp)] + (["-o", str(out)] if out_file else [])
        run = subprocess.run(args, capture_output=True, timeout=PANDOC_TIMEOUT)
        if run.returncode:
            raise RuntimeError(f"pandoc {src}->{dst}: {run.stderr.decode(errors='replace')[:300]}")
        return out.read_bytes() if out_file else run.stdout


def pandoc_text(fmt: str) -> Callable:
    def convert(page: Page, ctx: Context) -> bytes:
        return pandoc("html", fmt, _utf8(page.html))
    return convert


def trafilatura_convert(page: Page, ctx: Context) -> bytes:
    import trafilatura

    return _utf8(trafilatura.extract(page.html, include_tables=True) or "")


def chromium_innertext(page: Page, ctx: Context) -> bytes:
    return _utf8(ctx.browser.inner_text(ctx.page_path))


def chromium_saved_html(page: Page, ctx: Context) -> bytes:
    return _utf8(ctx.browser.saved_html(ctx.page_path))


CRAWLER_RULE = "=" * 20 + " 正文 " + "=" * 20


def crawler_page_text(page: Page, ctx: Context) -> bytes:
    """What a site crawler saves: its metadata header, then the article's text with every line
    break dropped (cells and paragraphs joined with no separator) and spaces where &nbsp; or
    line-wrapped source text was."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.html, "html.parser")
    article = soup.find(id=page.article_id) or soup.body or soup
    text = article.get_text("")
    text = re.sub(r"[\r\n\t]+", "", text)
    text = re.sub(r"[ \u00a0\u3000]+", " ", text).strip()
    m = page.meta
    path = re.sub(r"^https?://[^/]+/", "", m["原文链接"]).rsplit(".", 1)[0]
    head = [f"标题: {m['标题']}", f"发布时间: {m['发布时间']}", f"文号: {m['文号']}", f"发布机构: {m['发布机构']}",
            f"栏目: {m['栏目']}", f"原文链接: {m['原文链接']}", f"本地目录: {path}_{m['标题']}",
            "页面链接与图片详见 links.tsv(同目录)", CRAWLER_RULE]
    return _utf8("\n".join(head) + "\n" + text + "\n")


def inscriptis_text(page: Page, ctx: Context) -> bytes:
    from inscriptis import get_text

    return _utf8(get_text(page.html))


def text_browser_dump(command: list[str]) -> Callable:
    """A text-mode browser's rendering of the page (tables laid out as a character grid)."""
    def convert(page: Page, ctx: Context) -> bytes:
        run = subprocess.run(command, input=page.html.encode("utf-8"), capture_output=True, timeout=120)
        if run.returncode:
            raise RuntimeError(f"{command[0]}: {run.stderr.decode(errors='replace')[:300]}")
        return run.stdout
    return convert


def pandas_markdown(page: Page, ctx: Context) -> bytes:
    """The article as a notebook exports it: paragraphs as text, each table through
    pandas.read_html and DataFrame.to_markdown (tabulate) -- spanned cells repeated in every
    cell they cover, empty cells as `nan`, the first row as the header, the page title on top."""
    import io as _io

    import pandas as pd
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.html, "html.parser")
    article = soup.find(id=page.article_id) or soup.body or soup
    out = [f"# {page.title}"]
    for element in article.find_all(["p", "h1", "h2", "h3", "h4", "table"]):
        if element.find_parent("table"):
            continue
        if element.name == "table":
            for frame in pd.read_html(_io.StringIO(str(element)), header=None):
                header = [str(v) for v in frame.iloc[0]]
                out.append(frame.iloc[1:].to_markdown(index=False, headers=header))
        else:
            out.append(element.get_text(" ", strip=True))
    return _utf8("\n\n".join(t for t in out if t) + "\n")


def php_json_script(page: Page, ctx: Context) -> bytes:
    """A CMS that serves the article from a script: the page's HTML as a string literal encoded the
    way PHP's json_encode does by default (non-ASCII as \\uXXXX, `/` as `\\/`)."""
    import json

    from bs4 import BeautifulSoup

    def encode(text: str) -> str:
        return json.dumps(text, ensure_ascii=True).replace("/", "\\/")

    soup = BeautifulSoup(page.html, "html.parser")
    article = soup.find(id=page.article_id) or soup.body or soup
    m = page.meta
    return _utf8(f"var articleData = {{\"title\":{encode(m['标题'])},\"pubDate\":{encode(m['发布时间'])},"
                 f"\"content\":{encode(article.decode_contents())}}};\ndocument.getElementById(\"zoom\").innerHTML = articleData.content;\n")


# --- PDF -> text -------------------------------------------------------------------------------

def pdf_itself(data: bytes, ctx: Context) -> bytes:
    return data


def _quiet_pdfminer() -> None:
    import logging

    # WeasyPrint's fonts lack a FontBBox; pdfminer logs it once per glyph run, harmlessly
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


def pdfminer_text(data: bytes, ctx: Context) -> bytes:
    from pdfminer.high_level import extract_text

    _quiet_pdfminer()
    return _utf8(extract_text(io.BytesIO(data)))


def pypdf_text(data: bytes, ctx: Context) -> bytes:
    from pypdf import PdfReader

    return _utf8("\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


def pdfplumber_text(data: bytes, ctx: Context) -> bytes:
    import pdfplumber

    _quiet_pdfminer()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return _utf8("\n".join(page.extract_text() or "" for page in pdf.pages))


def pdftotext(mode: str) -> Callable:
    def convert(data: bytes, ctx: Context) -> bytes:
        src = ctx.tmp / "in.pdf"
        src.write_bytes(data)
        run = subprocess.run(["pdftotext", mode, "-enc", "UTF-8", str(src), "-"], capture_output=True, timeout=120)
        if run.returncode:
            raise RuntimeError(f"pdftotext {mode}: {run.stderr.decode(errors='replace')[:300]}")
        return run.stdout
    return convert


def pymupdf_text(data: bytes, ctx: Context) -> bytes:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return _utf8("".join(page.get_text() for page in doc))


def pymupdf4llm_markdown(data: bytes, ctx: Context) -> bytes:
    """PyMuPDF4LLM's PDF -> markdown (with PyMuPDF's layout model where installed): tables as
    pipe tables rebuilt from the page, merged header cells split over rows, `<br>` in cells."""
    import pymupdf
    import pymupdf4llm

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return _utf8(pymupdf4llm.to_markdown(doc, use_ocr=False, show_progress=False))


# --- DOCX -> text ------------------------------------------------------------------------------

def docx2txt_text(data: bytes, ctx: Context) -> bytes:
    import docx2txt

    src = ctx.tmp / "in.docx"
    src.write_bytes(data)
    return _utf8(docx2txt.process(str(src)))


def pandoc_from_docx(data: bytes, ctx: Context) -> bytes:
    return pandoc("docx", "plain", data)


# --- the registry ------------------------------------------------------------------------------

def _pdf_families(source: str, printer: str) -> list[Family]:
    return [
        Family(f"{printer}_pdf", source, ".pdf", (), pdf_itself, f"the page printed to PDF by {printer}"),
        Family(f"{printer}_pdf_pdfminer", source, ".txt", (_py("pdfminer", "pdfminer.six"),), pdfminer_text,
               "pdfminer.six high_level.extract_text"),
        Family(f"{printer}_pdf_pypdf", source, ".txt", (_py("pypdf", "pypdf"),), pypdf_text,
               "pypdf PdfReader page.extract_text(), pages joined by a newline"),
        Family(f"{printer}_pdf_pdfplumber", source, ".txt", (_py("pdfplumber", "pdfplumber"),), pdfplumber_text,
               "pdfplumber page.extract_text(), pages joined by a newline"),
        Family(f"{printer}_pdf_pdftotext_layout", source, ".txt", (PDFTOTEXT,), pdftotext("-layout"),
               "poppler pdftotext -layout"),
        Family(f"{printer}_pdf_pdftotext_raw", source, ".txt", (PDFTOTEXT,), pdftotext("-raw"),
               "poppler pdftotext -raw"),
        Family(f"{printer}_pdf_pymupdf", source, ".txt", (_py("pymupdf", "pymupdf"),), pymupdf_text,
               "PyMuPDF page.get_text()"),
        Family(f"{printer}_pdf_pymupdf4llm", source, ".md", (_py("pymupdf4llm", "pymupdf4llm"),),
               pymupdf4llm_markdown, "PyMuPDF4LLM to_markdown() (PDF -> markdown, no OCR)"),
    ]


FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("bs4_get_text", "html", ".txt", (BS4,), bs4_text(""), "BeautifulSoup(html).get_text() (no separator)"),
    Family("bs4_get_text_newline", "html", ".txt", (BS4,), bs4_text("\n"), 'BeautifulSoup(html).get_text("\\n")'),
    Family("bs4_get_text_space", "html", ".txt", (BS4,), bs4_text(" "), 'BeautifulSoup(html).get_text(" ")'),
    Family("lxml_text_content", "html", ".txt", (LXML,), lxml_text_content, "lxml.html document text_content()"),
    Family("html2text", "html", ".md", (_py("html2text", "html2text"),), html2text_convert,
           "html2text.html2text() with its defaults (lines wrapped at 78)"),
    Family("markdownify", "html", ".md", (_py("markdownify", "markdownify"),), markdownify_convert,
           "markdownify.markdownify() with its defaults"),
    Family("pandoc_plain", "html", ".txt", (PANDOC,), pandoc_text("plain"), "pandoc -f html -t plain"),
    Family("pandoc_markdown", "html", ".md", (PANDOC,), pandoc_text("markdown"), "pandoc -f html -t markdown"),
    Family("pandoc_gfm", "html", ".md", (PANDOC,), pandoc_text("gfm"), "pandoc -f html -t gfm"),
    Family("trafilatura", "html", ".txt", (_py("trafilatura", "trafilatura"),), trafilatura_convert,
           "trafilatura.extract(html, include_tables=True)"),
    Family("chromium_innertext", "html", ".txt", (CHROMIUM,), chromium_innertext,
           "headless Chromium document.body.innerText (select all + copy)"),
    Family("chromium_saved_html", "html", ".html", (CHROMIUM,), chromium_saved_html,
           "headless Chromium's serialized DOM (Save page as, HTML only)"),
    Family("crawler_page_text", "html", ".txt", (BS4,), crawler_page_text,
           "a site crawler: metadata header, then the article text as one line (see ../shared/wild)"),
    *_pdf_families("pdf_chromium", "chromium"),
    *_pdf_families("pdf_weasyprint", "weasyprint"),
    Family("pandoc_docx", "docx_pandoc", ".docx", (), pdf_itself, "pandoc -f html -t docx"),
    Family("pandoc_docx_docx2txt", "docx_pandoc", ".txt", (_py("docx2txt", "docx2txt"),), docx2txt_text,
           "pandoc -t docx, then docx2txt.process"),
    Family("pandoc_docx_pandoc_plain", "docx_pandoc", ".txt", (PANDOC,), pandoc_from_docx,
           "pandoc -t docx, then pandoc -f docx -t plain"),
    Family("libreoffice_docx", "docx_libreoffice", ".docx", (), pdf_itself,
           "LibreOffice Writer headless: the page saved as DOCX (MS Word 2007 XML)"),
    Family("libreoffice_doc", "doc_libreoffice", ".doc", (), pdf_itself,
           "LibreOffice Writer headless: the page saved as Word 97-2003 .doc"),
    Family("libreoffice_html", "html_libreoffice", ".html", (), pdf_itself,
           "LibreOffice Writer headless: the page saved as HTML (StarWriter)"),
    Family("inscriptis", "html", ".txt", (_py("inscriptis", "inscriptis"),), inscriptis_text,
           "inscriptis.get_text(html): tables laid out as text"),
    Family("w3m_dump", "html", ".txt", (_bin("w3m", "w3m"),),
           text_browser_dump(["w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", "-cols", "120"]),
           "w3m -dump -cols 120 (a text browser's page dump)"),
    Family("lynx_dump", "html", ".txt", (_bin("lynx", "lynx"),),
           text_browser_dump(["lynx", "-dump", "-stdin", "-nolist", "-assume_charset=utf-8", "-display_charset=utf-8",
                              "-width=120"]),
           "lynx -dump -nolist -width=120"),
    Family("pandas_markdown", "html", ".md", (BS4, _py("pandas", "pandas"), _py("tabulate", "tabulate")),
           pandas_markdown, "paragraphs, and tables by pandas.read_html + DataFrame.to_markdown (spans repeated)"),
    Family("php_json_script", "html", ".js", (BS4,), php_json_script,
           "the page's HTML in a script, as PHP json_encode() writes it (\\uXXXX, \\/)"),
]}


# --- sources in batches --------------------------------------------------------------------------

def make_sources(source: str, pages: list[tuple[Path, Page]], out: list[Path]) -> None:
    """Write `source` for each (saved page, Page) to the matching path in `out`."""
    if source == "pdf_chromium":
        with Browser() as browser:
            for (path, _page), dst in zip(pages, out):
                dst.write_bytes(browser.print_pdf(path))
    elif source == "pdf_weasyprint":
        import logging

        import weasyprint

        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # unsupported mso-* CSS is expected
        for (path, _page), dst in zip(pages, out):
            dst.write_bytes(weasyprint.HTML(filename=str(path)).write_pdf())
    elif source == "docx_pandoc":
        for (path, page), dst in zip(pages, out):
            dst.write_bytes(pandoc("html", "docx", page.html.encode("utf-8"), out_file=True))
    elif source in ("docx_libreoffice", "doc_libreoffice", "html_libreoffice"):
        target = {"docx_libreoffice": "docx:MS Word 2007 XML", "doc_libreoffice": "doc:MS Word 97",
                  "html_libreoffice": "html:HTML (StarWriter)"}[source]
        libreoffice_convert([path for path, _page in pages], out, target)
    else:
        raise ValueError(f"unknown source {source}")


def libreoffice_convert(pages: list[Path], out: list[Path], target: str) -> None:
    """One LibreOffice run converts a batch of saved pages (its start-up dominates a single file)."""
    ext = "." + target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="govreport-lo-") as tmp:
        names = []
        for k, page in enumerate(pages):
            name = Path(tmp) / f"p{k:05d}.html"
            name.write_bytes(page.read_bytes())
            names.append(name)
        for start in range(0, len(names), 50):
            chunk = names[start:start + 50]
            profile = (Path(tmp) / "profile").as_uri()  # private: never fights a running LibreOffice
            run = subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}",
                                  "--convert-to", target, "--outdir", str(Path(tmp) / "out"), *map(str, chunk)],
                                 capture_output=True, timeout=60 + 20 * len(chunk))
            if run.returncode:
                raise RuntimeError(f"soffice --convert-to {target}: {run.stderr.decode(errors='replace')[:300]}")
        for name, dst in zip(names, out):
            dst.write_bytes((Path(tmp) / "out" / name.with_suffix(ext).name).read_bytes())
