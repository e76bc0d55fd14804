// Assay dashboard: the only script, served from this origin (the CSP forbids inline
// script). It enhances pages that work without it: "select all" in the review queue,
// keyboard shortcuts there, and the one-time sign-in link printed by `serve --example`,
// whose token travels in the URL fragment (never sent to a server or written to a log).
(function () {
  "use strict";
  // On load, and when the link is opened from the sign-in page itself (then only the
  // fragment changes and the page is not loaded again).
  var fromFragment = function () {
    var token = document.getElementById("token");
    if (token && location.hash.indexOf("#token=") === 0) {
      token.value = decodeURIComponent(location.hash.slice(7));
      history.replaceState(null, "", location.pathname);
      document.getElementById("signin-form").submit();
    }
  };
  window.addEventListener("hashchange", fromFragment);
  document.addEventListener("DOMContentLoaded", function () {
    fromFragment();
    var all = document.getElementById("all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input.pick").forEach(function (b) { b.checked = all.checked; });
      });
    }
    // In the queue: j/k move between rows, x checks the row, d focuses the reason to dismiss.
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr"));
    if (rows.length) {
      var at = -1;
      var focus = function (i) {
        at = Math.max(0, Math.min(rows.length - 1, i));
        rows.forEach(function (r, j) { r.classList.toggle("current", j === at); });
        var box = rows[at].querySelector("input.pick");
        if (box) { box.focus(); }
      };
      document.addEventListener("keydown", function (e) {
        var t = e.target.tagName;
        if (t === "INPUT" && e.target.type === "text" || t === "SELECT" || t === "TEXTAREA") { return; }
        if (e.key === "j") { focus(at + 1); e.preventDefault(); }
        else if (e.key === "k") { focus(at - 1); e.preventDefault(); }
        else if (e.key === "x" && at >= 0) { var b = rows[at].querySelector("input.pick"); if (b) { b.checked = !b.checked; } e.preventDefault(); }
        else if (e.key === "d") { var r = document.getElementById("reason"); if (r) { r.focus(); e.preventDefault(); } }
      });
    }
  });
})();
