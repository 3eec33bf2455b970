// literate serve: upload a file as a job, follow its progress, then show each page with its
// numbered line boxes and the Markdown beside it. Plain JavaScript, nothing from a network.
"use strict";

const $ = (id) => document.getElementById(id);
const FORMATS = ["json", "md", "pdf", "txt", "hocr", "alto"];
let limits = { max_upload_mb: null, max_pages: null };
let current = null; // the job being shown: a newer upload replaces it

// ---- a tiny, safe Markdown renderer: everything is escaped, only our tags are made ----

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function inline(text) {
  // code spans first, kept aside so emphasis never reaches into them
  const codes = [];
  let t = String(text).replace(/`([^`]+)`/g, (_, code) => {
    codes.push(code);
    return "\u0000" + (codes.length - 1) + "\u0000";
  });
  t = escapeHtml(t)
    .replace(/\*\*(\S(?:[^*]*\S)?)\*\*/g, "<strong>$1</strong>")
    .replace(/__(\S(?:[^_]*\S)?)__/g, "<strong>$1</strong>")
    .replace(/\*(\S(?:[^*]*\S)?)\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_(\S(?:[^_]*\S)?)_(?=[^\w]|$)/g, "$1<em>$2</em>")
    .replace(/\[([^\]]+)\]\([^)\s]*\)/g, "$1"); // link text only: no URL from a page is followed
  return t.replace(/\u0000(\d+)\u0000/g, (_, i) => "<code>" + escapeHtml(codes[+i]) + "</code>");
}

function tableCells(row) {
  return row.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
}

function renderMarkdown(md) {
  const lines = String(md || "").split(/\r?\n/);
  const out = [];
  let para = [];
  let list = null;
  const flushPara = () => {
    if (para.length) out.push("<p>" + para.map(inline).join(" ") + "</p>");
    para = [];
  };
  const flushList = () => {
    if (list) {
      const items = list.items.map((i) => "<li>" + inline(i) + "</li>").join("");
      out.push("<" + list.tag + ">" + items + "</" + list.tag + ">");
    }
    list = null;
  };
  const flush = () => { flushPara(); flushList(); };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m;
    if (!line.trim()) { flush(); continue; }
    if ((m = line.match(/^<!-- page (\d+) -->$/))) {
      flush();
      out.push('<div class="page-break">page ' + m[1] + "</div>");
    } else if (/^\s*```/.test(line)) {
      flush();
      const code = [];
      while (++i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i]);
      out.push("<pre><code>" + escapeHtml(code.join("\n")) + "</code></pre>");
    } else if ((m = line.match(/^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/))) {
      flush();
      const n = m[1].length;
      out.push("<h" + n + ">" + inline(m[2]) + "</h" + n + ">");
    } else if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      out.push("<hr>");
    } else if (/^\s*\|/.test(line) && i + 1 < lines.length &&
               /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      flush();
      const head = tableCells(line).map((c) => "<th>" + inline(c) + "</th>").join("");
      const rows = [];
      for (i += 2; i < lines.length && /^\s*\|/.test(lines[i]); i++) {
        rows.push("<tr>" + tableCells(lines[i]).map((c) => "<td>" + inline(c) + "</td>").join("") + "</tr>");
      }
      i--;
      out.push("<table><thead><tr>" + head + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>");
    } else if ((m = line.match(/^\s*[-*+]\s+(.*)$/)) || (m = line.match(/^\s*\d+[.)]\s+(.*)$/))) {
      flushPara();
      const tag = /^\s*\d/.test(line) ? "ol" : "ul";
      if (!list || list.tag !== tag) { flushList(); list = { tag, items: [] }; }
      list.items.push(m[1]);
    } else if ((m = line.match(/^\s*>\s?(.*)$/))) {
      flush();
      out.push("<blockquote>" + inline(m[1]) + "</blockquote>");
    } else {
      flushList();
      para.push(line.trim());
    }
  }
  flush();
  return out.join("\n");
}

// ---- the document's Markdown, as the server's .md download joins it ----

function documentMarkdown(doc) {
  const parts = doc.pages.map((p) =>
    p.markdown !== null && p.markdown !== undefined ? p.markdown : p.lines.map((l) => l.text).join("\n"));
  if (parts.length === 1) return parts[0];
  return parts.map((t, i) => "<!-- page " + doc.pages[i].page + " -->\n\n" + t).join("\n\n");
}

// ---- showing a result ----

function showPage(jobId, page) {
  const figure = document.createElement("figure");
  figure.className = "page";
  figure.id = "page-" + page.page;
  const caption = document.createElement("figcaption");
  const by = page.read_by ? " · read by " + page.read_by : "";
  const note = page.note ? " · " + page.note : "";
  caption.textContent = "Page " + page.page + " · " + page.lines.length + " lines" + by + note;
  const sheet = document.createElement("div");
  sheet.className = "sheet";
  const img = document.createElement("img");
  img.className = "page-image";
  img.alt = "page " + page.page;
  img.width = page.width;
  img.height = page.height;
  img.src = "v1/jobs/" + encodeURIComponent(jobId) + "/pages/" + page.page + ".png";
  sheet.appendChild(img);
  page.lines.forEach((line, i) => {
    const [x0, y0, x1, y1] = line.bbox;
    const box = document.createElement("div");
    box.className = "box";
    box.dataset.page = page.page;
    box.dataset.line = i + 1;
    box.title = line.text;
    // percentages of the page image: the boxes follow the image at any displayed size
    box.style.left = (100 * x0 / page.width) + "%";
    box.style.top = (100 * y0 / page.height) + "%";
    box.style.width = (100 * (x1 - x0) / page.width) + "%";
    box.style.height = (100 * (y1 - y0) / page.height) + "%";
    const num = document.createElement("span");
    num.className = "num";
    num.textContent = i + 1;
    box.appendChild(num);
    box.addEventListener("mouseenter", () => hover(box, page.page, i + 1, line.text));
    box.addEventListener("mouseleave", () => box.classList.remove("active"));
    sheet.appendChild(box);
  });
  figure.append(caption, sheet);
  return figure;
}

function hover(box, page, n, text) {
  document.querySelectorAll(".box.active").forEach((b) => b.classList.remove("active"));
  box.classList.add("active");
  const out = $("hover-text");
  out.classList.add("on");
  out.textContent = "page " + page + ", line " + n + ": " + text;
}

function showResult(job) {
  const doc = job.result;
  const pages = $("pages");
  pages.replaceChildren(...doc.pages.map((p) => showPage(job.id, p)));
  const md = documentMarkdown(doc);
  $("markdown-raw").textContent = md;
  $("markdown-rendered").innerHTML = renderMarkdown(md); // built from escaped text only
  for (const fmt of FORMATS) {
    $("download-" + fmt).href = "v1/jobs/" + encodeURIComponent(job.id) + "/download/" + fmt;
  }
  $("hover-text").textContent = "Hover a box to see its line.";
  $("hover-text").classList.remove("on");
  $("result").hidden = false;
  document.body.dataset.state = "done";
}

// ---- upload, progress, errors ----

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("status").hidden = true;
  document.body.dataset.state = "failed";
}

function progress(job) {
  const total = job.pages_total || 0;
  $("progress").max = Math.max(1, total);
  $("progress").value = job.pages_done || 0;
  let text;
  if (job.status === "queued") {
    text = job.ahead ? "waiting: " + job.ahead + " ahead" : "waiting for the reader…";
  } else if (job.status === "running") {
    text = total ? "read " + job.pages_done + " of " + total + " pages" : "decoding…";
  } else {
    text = "read " + job.pages_done + " of " + total + " pages";
  }
  $("progress-text").textContent = text;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return body.error;
  } catch (e) { /* not JSON */ }
  return "the server answered " + response.status + " " + response.statusText;
}

async function follow(jobId, token) {
  let wait = 200;
  for (;;) {
    if (token !== current) return; // a newer upload took over
    const response = await fetch("v1/jobs/" + encodeURIComponent(jobId));
    if (!response.ok) { showError(await errorOf(response)); return; }
    const job = await response.json();
    if (token !== current) return;
    progress(job);
    if (job.status === "done") { $("status").hidden = true; showResult(job); return; }
    if (job.status === "failed") { showError(job.error); return; }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(1000, wait * 1.3);
  }
}

async function upload(file) {
  if (!file) return;
  const token = {};
  current = token;
  $("error").hidden = true;
  $("result").hidden = true;
  document.body.dataset.state = "uploading";
  if (limits.max_upload_mb && file.size > limits.max_upload_mb * 1048576) {
    showError(file.name + ": larger than this server's limit of " + limits.max_upload_mb + " MB");
    return;
  }
  $("status").hidden = false;
  $("progress").removeAttribute("value");
  $("progress-text").textContent = "uploading " + file.name + "…";
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("task", $("task").value);
  let response;
  try {
    response = await fetch("v1/jobs", { method: "POST", body: form });
  } catch (e) {
    showError("the upload failed: " + e.message);
    return;
  }
  if (!response.ok) { showError(await errorOf(response)); return; }
  const job = await response.json();
  document.body.dataset.state = "reading";
  await follow(job.id, token);
}

function setUp() {
  $("file").addEventListener("change", (e) => upload(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  $("show-rendered").addEventListener("click", () => tab(false));
  $("show-raw").addEventListener("click", () => tab(true));
  fetch("v1/health").then((r) => r.json()).then((h) => {
    limits = h;
    $("engine").textContent = h.engine + ": " + h.model + " · literate " + h.version;
    $("limits").textContent = "Up to " + h.max_upload_mb + " MB and " + h.max_pages +
      " pages; PDFs rendered at " + h.dpi + " dpi. The file stays on this machine.";
    if (h.task) $("task").value = h.task;
  }).catch(() => { $("engine").textContent = "the server does not answer"; });
}

function tab(raw) {
  $("markdown-raw").hidden = !raw;
  $("markdown-rendered").hidden = raw;
  $("show-raw").classList.toggle("active", raw);
  $("show-rendered").classList.toggle("active", !raw);
}

setUp();
