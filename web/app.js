// The self-check page: builds a project (docs/project.md) from the form, posts it to
// /v1/report.html and shows the report; a 422 answer's problems are shown beside the fields they
// name. Vanilla JS, no build step; every request goes to this service only.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    schema: null,
    industries: [], // flat: {code, name, level, path, text}
    chosen: [], // [{code, name, known}]
    lastReport: null,
    lastLabel: "",
  };

  const NATURES = ["新建", "改建", "扩建", "技术改造", "迁建"];
  const CRS_OPTIONS = [
    ["CGCS2000", "CGCS2000 / WGS84 经纬度（GPS、天地图、奥维等）"],
    ["GCJ-02", "GCJ-02 经纬度（高德地图、腾讯地图）"],
    ["BD-09", "BD-09 经纬度（百度地图）"],
    ["GK3", "CGCS2000 3° 高斯-克吕格投影（米）"],
    ["GK6", "CGCS2000 6° 高斯-克吕格投影（米）"],
  ];
  const FIGURES = [
    ["total", "排放总量"],
    ["increase", "新增量"],
    ["offset", "削减替代量"],
  ];

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(url + " 返回 " + r.status);
    return r.json();
  }

  // ---- the form's parts -------------------------------------------------------------------

  function buildNatures() {
    const box = $("nature");
    for (const n of NATURES) {
      box.append(el("label", { class: "choice" }, el("input", { type: "radio", name: "nature", value: n }), " " + n));
    }
  }

  function buildCrsSelects() {
    for (const sel of document.querySelectorAll(".crs-select")) {
      if (sel.id === "crs-upload") {
        sel.append(el("option", { value: "", text: "按文件中的声明（未声明时为 CGCS2000 经纬度）" }));
      }
      for (const [v, t] of CRS_OPTIONS) sel.append(el("option", { value: v, text: t }));
      const zoneBox = $(sel.dataset.zone);
      sel.addEventListener("change", () => {
        zoneBox.hidden = !sel.value.startsWith("GK");
      });
    }
  }

  function buildTabs() {
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => {
        for (const t of document.querySelectorAll(".tab")) {
          const on = t === tab;
          t.classList.toggle("active", on);
          t.setAttribute("aria-selected", on ? "true" : "false");
          $(t.dataset.panel).hidden = !on;
        }
      });
    }
  }

  function activeSiteTab() {
    return $("tab-upload").classList.contains("active") ? "upload" : "paste";
  }

  function buildEmissions(pollutants) {
    const body = $("emission-rows");
    body.textContent = "";
    for (const p of pollutants) {
      const row = el("tr", { "data-field": "emissions." + p }, el("th", { scope: "row", text: p }));
      for (const [f, label] of FIGURES) {
        const input = el("input", {
          type: "text",
          inputmode: "decimal",
          "data-pollutant": p,
          "data-figure": f,
          "data-field": "emissions." + p + "." + f,
          "aria-label": p + " " + label + "（t/a）",
        });
        row.append(el("td", {}, input, el("div", { class: "field-error" })));
      }
      body.append(row);
    }
  }

  function buildFacts(facts) {
    const box = $("fact-fields");
    box.textContent = "";
    for (const f of facts) {
      const id = "fact-" + f.name;
      const label = f.description || f.name;
      const field = el("div", { class: "field", "data-field": "facts." + f.name });
      let control;
      if (f.type === "number") {
        control = el(
          "div",
          { class: "with-unit" },
          el("input", { id, type: "text", inputmode: "decimal", "data-fact": f.name, "data-type": "number" }),
          el("span", { class: "unit", text: f.unit || "" }),
        );
        field.append(el("label", { for: id, text: label }), control);
      } else if (f.type === "bool") {
        control = el("select", { id, "data-fact": f.name, "data-type": "bool" });
        control.append(el("option", { value: "", text: "未填" }), el("option", { value: "true", text: "是" }), el("option", { value: "false", text: "否" }));
        field.append(el("label", { for: id, text: label }), control);
      } else if (f.type === "enum") {
        control = el("select", { id, "data-fact": f.name, "data-type": "enum" });
        control.append(el("option", { value: "", text: "未填" }));
        for (const v of f.values || []) control.append(el("option", { value: v, text: v }));
        field.append(el("label", { for: id, text: label }), control);
      } else if (f.type === "set") {
        control = el("div", { class: "choices", id, "data-fact": f.name, "data-type": "set", role: "group", "aria-label": label });
        for (const v of f.values || []) {
          control.append(el("label", { class: "choice" }, el("input", { type: "checkbox", value: v }), " " + v));
        }
        field.append(el("span", { class: "label", text: label + "（可多选）" }), control);
      } else {
        continue;
      }
      field.append(el("div", { class: "field-error" }));
      box.append(field);
    }
  }

  // ---- the industry picker ----------------------------------------------------------------

  function flattenIndustries(tree) {
    const out = [];
    for (const s of tree.sections || []) {
      for (const d of s.divisions || []) {
        for (const g of d.groups || []) {
          for (const c of g.classes || []) {
            out.push({
              code: c.code,
              name: c.name,
              path: s.name + " › " + d.name + " › " + g.name,
              own: c.name.toLowerCase(),
              parents: (s.name + " " + d.name + " " + g.name).toLowerCase(),
            });
          }
        }
      }
    }
    return out;
  }

  function searchIndustries(query) {
    const q = query.trim().toLowerCase().replace(/\s+/g, "");
    if (!q) return [];
    const code = q.toUpperCase();
    const digits = /^[a-z]?\d+$/i.test(q) ? q.replace(/^[a-z]/i, "") : null;
    const exact = [];
    const byName = [];
    const byParent = [];
    for (const i of state.industries) {
      if (digits !== null) {
        if (i.code.slice(1).startsWith(digits) && (!/^[a-z]/i.test(q) || i.code[0] === code[0])) exact.push(i);
      } else if (i.code === code) {
        exact.push(i);
      } else if (i.own.includes(q)) {
        byName.push(i);
      } else if (i.parents.includes(q)) {
        byParent.push(i);
      }
    }
    return exact.concat(byName, byParent);
  }

  const MAX_RESULTS = 40;

  function showResults() {
    const list = $("ind-results");
    const hits = searchIndustries($("ind-search").value);
    list.textContent = "";
    if (!$("ind-search").value.trim()) {
      list.hidden = true;
      return;
    }
    if (hits.length === 0) {
      list.append(el("li", { class: "empty", text: "没有找到匹配的行业小类。可换个词，或输入 4 位行业代码后按回车直接添加。" }));
    }
    for (const i of hits.slice(0, MAX_RESULTS)) {
      const chosen = state.chosen.some((c) => c.code === i.code);
      const li = el(
        "li",
        { role: "option", "data-code": i.code, class: chosen ? "chosen" : null, "aria-selected": chosen ? "true" : "false" },
        el("span", { class: "code", text: i.code }),
        el("span", { class: "name", text: i.name }),
        el("span", { class: "path", text: i.path }),
      );
      li.addEventListener("mousedown", (ev) => {
        ev.preventDefault();
        choose(i.code, i.name, true);
      });
      list.append(li);
    }
    if (hits.length > MAX_RESULTS) {
      list.append(el("li", { class: "empty", text: "共 " + hits.length + " 项，仅显示前 " + MAX_RESULTS + " 项，请输入更具体的词。" }));
    }
    list.hidden = false;
  }

  function choose(code, name, known) {
    if (!state.chosen.some((c) => c.code === code)) state.chosen.push({ code, name, known });
    $("ind-search").value = "";
    $("ind-results").hidden = true;
    renderChosen();
  }

  function renderChosen() {
    const box = $("ind-chosen");
    box.textContent = "";
    if (state.chosen.length === 0) {
      box.append(el("span", { class: "hint", text: "尚未选择行业。" }));
    }
    state.chosen.forEach((c, idx) => {
      const remove = el("button", { type: "button", class: "chip-x", "aria-label": "移除 " + c.code, text: "×" });
      remove.addEventListener("click", () => {
        state.chosen.splice(idx, 1);
        renderChosen();
      });
      box.append(
        el(
          "span",
          { class: "chip" + (c.known ? "" : " unknown"), "data-code": c.code, "data-field": "industry[" + idx + "]" },
          el("span", { class: "code", text: c.code }),
          " " + (c.known ? c.name : "（未在分类表中找到）"),
          remove,
        ),
      );
    });
  }

  function buildPicker() {
    const input = $("ind-search");
    input.addEventListener("input", showResults);
    input.addEventListener("focus", showResults);
    input.addEventListener("blur", () => setTimeout(() => ($("ind-results").hidden = true), 150));
    input.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const hits = searchIndustries(text);
      const exact = hits.find((h) => h.code === text.toUpperCase() || h.code.slice(1) === text);
      if (exact) choose(exact.code, exact.name, true);
      else if (hits.length === 1) choose(hits[0].code, hits[0].name, true);
      else if (/^[A-Za-z]?\d{2,4}$/.test(text)) choose(text.toUpperCase(), "", false);
    });
    renderChosen();
  }

  // ---- building the project ---------------------------------------------------------------

  function numberOrText(s) {
    const t = s.trim();
    if (t === "") return undefined;
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : t;
  }

  function crsValue(selectId, zoneId, problems) {
    const v = $(selectId).value;
    if (!v.startsWith("GK")) return v || undefined;
    const zone = $(zoneId).value.trim();
    if (!/^\d{1,2}$/.test(zone)) {
      problems.push({ field: "zone:" + zoneId, message: "请填写高斯-克吕格投影的带号（如 3° 带第 40 带填 40）" });
      return undefined;
    }
    return "CGCS2000 " + (v === "GK3" ? "3" : "6") + "度带 " + zone + "带";
  }

  function utf8Base64(text) {
    return bytesBase64(new TextEncoder().encode(text));
  }

  function bytesBase64(bytes) {
    let bin = "";
    const chunk = 0x8000;
    for (let i = 0; i < bytes.length; i += chunk) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
    }
    return btoa(bin);
  }

  // Pasted pairs → a GeoJSON geometry; blank lines separate parcels.
  function pairsToGeometry(text, problems) {
    const parts = [[]];
    const lines = text.split(/\r?\n/);
    lines.forEach((line, n) => {
      const t = line.trim();
      if (!t) {
        if (parts[parts.length - 1].length) parts.push([]);
        return;
      }
      const nums = (t.match(/[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g) || []).map(Number);
      const words = t.replace(/[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g, "").replace(/[\s,，;；:：°]+/g, "");
      if (nums.length < 2) {
        if (nums.length === 0 && n === 0) return; // a header line
        problems.push({ field: "location", message: "第 " + (n + 1) + " 行“" + t + "”不是一对坐标" });
        return;
      }
      if (nums.length > 3 || (nums.length === 3 && !/^[A-Za-z]*$/.test(words) && words.length > 4)) {
        problems.push({ field: "location", message: "第 " + (n + 1) + " 行“" + t + "”有多于两个数" });
        return;
      }
      // "J1, X, Y" or "1, X, Y": the point number comes first.
      parts[parts.length - 1].push(nums.slice(-2));
    });
    const groups = parts.filter((p) => p.length);
    if (problems.length) return null;
    if (groups.length === 0) return null;
    const ring = (pts) => {
      const r = pts.slice();
      const a = r[0];
      const b = r[r.length - 1];
      if (a[0] !== b[0] || a[1] !== b[1]) r.push(a.slice());
      return [r];
    };
    if (groups.length === 1) {
      const pts = groups[0];
      if (pts.length === 1) return { type: "Point", coordinates: pts[0] };
      if (pts.length === 2) return { type: "LineString", coordinates: pts };
      return { type: "Polygon", coordinates: ring(pts) };
    }
    if (groups.every((g) => g.length === 1)) return { type: "MultiPoint", coordinates: groups.map((g) => g[0]) };
    if (groups.every((g) => g.length >= 3)) return { type: "MultiPolygon", coordinates: groups.map(ring) };
    problems.push({ field: "location", message: "多个地块须都有 3 个及以上的点" });
    return null;
  }

  function formatFromName(name) {
    const ext = (name.split(".").pop() || "").toLowerCase();
    return { zip: "shapefile", shp: "shapefile", kml: "kml", geojson: "geojson", json: "geojson", wkt: "wkt", csv: "table", tsv: "table", txt: "txt" }[ext] || "";
  }

  // A .txt is a 电子报盘 file when one of its first lines opens a [属性描述] or [地块坐标]
  // section (often GBK-encoded), else a 界址点 table.
  function sniffTxt(bytes) {
    const head = bytes.subarray(0, 4096);
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    } catch (e) {
      text = new TextDecoder("gbk").decode(head);
    }
    const lines = text.split(/\r?\n/).map((l) => l.trim().replace(/^\ufeff/, "")).filter((l) => l).slice(0, 5);
    return lines.some((l) => l.startsWith("[属性描述]") || l.startsWith("[地块坐标]")) ? "land_txt" : "table";
  }

  async function siteFields(problems) {
    if (activeSiteTab() === "paste") {
      const text = $("coords").value.trim();
      const crs = crsValue("crs-paste", "zone-paste", problems);
      const out = {};
      if (crs && crs !== "CGCS2000") out.crs = crs;
      if (!text) {
        problems.push({ field: "location", message: "请填写项目位置：粘贴坐标，或上传红线文件" });
        return out;
      }
      if (text.startsWith("{")) {
        out.site = { format: "geojson", filename: "粘贴的GeoJSON.geojson", data_base64: utf8Base64(text) };
      } else if (/^(SRID=\d+;)?\s*(POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION)\b/i.test(text)) {
        out.location = text;
      } else {
        const g = pairsToGeometry(text, problems);
        if (g) out.location = g;
      }
      return out;
    }
    const file = $("file").files[0];
    const crs = crsValue("crs-upload", "zone-upload", problems);
    const out = {};
    if (crs) out.crs = crs;
    if (!file) {
      problems.push({ field: "site", message: "请选择要上传的红线文件" });
      return out;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let format = $("file-format").value || formatFromName(file.name);
    if (format === "txt") format = sniffTxt(bytes);
    if (!format) {
      problems.push({ field: "site", message: "无法从文件名“" + file.name + "”判断格式，请在“文件格式”中选择" });
      return out;
    }
    out.site = { format, filename: file.name, data_base64: bytesBase64(bytes) };
    return out;
  }

  async function buildProject() {
    const problems = [];
    const p = {};
    const name = $("name").value.trim();
    if (name) p.name = name;
    else problems.push({ field: "name", message: "请填写项目名称" });
    const id = $("pid").value.trim();
    if (id) p.id = id;
    const nature = document.querySelector("input[name=nature]:checked");
    if (nature) p.nature = nature.value;
    else problems.push({ field: "nature", message: "请选择建设性质" });
    if (state.chosen.length) p.industry = state.chosen.map((c) => c.code);
    else problems.push({ field: "industry", message: "请至少选择一个行业类别" });
    const park = document.querySelector("input[name=in_park]:checked");
    if (park && park.value) p.in_park = park.value === "yes";
    Object.assign(p, await siteFields(problems));
    const acc = numberOrText($("accuracy").value);
    if (acc !== undefined) p.accuracy_m = acc;

    const emissions = {};
    for (const input of document.querySelectorAll("#emission-rows input")) {
      const v = numberOrText(input.value);
      if (v === undefined) continue;
      const pol = input.dataset.pollutant;
      (emissions[pol] = emissions[pol] || {})[input.dataset.figure] = v;
    }
    if (Object.keys(emissions).length) p.emissions = emissions;

    const facts = {};
    for (const c of document.querySelectorAll("#fact-fields [data-fact]")) {
      const name = c.dataset.fact;
      const type = c.dataset.type;
      if (type === "number") {
        const v = numberOrText(c.value);
        if (v !== undefined) facts[name] = v;
      } else if (type === "bool") {
        if (c.value) facts[name] = c.value === "true";
      } else if (type === "enum") {
        if (c.value) facts[name] = c.value;
      } else if (type === "set") {
        const vals = Array.from(c.querySelectorAll("input:checked")).map((i) => i.value);
        if (vals.length) facts[name] = vals;
      }
    }
    if (Object.keys(facts).length) p.facts = facts;
    return { project: p, problems };
  }

  // ---- errors beside their fields -----------------------------------------------------------

  const LABELS = [
    ["name", "项目名称"],
    ["id", "项目编号"],
    ["nature", "建设性质"],
    ["in_park", "是否位于园区"],
    ["industry", "行业类别"],
    ["accuracy_m", "定位精度"],
    ["location", "项目位置"],
    ["site", "项目位置（上传文件）"],
    ["crs", "坐标系"],
    ["axis_order", "坐标顺序"],
    ["zone:", "带号"],
  ];

  function fieldLabel(field) {
    const m = /^emissions\.([^.[]+)(?:\.(\w+))?/.exec(field);
    if (m) {
      const fig = FIGURES.find((f) => f[0] === m[2]);
      return "污染物 " + m[1] + (fig ? " " + fig[1] : "");
    }
    const f = /^facts\.([^.[]+)/.exec(field);
    if (f && state.schema) {
      const def = state.schema.facts.find((x) => x.name === f[1]);
      return def && def.description ? def.description : f[1];
    }
    for (const [k, v] of LABELS) if (k.endsWith(":") ? field.startsWith(k) : matches(k, field)) return v;
    return field;
  }

  // Chinese for the service's most common messages; the original (with its help) follows.
  const ZH = [
    [/^is missing/, () => "未填写"],
    [/^is empty/, () => "不能为空"],
    [/`([^`]*)` is not a GB\/T 4754-2017 industry code/, (m) => "“" + m[1] + "”不是国民经济行业分类（GB/T 4754-2017）中的代码"],
    [/(\[[^\]]*\]) is outside China/, (m) => "坐标 " + m[1] + " 不在中国境内，请检查经纬度是否填反、坐标系是否选对"],
    [/`([^`]*)` is not a number/, (m) => "“" + m[1] + "”不是数字"],
    [/crosses itself|self-intersect/, () => "地块边界自相交，请检查点的顺序"],
    [/unknown construction nature/, () => "建设性质不正确"],
  ];

  function explain(p) {
    const original = p.message + (p.help ? "（" + p.help + "）" : "");
    for (const [re, f] of ZH) {
      const m = re.exec(p.message || "");
      if (m) return [f(m), original];
    }
    return [original, ""];
  }

  function matches(prefix, field) {
    return field === prefix || field.startsWith(prefix + ".") || field.startsWith(prefix + "[");
  }

  // The element a problem belongs to: the [data-field] with the longest matching prefix.
  function targetFor(field) {
    if (field.startsWith("zone:")) return $(field.slice(5));
    let best = null;
    let bestLen = -1;
    for (const e of document.querySelectorAll("#form [data-field]")) {
      if (e.offsetParent === null && e.tagName !== "TR") continue;
      for (const prefix of e.dataset.field.split(/\s+/)) {
        if (matches(prefix, field) && prefix.length > bestLen) {
          best = e;
          bestLen = prefix.length;
        }
      }
    }
    return best;
  }

  function clearErrors() {
    for (const e of document.querySelectorAll(".field-error")) e.textContent = "";
    for (const e of document.querySelectorAll(".invalid")) e.classList.remove("invalid");
    $("summary").hidden = true;
    $("summary").textContent = "";
  }

  function showProblems(problems, title) {
    const list = el("ul");
    let first = null;
    for (const p of problems) {
      const target = targetFor(p.field);
      const [msg, detail] = explain(p);
      if (target) {
        target.classList.add("invalid");
        // Site problems go under the whole site block, not under one of its inputs.
        let slot = target.id === "sec-site" ? $("site-error") : target.querySelector(":scope > .field-error");
        if (!slot) {
          const holder = target.closest("td, .field, section");
          slot = holder ? holder.querySelector(".field-error") : null;
        }
        if (slot) {
          slot.append(el("div", { class: "error-line", "data-for": p.field }, msg, detail ? el("span", { class: "detail", text: " " + detail }) : null));
        }
        if (!first) first = target;
      }
      const link = el("a", { href: "#", text: fieldLabel(p.field) });
      link.addEventListener("click", (ev) => {
        ev.preventDefault();
        if (target) {
          target.scrollIntoView({ block: "center" });
          const focusable = target.matches("input,select,textarea") ? target : target.querySelector("input,select,textarea");
          if (focusable) focusable.focus({ preventScroll: true });
        }
      });
      list.append(el("li", {}, link, "：" + msg, detail ? el("span", { class: "detail", text: " " + detail }) : null));
    }
    const s = $("summary");
    s.textContent = "";
    s.append(el("strong", { text: title || "有 " + problems.length + " 处需要修改，请查看下面标红的栏目：" }), list);
    s.hidden = false;
    s.scrollIntoView({ block: "start" });
  }

  // ---- submitting -------------------------------------------------------------------------

  function setBusy(busy, text) {
    $("submit").disabled = busy;
    $("status").textContent = text || "";
  }

  function showReport(html, label) {
    state.lastReport = html;
    state.lastLabel = label;
    const doc = new DOMParser().parseFromString(html, "text/html");
    const verdict = doc.querySelector(".verdict");
    const labelEl = doc.querySelector(".verdict-label");
    const counts = doc.querySelector(".verdict .counts");
    const banner = $("verdict");
    banner.className = "verdict-banner " + (verdict ? verdict.className.replace("verdict ", "") : "");
    banner.textContent = "";
    if (labelEl) banner.append(el("span", { class: "verdict-text", text: labelEl.textContent }));
    if (counts) banner.append(el("span", { class: "verdict-counts", text: counts.textContent }));
    const frame = $("report");
    frame.onload = () => {
      try {
        const h = frame.contentDocument.documentElement.scrollHeight;
        frame.style.height = Math.max(400, h + 20) + "px";
      } catch (e) {
        frame.style.height = "1200px";
      }
    };
    frame.srcdoc = html;
    $("result").hidden = false;
    $("result").scrollIntoView({ block: "start" });
  }

  async function submit(ev) {
    ev.preventDefault();
    clearErrors();
    $("result").hidden = true;
    setBusy(true, "正在检查…");
    try {
      const { project, problems } = await buildProject();
      if (problems.length) {
        showProblems(problems);
        setBusy(false, "");
        return;
      }
      const r = await fetch("/v1/report.html", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/html, application/json" },
        body: JSON.stringify(project),
      });
      const type = r.headers.get("Content-Type") || "";
      if (r.ok && type.startsWith("text/html")) {
        showReport(await r.text(), project.id || project.name || "report");
        setBusy(false, "检查完成。");
        return;
      }
      let body = null;
      try {
        body = await r.json();
      } catch (e) {
        body = null;
      }
      const err = body && body.error;
      if (err && Array.isArray(err.problems) && err.problems.length) {
        showProblems(err.problems);
      } else if (err && err.field) {
        showProblems([{ field: err.field, message: err.message, help: err.help }]);
      } else {
        showProblems([], "检查未能完成：" + (err ? err.message + (err.help ? "（" + err.help + "）" : "") : "服务返回 " + r.status));
      }
      setBusy(false, "");
    } catch (e) {
      showProblems([], "检查未能完成：" + e.message);
      setBusy(false, "");
    }
  }

  function download() {
    if (!state.lastReport) return;
    const blob = new Blob([state.lastReport], { type: "text/html;charset=utf-8" });
    const a = el("a", { href: URL.createObjectURL(blob), download: "zonecheck-" + state.lastLabel + ".html" });
    document.body.append(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  }

  function zeroEmissions() {
    for (const input of document.querySelectorAll("#emission-rows input")) {
      if (!input.value.trim()) input.value = "0";
    }
  }

  function describeFile() {
    const file = $("file").files[0];
    const names = { shapefile: "Shapefile", kml: "KML", geojson: "GeoJSON", wkt: "WKT", table: "界址点坐标表", txt: "电子报盘或界址点坐标表", "": "未知格式" };
    $("file-info").textContent = file ? "已选择 " + file.name + "（" + Math.ceil(file.size / 1024) + " KB，" + names[formatFromName(file.name)] + "）" : "";
  }

  async function init() {
    buildNatures();
    buildCrsSelects();
    buildTabs();
    buildPicker();
    $("form").addEventListener("submit", submit);
    $("download").addEventListener("click", download);
    $("zero-emissions").addEventListener("click", zeroEmissions);
    $("file").addEventListener("change", describeFile);
    try {
      const [schema, tree] = await Promise.all([getJson("/v1/schema"), getJson("/v1/industries")]);
      state.schema = schema;
      $("ruleset-name").textContent = schema.rule_set.name + "（" + schema.rule_set.version + " 版）";
      buildEmissions(schema.pollutants || []);
      buildFacts(schema.facts || []);
      state.industries = flattenIndustries(tree);
      document.body.dataset.ready = "true";
    } catch (e) {
      showProblems([], "页面初始化失败：" + e.message + "。请刷新重试。");
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
