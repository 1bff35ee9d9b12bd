// The approvals inbox, live: the server's event stream (/console/approvals/events) says when what
// the inbox shows changed; the list is then fetched again as a whole page and its list element
// swapped in (parsed by the browser from this console's own escaped HTML, never built from event
// data). While the person is typing a refusal reason the list is left alone and a notice says to
// refresh. Without JavaScript, the page's Refresh link does the same.
(function () {
  "use strict";
  var list = document.getElementById("approval-list");
  var status = document.getElementById("live-status");
  if (!list || typeof EventSource === "undefined" || typeof DOMParser === "undefined") {
    return;
  }
  var url = list.getAttribute("data-events");
  if (!url || url.indexOf("/console/") !== 0) {
    return;
  }
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  function typing() {
    var active = document.activeElement;
    var current = document.getElementById("approval-list");
    return active && current && current.contains(active) && active.tagName === "TEXTAREA" && active.value !== "";
  }
  function refresh() {
    if (typing()) {
      say("The inbox changed: refresh when you are done.");
      return;
    }
    fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("approval-list");
        var current = document.getElementById("approval-list");
        if (fresh && current) {
          current.replaceWith(document.importNode(fresh, true));
          say("Updated " + new Date().toLocaleTimeString() + ".");
        }
      })
      .catch(function () {
        say("The inbox changed: refresh to see it.");
      });
  }
  var source = new EventSource(url);
  source.addEventListener("inbox", function (event) {
    var pending = -1;
    try {
      pending = JSON.parse(event.data).pending;
    } catch (e) {
      pending = -1;
    }
    var current = document.getElementById("approval-list");
    var shown = current ? Number(current.getAttribute("data-pending")) : -1;
    say("Live: new requests appear here as they arrive.");
    if (pending !== shown || source.seenOnce) {
      refresh();
    }
    source.seenOnce = true;
  });
  source.onerror = function () {
    say("Live updates paused; the page retries by itself, or refresh.");
  };
})();
