/* Quiz page enhancements. Everything here is optional: the page is a plain form that works
 * without JavaScript. This adds: autosave of every answer as it changes (JSON POST with the
 * CSRF header; the server validates and stores it), a ticking timer announced politely at a few
 * moments only, the navigator's answered marks, Move up / Move down buttons for ordering, and
 * drag and drop (with a mouse only) for ordering and classification. The form's own fields stay
 * the source of truth, so keyboards and screen readers keep using them. No framework, nothing loaded from elsewhere. */
(function () {
  "use strict";
  var root = document.querySelector(".quiz");
  if (!root) { return; }
  document.documentElement.classList.add("js");
  var saveUrl = root.getAttribute("data-autosave");
  var csrf = root.getAttribute("data-csrf");
  var status = document.getElementById("save-status");
  // The page's words in its language (the server fills data-messages from the catalogue); the
  // English here is only the fallback.
  var messages = {};
  try { messages = JSON.parse(root.getAttribute("data-messages") || "{}"); } catch (e) { messages = {}; }
  function t(key, english, values) {
    var text = messages[key] || english;
    Object.keys(values || {}).forEach(function (name) { text = text.split("%(" + name + ")s").join(String(values[name])); });
    return text;
  }

  function setStatus(text) { if (status && status.textContent !== text) { status.textContent = text; } }

  // --- reading an answer from a question, in the engine's response shape -------------------
  function responseOf(section) {
    var kind = section.getAttribute("data-kind");
    var slot = section.getAttribute("data-slot");
    var name = "q" + slot;
    if (kind === "single" || kind === "true_false") {
      var checked = section.querySelector('input[name="' + name + '"]:checked');
      if (!checked) { return null; }
      return kind === "true_false" ? checked.value === "true" : checked.value;
    }
    if (kind === "multiple") {
      var ticks = section.querySelectorAll('input[name="' + name + '"]:checked');
      return Array.prototype.map.call(ticks, function (box) { return box.value; });
    }
    if (kind === "matching" || kind === "classification") {
      var chosen = {};
      section.querySelectorAll(".row").forEach(function (row) {
        var picked = row.querySelector("input[type=radio]:checked");
        if (picked) { chosen[row.getAttribute("data-row")] = picked.value; }
      });
      return chosen;
    }
    if (kind === "ordering") {
      var rows = Array.prototype.slice.call(section.querySelectorAll(".row"));
      var positions = rows.map(function (row) { return parseInt(row.querySelector("select").value, 10); });
      if (positions.some(isNaN)) { return undefined; } // not fully ordered: nothing to save yet
      return rows.slice().sort(function (a, b) {
        return positions[rows.indexOf(a)] - positions[rows.indexOf(b)];
      }).map(function (row) { return row.getAttribute("data-row"); });
    }
    // Every other kind (question_bank/types): the question's own form fields, which the server
    // reads with the type's form reading, exactly as it reads a post without JavaScript.
    var fields = {};
    section.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (input) {
      if (input.name !== name && input.name.indexOf(name + ".") !== 0) { return; }
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) { return; }
      if (!fields[input.name]) { fields[input.name] = []; }
      fields[input.name].push(input.value);
    });
    return new FormFields(fields);
  }
  function FormFields(fields) { this.fields = fields; }

  // --- autosave ----------------------------------------------------------------------------
  // Each save carries the revision of the answer this page last saw (hidden "rev" inputs, which
  // the no-JavaScript form sends too); the server refuses a save over a newer answer saved in
  // another window (409 "changed"), and this page then reloads that question with a notice.
  // One save per question at a time, so a page never conflicts with its own earlier save.
  var inflight = {};
  var again = {};
  var idleWaiters = [];
  function revisionInput(slot) { return root.querySelector('input[name="rev"][data-slot="' + slot + '"]'); }
  function busy() { return Object.keys(inflight).length > 0; }
  function settled(slot) {
    delete inflight[slot];
    if (again[slot]) { var next = again[slot]; delete again[slot]; save(next); return; }
    if (!busy()) { var waiting = idleWaiters; idleWaiters = []; waiting.forEach(function (fn) { fn(); }); }
  }
  function reloadQuestion(slot) {
    var url = new URL(window.location.href);
    url.searchParams.set("changed", String(slot));
    url.hash = "q" + slot;
    window.location.replace(url.toString());
  }
  function save(section) {
    var slot = parseInt(section.getAttribute("data-slot"), 10);
    var response = responseOf(section);
    if (response === undefined) { return; }
    if (inflight[slot]) { again[slot] = section; return; }
    inflight[slot] = true;
    var rev = revisionInput(slot);
    var body = response instanceof FormFields ? { slot: slot, fields: response.fields }
                                              : { slot: slot, response: response };
    if (rev) { body.revision = parseInt(rev.value, 10) || 0; }
    setStatus(t("saving", "Saving…"));
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (answer) {
      return answer.json().catch(function () { return null; })
        .then(function (body) { return { ok: answer.ok, status: answer.status, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        delete unsaved[slot];
        if (rev && result.body && result.body.revision) { rev.value = String(result.body.revision); }
        markAnswered(slot, result.body && result.body.answered);
        setStatus(t("saved", "All answers saved."));
      } else if (result.body && result.body.changed) {
        delete again[slot];
        setStatus(result.body.error);
        reloadQuestion(slot);
      } else if (result.body && result.body.closed && result.body.results_url) {
        setStatus(result.body.error);
        window.location.assign(result.body.results_url);
      } else if (result.status === 502 || result.status === 503 || result.status === 504) {
        // The server is restarting or lost its database for a moment: keep the answer and send
        // it again after the wait the server asks for.
        unsaved[slot] = section;
        setStatus(t("busy", "Not saved yet: the server is busy for a moment. Trying again…"));
        retrySoon((result.body && result.body.retry_after) || 5);
      } else {
        setStatus(t("failed", "Not saved: %(reason)s. Use the buttons below to save.", { reason: (result.body && result.body.error) || "error " + result.status }));
      }
      settled(slot);
    }).catch(function () {
      unsaved[slot] = section;
      setStatus(t("offline", "Not saved: no connection. Your answer is kept on this page and is saved when the connection is back."));
      settled(slot);
    });
  }

  // A button of the page's form pressed while a save is on its way: wait for it, so the form
  // sends the revision that save made (and never refuses its own page's answer).
  var form = root.querySelector("form.quiz-form");
  if (form && form.requestSubmit) {
    form.addEventListener("submit", function (event) {
      if (!busy()) { return; }
      event.preventDefault();
      var submitter = event.submitter;
      idleWaiters.push(function () { form.requestSubmit(submitter || undefined); });
    });
  }

  // Back to this tab after a while: has another window saved or submitted this attempt since?
  var stateUrl = root.getAttribute("data-state");
  function checkState() {
    if (!stateUrl || busy() || document.visibilityState === "hidden") { return; }
    fetch(stateUrl, { credentials: "same-origin" }).then(function (answer) {
      return answer.ok ? answer.json() : null;
    }).then(function (state) {
      if (!state) { return; }
      if (!state.open && state.results_url) { window.location.assign(state.results_url); return; }
      var newer = Array.prototype.filter.call(root.querySelectorAll('input[name="rev"]'), function (rev) {
        var theirs = (state.revisions || {})[rev.getAttribute("data-slot")] || 0;
        return theirs > (parseInt(rev.value, 10) || 0);
      });
      if (newer.length && !busy()) { reloadQuestion(newer[0].getAttribute("data-slot")); }
    }).catch(function () {});
  }
  document.addEventListener("visibilitychange", checkState);  // back to this tab
  window.addEventListener("pageshow", function (event) { if (event.persisted) { checkState(); } });  // back/forward

  // Answers that could not be sent (connection lost) are sent again when it comes back.
  var unsaved = {};
  function retryUnsaved() {
    var waiting = unsaved;
    unsaved = {};
    Object.keys(waiting).forEach(function (slot) { save(waiting[slot]); });
  }
  var retryTimer = null;
  function retrySoon(seconds) {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; retryUnsaved(); }, Math.max(1, seconds) * 1000);
  }
  window.addEventListener("online", retryUnsaved);
  setInterval(function () { if (Object.keys(unsaved).length) { retryUnsaved(); } }, 15000);

  function markAnswered(slot, answered) {
    var item = document.querySelector('.nav-item[data-slot="' + slot + '"]');
    if (!item) { return; }
    item.classList.toggle("answered", !!answered);
    var state = item.querySelector(".nav-state");
    if (state) { state.textContent = " " + (answered ? t("answered", "(answered)") : t("not_answered", "(not answered)")); }
  }

  // --- ordering: Move up / Move down buttons; the hidden selects keep the positions ----------
  // Without JavaScript each row has a position select. With it, each row gets two buttons that
  // move it by exactly one place; the focus stays on the moved row (on its other button when
  // the one pressed cannot move further), the move is announced in the question's live region,
  // and nothing moves on arrow keys. Dragging with a mouse stays as a shortcut.
  function orderingRows(list) { return Array.prototype.slice.call(list.querySelectorAll(".row")); }
  function numberRows(list) {
    var rows = orderingRows(list);
    rows.forEach(function (row, index) {
      row.querySelector("select").value = String(index + 1);
      var up = row.querySelector(".move-up"), down = row.querySelector(".move-down");
      if (up) { up.disabled = index === 0; }
      if (down) { down.disabled = index === rows.length - 1; }
    });
  }
  function enableOrderingButtons(section) {
    var list = section.querySelector(".ordering");
    if (!list) { return; }
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.id = section.id + "-moves";
    list.parentNode.insertBefore(live, list.nextSibling);
    var hint = section.querySelector(".hint");
    if (hint) { hint.textContent = t("order_hint", "Put the items in order, first at the top: use Move up and Move down on each item."); }
    orderingRows(list).forEach(function (row) {
      var select = row.querySelector("select");
      var text = row.querySelector("label").textContent;
      select.hidden = true;
      var label = row.querySelector("label");
      label.removeAttribute("for");
      label.className = "row-text";
      var buttons = document.createElement("span");
      buttons.className = "move";
      [["move-up", t("move_up", "Move up"), -1], ["move-down", t("move_down", "Move down"), 1]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "secondary " + spec[0];
        button.innerHTML = '<span aria-hidden="true">' + (spec[2] < 0 ? "↑" : "↓") + "</span> " + spec[1];
        var name = document.createElement("span");
        name.className = "visually-hidden";
        name.textContent = ": " + text;
        button.appendChild(name);
        button.addEventListener("click", function () { move(section, list, row, spec[2], button, live, text); });
        buttons.appendChild(button);
      });
      row.appendChild(buttons);
    });
    numberRows(list);
  }
  function move(section, list, row, step, button, live, text) {
    var rows = orderingRows(list);
    var index = rows.indexOf(row), target = index + step;
    if (target < 0 || target >= rows.length) { return; }
    list.insertBefore(row, step < 0 ? rows[target] : rows[target].nextSibling);
    numberRows(list);
    var keep = button.disabled ? row.querySelector(step < 0 ? ".move-down" : ".move-up") : button;
    keep.focus();
    live.textContent = t("moved", "“%(item)s” moved to position %(position)s of %(total)s.", { item: text, position: target + 1, total: rows.length });
    save(section);
  }

  // Dragging works with a mouse (a fine pointer that hovers); a touch screen gets no drop zones.
  var canDrag = !!(window.matchMedia && window.matchMedia("(hover: hover) and (pointer: fine)").matches);
  var dragged = null;
  document.querySelectorAll(".question").forEach(function (section) {
    section.addEventListener("change", function () { save(section); });
    if (section.getAttribute("data-kind") === "ordering") {
      enableOrderingButtons(section);
      if (canDrag) { enableOrderingDrag(section); }
    }
    if (section.getAttribute("data-kind") === "classification" && canDrag) { enableClassificationDrop(section); }
  });

  // --- drag and drop: only where dragging works (a mouse), never a dead target on touch ------
  function enableOrderingDrag(section) {
    var list = section.querySelector(".ordering");
    orderingRows(list).forEach(function (row) {
      row.setAttribute("draggable", "true");
      row.addEventListener("dragstart", function (event) {
        dragged = row; row.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.getAttribute("data-row"));
      });
      row.addEventListener("dragend", function () { row.classList.remove("dragging"); dragged = null; });
      row.addEventListener("dragover", function (event) { if (dragged && dragged.parentNode === list) { event.preventDefault(); } });
      row.addEventListener("drop", function (event) {
        if (!dragged || dragged.parentNode !== list || dragged === row) { return; }
        event.preventDefault();
        var rows = orderingRows(list);
        list.insertBefore(dragged, rows.indexOf(dragged) < rows.indexOf(row) ? row.nextSibling : row);
        numberRows(list);
        save(section);
      });
    });
  }

  // Classification: one drop zone per category, each listing the statements the menus put there
  // (so zones and radio buttons always agree); dropping a statement picks its radio button.
  function enableClassificationDrop(section) {
    var rowsBox = section.querySelector(".rows");
    var firstRow = section.querySelector(".row");
    if (!rowsBox || !firstRow) { return; }
    var zones = document.createElement("ul");
    zones.className = "dropzones";
    zones.setAttribute("aria-hidden", "true"); // pointer shortcut only; the radio buttons are the accessible path
    var byCategory = {};
    firstRow.querySelectorAll("input[type=radio]").forEach(function (radio) {
      var zone = document.createElement("li");
      zone.setAttribute("data-category", radio.value);
      var title = document.createElement("strong");
      title.textContent = (radio.labels && radio.labels[0] ? radio.labels[0].textContent : radio.value);
      var items = document.createElement("ul");
      zone.appendChild(title); zone.appendChild(items);
      byCategory[radio.value] = items;
      zone.addEventListener("dragover", function (event) { if (dragged && section.contains(dragged)) { event.preventDefault(); zone.classList.add("over"); } });
      zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
      zone.addEventListener("drop", function (event) {
        zone.classList.remove("over");
        if (!dragged || !section.contains(dragged)) { return; }
        event.preventDefault();
        var pick = dragged.querySelector('input[type=radio][value="' + radio.value + '"]');
        if (pick) { pick.checked = true; }
        reflect();
        save(section);
      });
      zones.appendChild(zone);
    });
    function reflect() {
      Object.keys(byCategory).forEach(function (key) { byCategory[key].textContent = ""; });
      section.querySelectorAll(".row").forEach(function (row) {
        var picked = row.querySelector("input[type=radio]:checked");
        if (!picked || !byCategory[picked.value]) { return; }
        var entry = document.createElement("li");
        entry.textContent = row.querySelector(".row-text").textContent;
        byCategory[picked.value].appendChild(entry);
      });
    }
    section.addEventListener("change", reflect);
    reflect();
    rowsBox.parentNode.insertBefore(zones, rowsBox);
    rowsBox.querySelectorAll(".row").forEach(function (row) {
      row.setAttribute("draggable", "true");
      row.addEventListener("dragstart", function (event) {
        dragged = row; row.classList.add("dragging");
        event.dataTransfer.setData("text/plain", row.getAttribute("data-row"));
      });
      row.addEventListener("dragend", function () { row.classList.remove("dragging"); dragged = null; });
    });
  }

  // --- timer: visible every second, announced at a few moments only -------------------------
  var timer = document.getElementById("timer");
  if (timer) {
    var value = timer.querySelector(".timer-value");
    var announce = document.getElementById("timer-announce");
    var skew = Date.parse(timer.getAttribute("data-now")) - Date.now();
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    var moments = [600, 300, 120, 60, 30, 0];
    var announced = {};
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - (Date.now() + skew)) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      timer.classList.toggle("low", left <= 60);
      moments.forEach(function (moment) {
        if (left <= moment && !announced[moment]) {
          announced[moment] = true;
          if (left > moment - 5) {
            announce.textContent = moment === 0 ? t("time_up", "Time is up. Your saved answers are being submitted.")
              : (moment === 60 ? t("one_minute_left", "1 minute left.")
                : (moment > 60 ? t("minutes_left", "%(count)s minutes left.", { count: moment / 60 })
                  : t("seconds_left", "%(count)s seconds left.", { count: moment })));
          }
        }
      });
      if (left === 0) {
        clearInterval(handle);
        window.setTimeout(function () { window.location.reload(); }, 35000); // after the server's grace
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
