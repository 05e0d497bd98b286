// Watchpost status page: patches the banner and each service row from /api/status every
// 20 s, and reloads the whole page every 5 minutes. A service in a folded group (all up) has
// no row: when it has a problem, the page reloads to show its group open (at most once a
// minute). Without JavaScript the page refreshes itself (meta refresh, 60 s).
(function () {
  "use strict";
  var POLL_MS = 20000, RELOAD_MS = 300000, RELOAD_GAP_MS = 60000;
  var RELOADED_AT = "watchpost-reloaded-at";

  function badgeText(s) {
    var ms = s.response_time_ms == null ? "" : " · " + s.response_time_ms + " ms";
    switch (s.status) {
      case "up": return "Operational" + ms;
      case "degraded": return "Degraded" + ms;
      case "down": return "Down · " + (s.detail || "Not responding correctly");
      case "maintenance": return "Maintenance";
      default: return "Unknown";
    }
  }

  function utc(iso) {
    var d = new Date(iso), p = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate()) +
      " " + p(d.getUTCHours()) + ":" + p(d.getUTCMinutes()) + " UTC";
  }

  function patchBanner(data) {
    var banner = document.getElementById("banner");
    if (!banner) return;
    banner.className = "banner " + data.overall_status;
    banner.querySelector(".label").textContent = data.status_label;
    var checked = banner.querySelector(".checked");
    if (data.last_checked) {
      checked.textContent = "Last checked ";
      var t = document.createElement("time");
      t.setAttribute("datetime", data.last_checked);
      t.textContent = utc(data.last_checked);
      checked.appendChild(t);
    }
    var icon = document.getElementById("favicon");
    if (icon) icon.setAttribute("href", "/favicon.svg?status=" + data.overall_status);
    document.title = data.status_label + " · " + document.title.split(" · ").slice(1).join(" · ");
  }

  // Reloads unless this tab reloaded for the same reason less than a minute ago (the page
  // may be a cached copy older than the JSON); without sessionStorage, leaves it to the
  // 5-minute reload.
  function reloadForHidden() {
    try {
      var last = Number(sessionStorage.getItem(RELOADED_AT)) || 0;
      if (Date.now() - last < RELOAD_GAP_MS) return;
      sessionStorage.setItem(RELOADED_AT, String(Date.now()));
    } catch (e) { return; }
    location.reload();
  }

  function patchRows(data) {
    var rows = document.querySelectorAll("li.service[data-service]");
    var byName = Object.create(null), shown = Object.create(null);
    data.services.forEach(function (s) { byName[s.name] = s; });
    Array.prototype.forEach.call(rows, function (row) {
      var name = row.getAttribute("data-service");
      shown[name] = true;
      var s = byName[name];
      if (!s) return;
      row.setAttribute("data-status", s.status);
      row.querySelector(".dot").className = "dot " + s.status;
      var badge = row.querySelector(".badge");
      badge.className = "badge " + s.status;
      badge.textContent = badgeText(s);
    });
    var hidden = data.services.some(function (s) { return s.status !== "up" && !shown[s.name]; });
    if (hidden) reloadForHidden();
  }

  function poll() {
    fetch("/api/status", { headers: { "Accept": "application/json" }, cache: "no-cache" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        patchBanner(data);
        patchRows(data);
        document.documentElement.setAttribute("data-updated", new Date().toISOString());
      })
      .catch(function () { /* keep what is shown; the next poll tries again */ });
  }

  document.addEventListener("DOMContentLoaded", poll);
  setInterval(poll, POLL_MS);
  setTimeout(function () { location.reload(); }, RELOAD_MS);
})();
