// The fake Knock's inbox: polls /_fake/inbox/state every second and draws it.
// Everything from the state is untrusted text: it goes in with textContent (or as an
// attribute), never as HTML; an email's HTML goes only into a sandboxed srcdoc frame.
"use strict";

(() => {
  const STATE_URL = "/_fake/inbox/state";
  const POLL_MS = 1000;
  const CHANNELS = ["email", "sms", "push", "chat", "in_app_feed", "http"];
  const CHANNEL_NAMES = {email: "Email", sms: "SMS", push: "Push", chat: "Chat", in_app_feed: "In-app feed",
                         http: "Webhook"};
  const token = document.querySelector('meta[name="knockkit-inbox-token"]').content;
  const $ = (id) => document.getElementById(id);

  let selected = null; // a recipient's key, or null for everyone
  let latest = null; // the last state drawn
  const drawn = {}; // section -> the JSON it was last drawn from (redraw only on change)
  let polling = false;

  // --- building elements ---------------------------------------------------------------------

  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined || child === "") continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function pill(status) {
    return el("span", `pill st-${String(status).replace(/[^a-z_]/g, "")}`, status);
  }

  function when(stamp, short) {
    if (!stamp) return "";
    const date = new Date(stamp);
    if (Number.isNaN(date.getTime())) return String(stamp);
    const iso = date.toISOString(); // shown in UTC, as Knock's timestamps are
    return short ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  }

  function time(stamp, short) {
    const node = el("time", "", when(stamp, short));
    if (stamp) node.dateTime = stamp;
    return node;
  }

  function safeLink(url) {
    // Only http(s) URLs become links; anything else (javascript:, data:) stays text.
    let parsed = null;
    try { parsed = new URL(url); } catch (error) { parsed = null; }
    if (!parsed || !["http:", "https:"].includes(parsed.protocol)) return el("code", "", url);
    const link = el("a", "", url);
    link.href = parsed.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function field(label, value) {
    if (value === null || value === undefined || value === "") return null;
    return el("div", "field", el("span", "label", label), el("span", "value", typeof value === "string" ? value : JSON.stringify(value)));
  }

  // --- recipients ----------------------------------------------------------------------------

  function drawRecipients(state) {
    const counts = {};
    for (const message of state.messages) counts[message.recipient] = (counts[message.recipient] || 0) + 1;
    const list = $("recipient-list");
    list.replaceChildren();
    const everyone = recipientItem(null, "Everyone", `${state.recipients.length} recipients`, state.messages.length);
    list.append(everyone);
    for (const r of state.recipients) {
      const detail = [r.name ? r.key : null, r.email, r.phone_number].filter(Boolean).join(" · ");
      list.append(recipientItem(r.key, r.name || r.key, detail, counts[r.key] || 0));
    }
  }

  function recipientItem(key, title, detail, count) {
    const button = el("button", "recipient", el("span", "who", el("strong", "", title), el("small", "", detail)),
                      el("span", "count", count));
    button.type = "button";
    button.dataset.recipient = key === null ? "" : key;
    button.setAttribute("aria-pressed", String(selected === key));
    button.addEventListener("click", () => { selected = key; redraw(true); });
    return el("li", "", button);
  }

  // --- messages ------------------------------------------------------------------------------

  function drawMessages(messages) {
    const list = $("message-list");
    list.replaceChildren();
    $("messages-title").textContent = selected === null ? "Messages" : `Messages to ${selected}`;
    if (!messages.length) {
      list.append(el("p", "empty", selected === null
        ? "Nothing sent yet. Trigger a workflow and its messages appear here."
        : "Nothing sent to this recipient yet."));
      return;
    }
    for (const channel of new Set([...CHANNELS, ...messages.map((m) => m.channel_type)])) {
      const group = messages.filter((m) => m.channel_type === channel).reverse(); // newest first
      if (!group.length) continue;
      const section = el("section", "channel", el("h3", "", CHANNEL_NAMES[channel] || channel, " ",
                                                     el("span", "count", group.length)));
      section.dataset.channel = channel;
      for (const message of group) section.append(messageCard(message));
      list.append(section);
    }
  }

  function messageCard(message) {
    const head = el("header", "",
      el("span", `badge ch-${message.channel_type}`, CHANNEL_NAMES[message.channel_type] || message.channel_type),
      el("strong", "", message.workflow), el("span", "muted", ` · ${message.step_ref || ""}`),
      selected === null ? el("span", "to", `→ ${message.recipient}`) : null,
      el("span", "spacer"), ...message.engagement.map((e) => el("span", "pill st-engaged", e)),
      pill(message.status), time(message.sent_at, true));
    const card = el("article", "message", head);
    card.dataset.messageId = message.id;
    card.dataset.channel = message.channel_type;
    card.append(messageBody(message.channel_type, message.content || {}));
    return card;
  }

  function messageBody(channel, c) {
    if (channel === "email") return emailBody(c);
    if (channel === "sms") return el("div", "body", field("To", c.to), el("p", "text", c.body));
    if (channel === "push") return el("div", "body", el("p", "push-title", c.title), el("p", "text", c.body));
    if (channel === "chat") {
      return el("div", "body", c.summary ? el("p", "push-title", c.summary) : null, el("p", "text", c.text),
                c.json ? el("details", "", el("summary", "", "JSON body"), el("pre", "", c.json)) : null);
    }
    if (channel === "in_app_feed") {
      const actions = el("div", "actions-row");
      if (c.action_url) actions.append(el("span", "label", "Action URL"), safeLink(c.action_url));
      for (const b of c.buttons || []) actions.append(el("span", "button-like", b.label || "button"), b.action ? safeLink(b.action) : "");
      return el("div", "body", el("p", "text", c.body), actions.childNodes.length ? actions : null);
    }
    if (c.method) return el("div", "body", el("p", "text", `${c.method} ${c.url || "(the channel's URL)"}`), c.body ? el("pre", "", c.body) : null);
    return el("div", "body", el("p", "muted", "no content"));
  }

  // The email's own policy, besides the one its frame inherits from this page (a frame
  // removed while it loads may lose that one): inline styles and data: images, nothing remote.
  const EMAIL_POLICY = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' +
    'style-src \'unsafe-inline\'; img-src data:">';

  function withPolicy(html) {
    const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
    return doctype ? doctype[0] + EMAIL_POLICY + html.slice(doctype[0].length) : EMAIL_POLICY + html;
  }

  function emailBody(c) {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", ""); // no scripts, no same origin, no forms, no popups: before srcdoc
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.className = "email-frame";
    frame.title = `Email: ${c.subject || ""}`;
    frame.srcdoc = withPolicy(c.html || "");
    return el("div", "body",
      el("p", "subject", c.subject),
      el("div", "fields", field("From", c.from), field("To", c.to)),
      frame,
      c.text ? el("details", "", el("summary", "", "Text version"), el("pre", "", c.text)) : null);
  }

  // --- runs ----------------------------------------------------------------------------------

  function drawRuns(runs) {
    const panel = $("runs-panel");
    panel.replaceChildren();
    if (!runs.length) { panel.append(el("p", "empty", "No workflow runs yet.")); return; }
    for (const run of [...runs].reverse()) {
      const head = el("header", "", el("strong", "", run.workflow), el("span", "to", `→ ${run.recipient}`),
                      el("span", "spacer"), pill(run.status));
      const steps = el("ol", "steps");
      for (const step of run.steps) steps.append(stepItem(step));
      const card = el("article", `run run-${run.status}`, head, steps);
      if (run.held_at) {
        card.append(el("p", "held", `Held at ${run.held_at}`,
                       run.held_until ? ` until ${when(run.held_until)}` : " until released"));
      }
      if (run.cancellation_key) card.append(el("p", "muted small", `cancellation key ${run.cancellation_key}`));
      card.dataset.runId = run.id;
      panel.append(card);
    }
  }

  function stepItem(step) {
    const reason = [step.until ? `until ${when(step.until)}` : "", step.reason].filter(Boolean).join(" — ");
    const item = el("li", `step st-${step.status}`, el("span", "ref", step.ref),
                    step.kind ? el("span", "kind", step.kind) : null, pill(step.status));
    if (reason) item.append(el("span", "reason", reason));
    return item;
  }

  // --- requests ------------------------------------------------------------------------------

  function drawRequests(requests) {
    const panel = $("requests-panel");
    panel.replaceChildren();
    if (!requests.length) { panel.append(el("p", "empty", "No requests yet.")); return; }
    const body = el("tbody");
    for (const r of requests) {
      const status = r.status === null ? "dropped" : r.status;
      const row = el("tr", "", el("td", "", time(r.at, true)), el("td", "method", r.method), el("td", "path", r.path),
                     el("td", `status s${String(status)[0]}`, status),
                     el("td", "ms", r.ms === null ? "" : `${r.ms.toFixed(1)} ms`));
      body.append(row);
    }
    const head = el("thead", "", el("tr", "", ...["Time (UTC)", "Method", "Path", "Status", ""].map((h) => el("th", "", h))));
    panel.append(el("table", "requests", head, body));
  }

  // --- the whole page ------------------------------------------------------------------------

  function changed(section, value) {
    const text = JSON.stringify(value);
    if (drawn[section] === text) return false;
    drawn[section] = text;
    return true;
  }

  function redraw(force) {
    const state = latest;
    if (!state) return;
    if (force) for (const key of Object.keys(drawn)) delete drawn[key];
    const mine = (item) => selected === null || item.recipient === selected;
    const clock = state.clock;
    $("clock-now").textContent = clock ? when(clock.now) : "no workflows loaded";
    $("clock-next").textContent = clock && clock.next_wake ? `next held run due ${when(clock.next_wake)}` : "";
    $("advance").disabled = !clock;
    $("advance-minutes").disabled = !clock;
    if (changed("recipients", [state.recipients, state.messages.map((m) => m.recipient), selected])) drawRecipients(state);
    const messages = state.messages.filter(mine);
    if (changed("messages", [messages, selected])) drawMessages(messages);
    const runs = state.runs.filter(mine);
    if (changed("runs", runs)) drawRuns(runs);
    $("runs-count").textContent = runs.length;
    if (changed("requests", state.requests)) drawRequests(state.requests);
    $("requests-count").textContent = state.requests.length;
  }

  async function refresh() {
    if (polling) return;
    polling = true;
    try {
      const response = await fetch(STATE_URL, {cache: "no-store"});
      if (!response.ok) throw new Error(`${response.status}`);
      latest = await response.json();
      document.body.classList.remove("offline");
      redraw(false);
    } catch (error) {
      document.body.classList.add("offline");
      notice("The fake is not answering (stopped?); retrying…", true);
    } finally {
      polling = false;
    }
  }

  let noticeTimer = null;
  function notice(text, isError) {
    const node = $("notice");
    node.textContent = text;
    node.classList.toggle("error", Boolean(isError));
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { node.textContent = ""; }, 6000);
  }

  async function post(action, body) {
    const response = await fetch(`/_fake/inbox/${action}`, {
      method: "POST", headers: {"Content-Type": "application/json", "X-Knockkit-Inbox-Token": token},
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
    return answer;
  }

  $("advance-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const minutes = Number($("advance-minutes").value);
    try {
      const answer = await post("advance", {minutes});
      notice(`Clock advanced ${minutes} min to ${when(answer.now)}`);
    } catch (error) {
      notice(`Could not advance the clock: ${error.message}`, true);
    }
    await refresh();
  });

  $("release").addEventListener("click", async () => {
    try {
      const answer = await post("release", {});
      notice(`Released ${answer.released} held run${answer.released === 1 ? "" : "s"}`);
    } catch (error) {
      notice(`Could not release: ${error.message}`, true);
    }
    await refresh();
  });

  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll('[role="tab"]')) {
        const on = other === tab;
        other.setAttribute("aria-selected", String(on));
        $(other.getAttribute("aria-controls")).hidden = !on;
      }
    });
  }

  refresh();
  setInterval(refresh, POLL_MS);
})();
