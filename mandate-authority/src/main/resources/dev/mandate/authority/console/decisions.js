// Live decisions: adds each decision the server streams (server-sent events) to the top of the
// decisions table. Every value an agent controls is set as text (textContent), never as markup.
// Without this script the page still works: a reload shows the newest decisions.
(function () {
  "use strict";
  var body = document.getElementById("decision-rows");
  var status = document.getElementById("live-status");
  if (!body || typeof EventSource === "undefined") {
    return;
  }
  var url = body.getAttribute("data-stream");
  if (!url || url.indexOf("/console/decisions/events?") !== 0) {
    return;
  }
  var maxRows = parseInt(body.getAttribute("data-max-rows"), 10) || 200;
  var tokenId = /^[0-9a-f]{16,128}$/;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    if (className) {
      td.className = className;
    }
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function code(row, text) {
    var td = document.createElement("td");
    var c = document.createElement("code");
    c.textContent = text == null ? "" : String(text);
    td.appendChild(c);
    row.appendChild(td);
  }

  function row(d) {
    var tr = document.createElement("tr");
    var allowed = d.decision === "allow";
    tr.className = allowed ? "decision-allow" : "decision-deny";
    tr.setAttribute("data-sequence", String(d.sequence));
    cell(tr, d.at, "nowrap");
    var badge = document.createElement("span");
    badge.className = allowed ? "badge badge-ok" : "badge badge-bad";
    badge.textContent = allowed ? "allow" : "deny";
    var td = document.createElement("td");
    td.appendChild(badge);
    tr.appendChild(td);
    cell(tr, d.clientId == null ? "\u2013" : d.clientId);
    var capability = document.createElement("td");
    if (typeof d.tokenId === "string" && tokenId.test(d.tokenId)) {
      var a = document.createElement("a");
      a.className = "mono";
      a.href = "/console/capabilities/" + d.tokenId;
      a.title = d.tokenId;
      a.textContent = d.tokenId.length > 16 ? d.tokenId.substring(0, 16) + "\u2026" : d.tokenId;
      capability.appendChild(a);
    } else {
      capability.className = "muted";
      capability.textContent = d.tokenId == null ? "none" : String(d.tokenId).substring(0, 16);
    }
    tr.appendChild(capability);
    cell(tr, d.service);
    code(tr, d.action);
    code(tr, d.resource);
    var why = document.createElement("td");
    var c = document.createElement("span");
    c.className = "code";
    c.textContent = d.code == null ? "" : String(d.code);
    var r = document.createElement("span");
    r.className = "reason";
    r.textContent = d.reason == null ? "" : String(d.reason);
    why.appendChild(c);
    why.appendChild(document.createTextNode(" "));
    why.appendChild(r);
    tr.appendChild(why);
    cell(tr, d.gateway);
    return tr;
  }

  var source = new EventSource(url);
  source.addEventListener("open", function () {
    say("Live: new decisions appear at the top as gateways report them.");
  });
  source.addEventListener("decision", function (event) {
    var d;
    try {
      d = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    var seen = body.querySelector('tr[data-sequence="' + Number(d.sequence) + '"]');
    if (seen) {
      return;
    }
    var empty = body.querySelector("tr.empty-row");
    if (empty) {
      empty.parentNode.removeChild(empty);
    }
    body.insertBefore(row(d), body.firstChild);
    while (body.rows.length > maxRows) {
      body.deleteRow(body.rows.length - 1);
    }
  });
  source.addEventListener("reset", function () {
    // Too far behind to be caught up: show the newest afresh.
    source.close();
    say("Catching up: reloading the newest decisions.");
    window.location.reload();
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      say("Live updates stopped (signed out, or too many watchers). Reload the page to try again.");
    } else {
      say("Reconnecting to the live stream\u2026");
    }
  });
})();
