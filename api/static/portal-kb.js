/* The portal's request form: suggested help-centre articles while the customer types
   (docs/portal.md "Suggested answers"). Progressive enhancement only: without this script the
   form's "Find answers first" button shows the same articles. Our own code, no library; it asks
   only this site (GET /portal/kb/suggest) and writes text, never HTML. */
(function () {
  "use strict";
  var live = document.getElementById("kb-live");
  var form = document.querySelector('form[action="/portal/requests"]');
  if (!live || !form || !window.fetch) { return; }
  var subject = form.querySelector("#subject");
  var description = form.querySelector("#description");
  var key = form.querySelector('input[name="form_key"]');
  var timer = null;
  var asked = "";

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function answeredForm(article, query) {
    // The same form as the page without script: it ends the request here, counted once.
    var f = el("form", "", "inline");
    f.method = "post";
    f.action = "/portal/kb/answered";
    [["form_key", key ? key.value : ""], ["article", String(article.id)], ["query", query]].forEach(function (pair) {
      var input = el("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      f.appendChild(input);
    });
    var button = el("button", "This answered my question", "secondary");
    button.type = "submit";
    button.appendChild(el("span", ": " + article.title, "visually-hidden"));
    f.appendChild(button);
    return f;
  }

  function show(body) {
    live.textContent = "";
    if (!body.articles || !body.articles.length) { live.hidden = true; return; }
    live.appendChild(el("h2", "These articles may answer your question"));
    var list = el("ul", "", "kb-suggestions");
    body.articles.forEach(function (article) {
      var item = el("li");
      var link = el("a", article.title);
      link.href = article.url;
      item.appendChild(link);
      if (article.snippet) { item.appendChild(el("p", article.snippet, "snippet")); }
      item.appendChild(answeredForm(article, body.query));
      list.appendChild(item);
    });
    live.appendChild(list);
    live.hidden = false;
  }

  function ask() {
    var text = (subject ? subject.value : "") + " " + (description ? description.value : "");
    text = text.trim();
    if (text.length < 3 || text === asked) { return; }
    asked = text;
    fetch("/portal/kb/suggest?q=" + encodeURIComponent(text.slice(0, 1200)), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && asked === text) { show(body); } })
      .catch(function () { /* offline or limited: the form still works */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  }
  [subject, description].forEach(function (field) { if (field) { field.addEventListener("input", later); } });
})();
