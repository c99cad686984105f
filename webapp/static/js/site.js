/* Webinar Desk: small progressive enhancements on top of htmx. Every page works
   without this file; with it:
   - a refused htmx request (4xx/5xx that htmx does not swap, or no answer at all)
     shows its message in the form's message area (or the page's), announced;
   - after a swap with errors, focus moves to the first field in error (or the
     message), and inline validation keeps aria-invalid in step with the field;
   - times carry the reader's own zone when it differs from the event's. */
(function () {
  "use strict";

  function messageArea(elt) {
    var form = elt && elt.closest ? elt.closest("form") : null;
    return (form && form.querySelector("[data-messages]")) ||
      document.getElementById("page-messages");
  }

  function show(elt, html, text) {
    var area = messageArea(elt);
    if (!area) { return; }
    area.innerHTML = "";
    var holder = document.createElement("div");
    holder.innerHTML = html || "";
    var notice = holder.querySelector(".notice");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "notice notice-error";
      notice.setAttribute("role", "alert");
      notice.textContent = text;
    }
    notice.setAttribute("tabindex", "-1");
    area.appendChild(notice);
    notice.focus();
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    show(event.detail.elt, xhr.responseText,
      document.body.getAttribute("data-error-text") + " (" + xhr.status + ")");
  });

  document.addEventListener("htmx:sendError", function (event) {
    show(event.detail.elt, "", document.body.getAttribute("data-offline-text"));
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id && /-error$/.test(target.id)) {
      var field = document.querySelector('[aria-describedby~="' + target.id + '"]');
      var error = document.getElementById(target.id);
      if (field && error) {
        field.setAttribute("aria-invalid", error.textContent.trim() ? "true" : "false");
      }
      return;
    }
    var root = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : target;
    var scope = (root && root.querySelector) ? root : document;
    var invalid = scope.querySelector('[aria-invalid="true"]');
    var alert = scope.querySelector('.notice[role="alert"]');
    if (invalid) {
      invalid.focus();
    } else if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });

  function readerTimes(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    root.querySelectorAll("time[data-zone]").forEach(function (time) {
      if (time.dataset.readerDone || time.dataset.zone === zone) { return; }
      var start = new Date(time.getAttribute("datetime"));
      var end = time.dataset.end ? new Date(time.dataset.end) : null;
      function clock(date, withZone) {
        return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit",
          hour12: false, timeZoneName: withZone ? "short" : undefined, timeZone: zone });
      }
      function there(date) {
        return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit",
          hour12: false, timeZone: time.dataset.zone });
      }
      var local = end ? clock(start, false) + "–" + clock(end, true) : clock(start, true);
      var same = there(start) === clock(start, false) &&
        (!end || there(end) === clock(end, false));
      if (same) { return; }
      var span = document.createElement("span");
      span.className = "reader-time";
      span.textContent = " (" + local + ")";
      time.after(span);
      time.dataset.readerDone = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { readerTimes(document); });
  document.addEventListener("htmx:load", function (event) { readerTimes(event.detail.elt); });
}());
