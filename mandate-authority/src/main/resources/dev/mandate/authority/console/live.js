// Live updates for console pages that opt in (server-sent events). A page marks a region with
// data-live="URL" (an EventSource URL under /console); each event's data is HTML-escaped text
// the server sends, appended as a text node, never parsed as HTML. Pages work without it.
(function () {
  "use strict";
  document.querySelectorAll("[data-live]").forEach(function (region) {
    var url = region.getAttribute("data-live");
    if (!url || url.indexOf("/console/") !== 0 || typeof EventSource === "undefined") {
      return;
    }
    var source = new EventSource(url);
    source.onmessage = function (event) {
      var item = document.createElement("li");
      item.textContent = event.data;
      region.insertBefore(item, region.firstChild);
    };
  });
})();
