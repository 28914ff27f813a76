/* The agents' console: progressive enhancement of server-rendered pages (every form works
   without this script). It adds: live updates of the open ticket (server-sent events), who else
   is viewing or writing, @mention completion in notes, inserting a suggested article, and keyboard
   shortcuts.
   Our own code, under the project's licence; no library, nothing loaded from elsewhere. */
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf"]');
  var csrf = csrfMeta ? csrfMeta.content : "";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  /* --- the queue page: remember the order for next/previous, j/k to move, Enter to open --- */
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.tickets tbody tr"));
  if (rows.length) {
    try {
      sessionStorage.setItem("queue", JSON.stringify({
        url: location.pathname + location.search,
        numbers: rows.map(function (r) { return r.getAttribute("data-ticket"); })
      }));
    } catch (e) { /* storage off: next/previous just does nothing */ }
  }
  var current = -1;
  function focusRow(i) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    var link = rows[current].querySelector("a.ticket-link");
    rows.forEach(function (r) { r.classList.remove("current"); });
    rows[current].classList.add("current");
    if (link) { link.focus(); }
  }

  /* --- the ticket page --- */
  var page = document.querySelector(".ticket-page");
  var number = page ? page.getAttribute("data-ticket") : null;

  function neighbour(step) {
    try {
      var queue = JSON.parse(sessionStorage.getItem("queue") || "null");
      if (!queue) { return null; }
      var i = queue.numbers.indexOf(number);
      var next = queue.numbers[i + step];
      return i >= 0 && next ? "/console/tickets/" + next : null;
    } catch (e) { return null; }
  }

  function composerDirty() {
    return Array.prototype.some.call(document.querySelectorAll(".composer textarea, #resolution"), function (t) {
      return t.value.trim() !== "";
    });
  }

  function say(state) {
    if (!number) { return; }
    var body = new URLSearchParams({ csrf: csrf, state: state });
    fetch("/console/tickets/" + number + "/presence", { method: "POST", body: body, credentials: "same-origin" })
      .catch(function () { /* the stream notes presence anyway */ });
  }

  if (page && page.getAttribute("data-live") === "yes" && window.EventSource) {
    var shown = parseInt(document.getElementById("live").getAttribute("data-last-seq"), 10);
    var changed = document.getElementById("changed");
    var source = new EventSource("/console/tickets/" + number + "/live");
    source.addEventListener("ticket", function (e) {
      var seq = JSON.parse(e.data).last_seq;
      if (seq === null || seq <= shown) { return; }
      fetch("/console/tickets/" + number + "/fragment", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#live");
          if (!fresh) { return; }
          var now = parseInt(fresh.getAttribute("data-last-seq"), 10);
          document.getElementById("live").replaceWith(fresh);
          shown = now;
          if (composerDirty()) {
            // What the agent writes was begun on the older view: sending it will ask to confirm.
            changed.textContent = "The ticket changed while you were writing (shown above). " +
              "Sending will tell you what changed and ask you to confirm.";
          } else {
            document.querySelectorAll("input.seen").forEach(function (i) { i.value = String(now); });
            changed.textContent = "The ticket was updated just now (shown above).";
          }
          changed.hidden = false;
        })
        .catch(function () { changed.textContent = "The ticket changed: reload the page to see it."; changed.hidden = false; });
    });
    source.addEventListener("presence", function (e) {
      var people = JSON.parse(e.data);
      var box = document.getElementById("presence");
      box.textContent = "";
      people.forEach(function (p) {
        var span = document.createElement("span");
        span.className = "person " + p.state;
        span.textContent = p.name + (p.state === "replying" ? " is writing a reply" : " is viewing");
        box.appendChild(span);
      });
    });
  }

  var writing = false;
  document.querySelectorAll(".composer textarea").forEach(function (area) {
    area.addEventListener("input", function () {
      var now = composerDirty();
      if (now !== writing) { writing = now; say(now ? "replying" : "viewing"); }
    });
  });

  /* --- SLA clocks count down on the page (the server draws them; this keeps them current) --- */
  function inWords(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    if (seconds < 60) { return seconds + " s"; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return minutes + " min"; }
    var hours = Math.floor(minutes / 60); minutes = minutes % 60;
    if (hours < 24) { return minutes ? hours + " h " + minutes + " min" : hours + " h"; }
    var days = Math.floor(hours / 24); hours = hours % 24;
    return hours ? days + " d " + hours + " h" : days + " d";
  }
  function countDown() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-due")) - Date.now()) / 1000;
      el.textContent = left >= 0 ? "due in " + inWords(left) : "overdue by " + inWords(left);
      el.closest(".clock").classList.toggle("breached", left < 0);
    });
  }
  setInterval(countDown, 15000);

  /* --- @mention completion in the note --- */
  var note = document.getElementById("note-body");
  var hint = document.getElementById("mention-hint");
  var agents = Array.prototype.map.call(document.querySelectorAll("#agents option"), function (o) {
    return { value: o.value, name: o.textContent };
  });
  if (note && hint) {
    note.addEventListener("input", function () {
      var before = note.value.slice(0, note.selectionStart);
      var m = /(^|\s)@([^\s@]*)$/.exec(before);
      hint.textContent = "";
      if (!m || !m[2]) { hint.hidden = true; return; }
      var typed = m[2].toLowerCase();
      var found = agents.filter(function (a) {
        return a.value.slice(1).toLowerCase().indexOf(typed) === 0 || a.name.toLowerCase().indexOf(typed) === 0;
      }).slice(0, 5);
      if (!found.length) { hint.hidden = true; return; }
      hint.appendChild(document.createTextNode("Mention: "));
      found.forEach(function (a) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "quiet mention";
        b.textContent = a.name + " (" + a.value + ")";
        b.addEventListener("click", function () {
          var start = before.length - m[2].length - 1;
          note.value = note.value.slice(0, start) + a.value + " " + note.value.slice(note.selectionStart);
          hint.hidden = true;
          note.focus();
        });
        hint.appendChild(b);
      });
      hint.hidden = false;
    });
  }

  /* --- suggested articles: "Insert link" / "Insert text" at the cursor of the box the server
     named (an internal article's text only ever the note's); without this script each is a link
     that draws the page again with the box filled. --- */
  document.querySelectorAll("a.kb-insert[data-target]").forEach(function (link) {
    link.addEventListener("click", function (e) {
      var box = document.getElementById(link.getAttribute("data-target"));
      if (!box) { return; }
      e.preventDefault();
      var text = link.getAttribute("data-text") || "";
      var start = box.selectionStart || 0, end = box.selectionEnd || 0;
      var before = box.value.slice(0, start), after = box.value.slice(end);
      if (before && !/\n$/.test(before)) { text = "\n" + text; }
      box.value = before + text + after;
      box.focus();
      box.selectionStart = box.selectionEnd = before.length + text.length;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  /* --- keyboard shortcuts: j/k next/previous, r reply, n note, e resolve, q queues, ? help --- */
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var go = null;
    if (rows.length) {
      if (e.key === "j") { focusRow(current + 1); e.preventDefault(); return; }
      if (e.key === "k") { focusRow(current - 1); e.preventDefault(); return; }
    }
    if (page) {
      if (e.key === "j") { go = neighbour(1); }
      if (e.key === "k") { go = neighbour(-1); }
      var target = { r: "reply-body", n: "note-body", e: "resolution" }[e.key];
      if (target && document.getElementById(target)) {
        document.getElementById(target).focus();
        e.preventDefault();
        return;
      }
    }
    if (e.key === "q") { go = "/console"; }
    if (e.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) { help.open = !help.open; if (help.open) { help.querySelector("summary").focus(); } }
      e.preventDefault();
      return;
    }
    if (go) { e.preventDefault(); location.href = go; }
  });
})();
