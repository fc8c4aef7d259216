// The assignment builder: says, as counts change, whether every student can get a full form
// (the server decides: POST the form to data-check, show its sentences in the live region).
// Without this script the server checks on submit and the page says the same.
(function () {
  "use strict";
  var form = document.getElementById("builder");
  var box = document.getElementById("feasibility");
  var short = document.getElementById("feasibility-short");
  if (!form || !box || !window.fetch) { return; }
  // The page's words, in its language (the template renders them with the catalogue).
  var messages = {};
  try { messages = JSON.parse(form.getAttribute("data-messages") || "{}"); } catch (e) { messages = {}; }
  function say(key, english) { return messages[key] || english; }
  var timer = null;
  var sent = 0;

  function list(items) {
    var ul = document.createElement("ul");
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      ul.appendChild(li);
    });
    return ul;
  }

  function show(answer) {
    box.textContent = "";
    var lead = document.createElement("p");
    var strong = document.createElement("strong");
    var errors = Object.keys(answer.errors || {}).map(function (k) { return answer.errors[k]; });
    if (errors.length) {
      strong.textContent = say("fix", "Please fix:");
    } else if (answer.feasible) {
      strong.textContent = answer.summary;
    } else {
      strong.textContent = say("infeasible", "Students cannot get a full form yet:");
    }
    lead.appendChild(strong);
    box.appendChild(lead);
    box.appendChild(list(errors.concat(answer.problems || [], answer.notes || [])));
    box.classList.toggle("infeasible", !answer.feasible);
    if (short) {  // the line beside the buttons (not a live region: the box above speaks)
      short.textContent = errors.length ? say("fix_fields", "Please fix the fields marked.") :
        answer.feasible ? answer.summary :  // counted and pluralised by the server, in the page's language
        say("not_every", "Not every student can get a full form: see Questions.");
      short.classList.toggle("infeasible", !answer.feasible);
    }
  }

  function check() {
    var mine = ++sent;
    fetch(form.getAttribute("data-check"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && mine === sent) { show(answer); } })
      .catch(function () { /* offline: the server checks on submit */ });
  }

  function soon(event) {
    var name = event.target && event.target.name || "";
    if (!/^(count|mix|types)\.|^attempts$/.test(name)) { return; }
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
