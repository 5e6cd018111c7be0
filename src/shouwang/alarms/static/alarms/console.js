// The live alarm console. Follows the incidents stream (Server-Sent Events) so the queue changes in place
// without a reload, makes a waiting urgent alarm blink and beep (Web Audio: no sound files), and
// refreshes an open incident's panel when someone else changes it. A dropped connection is retried by
// the browser with Last-Event-ID, and the server replays everything after it, so nothing is missed.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-console]");
  var labelsNode = document.getElementById("alarm-labels");
  if (!root || !labelsNode || !window.EventSource) return;
  var labels = JSON.parse(labelsNode.textContent);
  var mode = root.dataset.mode;
  var timeZone = root.dataset.timeZone || "Asia/Shanghai";
  var incidentUrl = root.dataset.incidentUrl;
  var status = root.querySelector("[data-live-status]");
  var banner = root.querySelector("[data-urgent-banner]");
  var soundButton = root.querySelector("[data-enable-sound]");
  var soundHint = root.querySelector("[data-sound-hint]");
  var RANK = { urgent: 0, high: 1, welfare: 2, maintenance: 3 };
  var SOUND_KEY = "shouwang.alarmSound";

  // --- sound: browsers allow audio only after a gesture, so the operator switches it on once ---------
  var audio = null;
  function enableSound() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    audio.resume();
    soundButton.setAttribute("aria-pressed", "true");
    soundButton.textContent = labels.sound_on;
    if (soundHint) soundHint.hidden = true;
    try { window.sessionStorage.setItem(SOUND_KEY, "on"); } catch (e) { /* private mode */ }
  }
  function beep() {
    if (!audio || audio.state !== "running") return;
    var start = audio.currentTime;
    for (var i = 0; i < 3; i++) {
      var at = start + i * 0.35;
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = i % 2 ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.3);
    }
  }
  if (soundButton) {
    soundButton.addEventListener("click", function () { enableSound(); beep(); });
    var wanted = false;
    try { wanted = window.sessionStorage.getItem(SOUND_KEY) === "on"; } catch (e) { /* private mode */ }
    // Switched on on an earlier page: the first click anywhere on this one turns it on again.
    if (wanted) document.addEventListener("click", enableSound, { once: true });
  }

  // --- helpers ----------------------------------------------------------------------------------------
  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value == null || value === "" ? "—" : value;
    if (className) node.className = className;
    return node;
  }
  function clock(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: timeZone, hour12: false });
  }
  function deviceTime(iso) {
    if (!iso) return "—";
    return new Date(iso).toLocaleString("zh-CN", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit"
    });
  }
  function linkTo(id) { return incidentUrl.replace(/\/0\/$/, "/" + id + "/"); }
  function waitingUrgent(incident) { return incident.priority === "urgent" && incident.state === "received"; }
  function kindLabel(incident) { return labels.kind[incident.kind] || incident.kind_label || incident.kind; }

  function cue(incident) {
    beep();
    if (!banner) return;
    banner.textContent = "";
    banner.appendChild(document.createTextNode(labels.new_urgent + ": " + kindLabel(incident) + " · " +
      (incident.elder_name || "—") + " · " + (incident.community_name || "") + " "));
    var link = document.createElement("a");
    link.href = linkTo(incident.id);
    link.textContent = labels.open + " #" + incident.id;
    banner.appendChild(link);
    banner.hidden = false;
  }

  // --- the queue ----------------------------------------------------------------------------------------
  var tbody = root.querySelector("[data-queue]");
  var empty = root.querySelector("[data-empty]");
  var count = root.querySelector("[data-count]");

  function badgeClass(incident) {
    var base = incident.priority === "urgent" ? "badge badge-danger" :
      incident.priority === "high" ? "badge badge-warn" : "badge badge-muted";
    return base + (waitingUrgent(incident) ? " alarm-blink" : "");
  }
  function rowFor(incident) {
    var row = document.createElement("tr");
    row.dataset.incident = incident.id;
    row.dataset.priority = incident.priority;
    row.dataset.opened = incident.opened_at;
    row.className = "incident-row" + (waitingUrgent(incident) ? " is-urgent" : "");
    var badgeCell = document.createElement("td");
    badgeCell.appendChild(text("span", labels.priority[incident.priority] || incident.priority, badgeClass(incident)));
    row.appendChild(badgeCell);
    var kindCell = text("td", kindLabel(incident));
    if (incident.reported_late) {
      var late = text("span", labels.reported_late + " " + deviceTime(incident.device_time), "badge badge-warn");
      late.dataset.late = "";
      kindCell.appendChild(document.createTextNode(" "));
      kindCell.appendChild(late);
    }
    row.appendChild(kindCell);
    row.appendChild(text("td", incident.elder_name));
    row.appendChild(text("td", incident.community_name));
    row.appendChild(text("td", clock(incident.opened_at), "mono"));
    var state = text("td", labels.state[incident.state] || incident.state_label);
    state.dataset.field = "state";
    row.appendChild(state);
    row.appendChild(text("td", String(incident.event_count), "num"));
    var actionCell = document.createElement("td");
    var open = text("a", labels.open, "btn btn-small btn-primary");
    open.href = linkTo(incident.id);
    actionCell.appendChild(open);
    row.appendChild(actionCell);
    return row;
  }
  function comesBefore(a, b) {
    var rankA = RANK[a.dataset.priority] ?? 9, rankB = RANK[b.dataset.priority] ?? 9;
    if (rankA !== rankB) return rankA < rankB;
    return Date.parse(a.dataset.opened) < Date.parse(b.dataset.opened);
  }
  function place(row) {
    var rows = tbody.children;
    for (var i = 0; i < rows.length; i++) {
      if (comesBefore(row, rows[i])) { tbody.insertBefore(row, rows[i]); return; }
    }
    tbody.appendChild(row);
  }
  function onQueueMessage(incident) {
    var old = tbody.querySelector('tr[data-incident="' + incident.id + '"]');
    if (old) old.remove();
    if (incident.state !== "closed") {
      var row = rowFor(incident);
      if (!old) row.classList.add("is-new");
      place(row);
    }
    if (count) count.textContent = tbody.children.length;
    if (empty) empty.hidden = tbody.children.length > 0;
  }

  // --- one incident ---------------------------------------------------------------------------------
  var incidentId = root.dataset.incidentId;
  function onIncidentMessage(incident) {
    if (String(incident.id) === incidentId && window.htmx) {
      window.htmx.ajax("GET", root.dataset.panelUrl, { target: "#incident-panel", swap: "outerHTML" });
    }
  }

  // --- the stream -----------------------------------------------------------------------------------
  var source = new EventSource(root.dataset.stream + "?after=" + encodeURIComponent(root.dataset.after || ""));
  source.onopen = function () {
    root.dataset.live = "open";
    if (status) { status.textContent = labels.live; status.classList.remove("is-down"); }
  };
  source.onerror = function () {
    root.dataset.live = "down";
    if (status) { status.textContent = labels.reconnecting; status.classList.add("is-down"); }
  };
  source.onmessage = function (event) {
    var incident = JSON.parse(event.data);
    if (mode === "queue") onQueueMessage(incident);
    else onIncidentMessage(incident);
    var isNewUrgent = incident.priority === "urgent" && (incident.change === "created" || incident.change === "joined");
    if (isNewUrgent && String(incident.id) !== incidentId) cue(incident);
  };
  window.addEventListener("pagehide", function () { source.close(); });

  // --- the map (Leaflet from django-leaflet's static files; tiles from the configured server) -----------
  // When the tiles cannot be loaded (a closed network whose MAP_TILES_URL still points outside, a tile
  // server down) the map would be a grey box: show the address and coordinates plainly instead.
  var mapNode = document.querySelector("[data-map]");
  var showFallback = function () {
    var fallback = document.querySelector("[data-map-fallback]");
    if (!fallback || !fallback.hidden) return;
    fallback.hidden = false;
    mapNode.hidden = true;
  };
  if (mapNode && !window.L) showFallback();
  if (mapNode && window.L) {
    var position = [parseFloat(mapNode.dataset.lat), parseFloat(mapNode.dataset.lon)];
    var map = window.L.map(mapNode).setView(position, 16);
    var loaded = false;
    var tiles = window.L.tileLayer(mapNode.dataset.tiles, {
      maxZoom: 19, attribution: mapNode.dataset.attribution
    });
    tiles.on("tileload", function () { loaded = true; });
    // One failed tile among loaded ones is a gap; failing before any tile has loaded is no map at all.
    tiles.on("tileerror", function () { if (!loaded) showFallback(); });
    tiles.addTo(map);
    window.L.marker(position, { alt: mapNode.getAttribute("aria-label") }).addTo(map);
  }
})();
