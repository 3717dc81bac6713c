/* Guichet resident widget. One tag on any page:
 *   <script src="https://guichet.example.fr/widget.js" data-title="…" data-color="#000091" defer></script>
 * Until the resident opens it: no cookie, no browser storage, no request to the chat API.
 * The session id and the "simplified answer" choice live in memory only; texts come from I18N
 * (one JSON file per language). "Écouter" reads an answer aloud with the browser's own speech
 * synthesis (nothing is sent anywhere); it is not shown where the browser has none. */
(() => {
  "use strict";
  const I18N = __GUICHET_I18N__;
  const script = document.currentScript;
  const config = (script && script.dataset) || {};
  const api = (config.api || new URL(script ? script.src : location.href).origin).replace(/\/$/, "");
  const color = accessibleColor(config.color);
  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
    .launcher { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000; border: 0;
      border-radius: 2rem; padding: .8rem 1.2rem; background: ${color}; color: #fff;
      font-size: 1rem; cursor: pointer; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
    .panel { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483001; width: min(26rem, calc(100vw - 2rem));
      height: min(40rem, calc(100vh - 2rem)); display: flex; flex-direction: column; background: #fff;
      color: #1b1b1b; border-radius: .75rem; box-shadow: 0 4px 24px rgba(0,0,0,.35); overflow: hidden;
      font-size: 1rem; line-height: 1.5; }
    @media (max-width: 30rem) { .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; } }
    [hidden] { display: none !important; }
    header { display: flex; align-items: center; justify-content: space-between; gap: .5rem;
      padding: .6rem .9rem; background: ${color}; color: #fff; }
    h2 { margin: 0; font-size: 1.1rem; }
    header button { background: transparent; color: #fff; border: 2px solid #fff; border-radius: .3rem;
      font-size: 1rem; padding: .1rem .5rem; cursor: pointer; }
    .log { flex: 1; overflow-y: auto; padding: .75rem; display: flex; flex-direction: column; gap: .6rem; }
    .notice { margin: 0; padding: .5rem .7rem; background: #eef; border-left: 4px solid ${color}; font-size: .9rem; }
    .msg { padding: .55rem .75rem; border-radius: .5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
    .user { align-self: flex-end; background: #e3e3fd; max-width: 85%; }
    .bot { background: #f4f4f4; }
    .bot.declined { border-left: 4px solid #b34000; }
    .who { display: block; font-size: .8rem; font-weight: 600; color: #3a3a3a; }
    .sources, .contact, .feedback { white-space: normal; font-size: .9rem; margin: .4rem 0 0; }
    .sources ol { margin: .2rem 0 0; padding-left: 1.4rem; }
    a { color: #0b3d91; }
    .feedback button, .tools button, form button, .listen { font-size: .95rem; cursor: pointer; border-radius: .3rem; }
    .listen { display: block; margin: .4rem 0 0; background: #fff; border: 1px solid #666; padding: .15rem .6rem; color: #1b1b1b; }
    .listen[data-speaking] { background: #1b1b1b; color: #fff; }
    .options { display: flex; flex-wrap: wrap; align-items: center; gap: .2rem .5rem; padding: .45rem .75rem 0;
      border-top: 1px solid #ccc; font-size: .95rem; }
    .options input { width: 1.15rem; height: 1.15rem; margin: 0; accent-color: ${color}; }
    .options .hint { flex-basis: 100%; font-size: .85rem; color: #3a3a3a; }
    .options + form { border-top: 0; }
    .feedback button { background: #fff; border: 1px solid #666; padding: .15rem .6rem; margin-right: .3rem; color: #1b1b1b; }
    .feedback button[aria-pressed="true"] { background: ${color}; color: #fff; border-color: ${color}; }
    .feedback textarea { width: 100%; margin-top: .3rem; font-size: .9rem; }
    form { display: flex; gap: .4rem; padding: .5rem .75rem; border-top: 1px solid #ccc; }
    textarea { flex: 1; font-size: 1rem; padding: .4rem; min-height: 2.6rem; resize: vertical;
      border: 1px solid #666; border-radius: .3rem; color: #1b1b1b; }
    form button { background: ${color}; color: #fff; border: 0; padding: .4rem .9rem; }
    .tools { display: flex; flex-wrap: wrap; gap: .3rem; padding: 0 .75rem .6rem; }
    .tools button { background: #fff; color: #1b1b1b; border: 1px solid #666; padding: .2rem .5rem; font-size: .85rem; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    button:focus-visible, textarea:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px;
      box-shadow: 0 0 0 5px #1b1b1b; }
  `;

  let texts = null;
  let sessionId = null;
  let busy = false;
  let simple = false;  // "Réponse simplifiée": asked for every question until unticked
  let speaking = null;  // the answer being read aloud: { button, show }
  let root, launcher, panel, log, input;
  const speech = typeof window.speechSynthesis === "object" && window.speechSynthesis
    && typeof window.SpeechSynthesisUtterance === "function" ? window.speechSynthesis : null;
  const MARKERS = /[ \t\u00a0\u202f]*\[\d+(?:\s*[,;]\s*\d+)*\]/g;  // [1], [1][2], [1, 2]

  function pickLanguage() {
    const wanted = (config.lang || document.documentElement.lang || "fr").slice(0, 2).toLowerCase();
    return I18N[wanted] ? wanted : "fr";
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function build() {
    const host = el("div", { id: "guichet-widget" });
    document.body.append(host);
    root = host.attachShadow({ mode: "open" });
    root.append(el("style", { text: CSS }));
    const lang = pickLanguage();
    texts = I18N[lang];
    launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false",
      "aria-controls": "guichet-panel", text: config.title || "Guichet", title: texts.open,
      onclick: open });
    const title = config.title || "Guichet";
    log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
    input = el("textarea", { id: "guichet-question", name: "question", maxlength: "1500", required: "",
      placeholder: texts.placeholder, rows: "2" });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    const form = el("form", { onsubmit: (event) => { event.preventDefault(); ask(); } },
      el("label", { for: "guichet-question", class: "visually-hidden", text: texts.question_label }),
      input, el("button", { type: "submit", text: texts.send }));
    const simpleBox = el("input", { type: "checkbox", id: "guichet-simple", "aria-describedby": "guichet-simple-hint",
      onchange: (event) => { simple = event.target.checked; } });
    const options = el("div", { class: "options" }, simpleBox,
      el("label", { for: "guichet-simple", text: texts.simple }),
      el("span", { class: "hint", id: "guichet-simple-hint", text: texts.simple_hint }));
    const tools = el("div", { class: "tools" },
      el("button", { type: "button", text: texts.new, onclick: restart }),
      el("button", { type: "button", text: texts.export, onclick: exportConversation }),
      el("button", { type: "button", text: texts.erase, onclick: eraseConversation }));
    panel = el("div", { class: "panel", id: "guichet-panel", role: "dialog", "aria-labelledby": "guichet-title",
      lang, dir: lang === "ar" ? "rtl" : "ltr", hidden: "" },
      el("header", {}, el("h2", { id: "guichet-title", text: title }),
        el("button", { type: "button", "aria-label": texts.close, text: "✕", onclick: close })),
      log, options, form, tools);
    panel.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
    root.append(launcher, panel);
  }

  function notices() {
    log.append(el("p", { class: "notice", text: texts.ai_notice }),
               el("p", { class: "notice", text: texts.privacy_notice }));
  }

  function open() {
    if (!log.childElementCount) notices();
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
  }

  function close() {
    hush();
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function say(kind, text) {
    const node = el("div", { class: `msg ${kind}` },
      el("span", { class: "who", text: kind === "user" ? texts.you : texts.bot }));
    const body = el("span", { class: "body", text: text || "" });
    node.append(body);
    log.append(node);
    log.scrollTop = log.scrollHeight;
    return node;
  }

  async function ask() {
    const message = input.value.trim();
    if (!message || busy) return;
    busy = true;
    input.value = "";
    say("user", message);
    const bubble = say("bot", "");
    const body = bubble.querySelector(".body");
    bubble.setAttribute("aria-busy", "true");
    body.textContent = texts.thinking;
    let streamed = "";
    try {
      const response = await fetch(`${api}/api/chat/stream`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message, ...(sessionId && { session_id: sessionId }),
                               ...(simple && { style: "simple" }) }),
      });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw new Error(problem.detail || texts.error);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (!event || !data) continue;
          const payload = JSON.parse(data[1]);
          if (event[1] === "session") sessionId = payload.session_id;
          else if (event[1] === "sentence") {  // each one already verified by the service
            streamed += (streamed ? " " : "") + payload.text;
            body.textContent = streamed;
          }
          else if (event[1] === "done") finish(bubble, payload);
          else if (event[1] === "error") throw new Error(payload.detail || texts.error);
        }
      }
    } catch (error) {
      body.textContent = error.message || texts.error;
      bubble.classList.add("declined");
    } finally {
      bubble.removeAttribute("aria-busy");
      busy = false;
      log.scrollTop = log.scrollHeight;
    }
  }

  function sourceLink(citation) {
    // Only an http(s) address becomes a link target (never javascript:, data:, …): else the copy here.
    let web = null;
    try { web = /^https?:$/.test(new URL(citation.url).protocol) ? citation.url : null; } catch (error) { web = null; }
    const href = web || `${api}/sources/${encodeURIComponent(citation.source_id)}`;
    const page = citation.page ? `, p. ${citation.page}` : "";
    return el("a", { href, target: "_blank", rel: "noopener", text: `${citation.title}${page}` });
  }

  function finish(bubble, answer) {
    bubble.querySelector(".body").textContent = answer.answer;
    bubble.querySelector(".who").textContent = `${texts.bot} · ${texts.generated}`;
    if (answer.abstained) bubble.classList.add("declined");
    if (answer.language) bubble.querySelector(".body").setAttribute("lang", answer.language);
    if (speech && answer.answer) bubble.append(listenButton(answer.answer, answer.language || panel.lang));
    if (answer.citations && answer.citations.length) {
      const list = el("ol");
      for (const citation of answer.citations) {
        const item = el("li", { value: String(citation.n) }, sourceLink(citation));
        if (/^\d{4}-\d{2}-\d{2}/.test(citation.date || "")) {  // the page's own date, if known
          const [y, m, d] = citation.date.slice(0, 10).split("-");
          item.append(` — ${texts.updated || "mis à jour le"} ${d}/${m}/${y}`);
        }
        list.append(item);
      }
      bubble.append(el("div", { class: "sources" }, el("strong", { text: texts.sources }), list));
    }
    if (answer.abstained && answer.contact) {
      const c = answer.contact;
      const card = el("div", { class: "contact" }, el("strong", { text: `${texts.contact} : ` }),
        el("span", { text: c.service }));
      if (c.phone) card.append(" · ", el("a", { href: `tel:${c.phone.replace(/\s/g, "")}`, text: c.phone }));
      if (c.email) card.append(" · ", el("a", { href: `mailto:${c.email}`, text: c.email }));
      if (c.hours) card.append(" · ", el("span", { text: c.hours }));
      if (c.url) card.append(" · ", el("a", { href: c.url, target: "_blank", rel: "noopener", text: c.url }));
      bubble.append(card);
    }
    if (answer.answer_id) bubble.append(feedback(answer.answer_id));
  }

  /* "Écouter" reads the answer (without its [n] markers) in its language; pressed again, "Arrêter"
   * stops it. One answer is read at a time. */
  function listenButton(answer, language) {
    const button = el("button", { type: "button", class: "listen" });
    const show = (on) => {
      button.textContent = on ? texts.stop : texts.listen;
      button.setAttribute("aria-label", on ? texts.stop_label : texts.listen_label);
      button.toggleAttribute("data-speaking", on);
    };
    show(false);
    button.addEventListener("click", () => {
      const was = speaking && speaking.button === button;
      hush();
      if (was) return;
      const utterance = new window.SpeechSynthesisUtterance(answer.replace(MARKERS, "").trim());
      utterance.lang = language;
      const done = () => { if (speaking && speaking.button === button) { speaking = null; show(false); } };
      utterance.onend = done;
      utterance.onerror = done;
      speaking = { button, show };
      show(true);
      speech.speak(utterance);
    });
    return button;
  }

  function hush() {
    if (!speech || !speaking) return;
    const { show } = speaking;
    speaking = null;
    speech.cancel();
    show(false);
  }

  function feedback(answerId) {
    const box = el("div", { class: "feedback" });
    const comment = el("textarea", { rows: "2", maxlength: "1000", "aria-label": texts.comment_label,
      placeholder: texts.comment_label, hidden: "" });
    const sendComment = el("button", { type: "button", text: texts.send_comment, hidden: "" });
    const status = el("span", { role: "status" });
    let helpful = null;
    const post = async () => {
      const response = await fetch(`${api}/api/feedback`, { method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ answer_id: answerId, helpful, comment: comment.value.trim() || null }) });
      status.textContent = response.ok ? texts.thanks : texts.error;
    };
    const vote = (value, button, other) => async () => {
      helpful = value;
      button.setAttribute("aria-pressed", "true");
      other.setAttribute("aria-pressed", "false");
      comment.hidden = false;
      sendComment.hidden = false;
      await post();
    };
    const up = el("button", { type: "button", "aria-pressed": "false", text: texts.helpful });
    const down = el("button", { type: "button", "aria-pressed": "false", text: texts.not_helpful });
    up.addEventListener("click", vote(true, up, down));
    down.addEventListener("click", vote(false, down, up));
    sendComment.addEventListener("click", post);
    box.append(up, down, comment, sendComment, status);
    return box;
  }

  function restart() {
    hush();
    sessionId = null;
    log.replaceChildren();
    notices();
    input.focus();
  }

  async function exportConversation() {
    if (!sessionId) { say("bot", texts.nothing); return; }
    const response = await fetch(`${api}/api/sessions/${encodeURIComponent(sessionId)}/export`);
    if (!response.ok) { say("bot", texts.error); return; }
    const blob = new Blob([JSON.stringify(await response.json(), null, 2)], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "guichet-conversation.json" });
    root.append(link);
    link.click();
    link.remove();
  }

  async function eraseConversation() {
    if (!sessionId) { say("bot", texts.nothing); return; }
    if (!window.confirm(texts.erase_confirm)) return;
    const response = await fetch(`${api}/api/sessions/${encodeURIComponent(sessionId)}`, { method: "DELETE" });
    if (!response.ok && response.status !== 404) { say("bot", texts.error); return; }
    hush();
    sessionId = null;
    log.replaceChildren();
    notices();
    say("bot", texts.erased);
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);

  /* data-color, if white text on it keeps a 4.5:1 contrast (WCAG AA), else the default blue. */
  function accessibleColor(asked) {
    const fallback = "#000091";
    if (!asked) return fallback;
    if (!/^#(?:[0-9a-fA-F]{3}){1,2}$/.test(asked)) {
      console.warn(`Guichet: data-color "${asked}" is not a #rgb or #rrggbb colour; using ${fallback}.`);
      return fallback;
    }
    const hex = asked.length === 4 ? asked.slice(1).replace(/./g, "$&$&") : asked.slice(1);
    const [r, g, b] = [0, 2, 4].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const contrast = 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
    if (contrast >= 4.5) return asked;
    console.warn(`Guichet: data-color "${asked}" gives white text a contrast of ` +
      `${contrast.toFixed(2)}:1, below the 4.5:1 that WCAG AA asks; using ${fallback}.`);
    return fallback;
  }
})();
