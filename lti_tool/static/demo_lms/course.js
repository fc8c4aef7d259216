// Course page helpers: the "Add activity" tool chooser, and moving focus to the activity frame
// when one is opened (keyboard and screen-reader users land where the activity appears).
(function () {
  "use strict";
  var chooser = document.getElementById("dl-tool");
  var form = document.getElementById("add-activity");
  if (chooser && form) {
    var sync = function () {
      form.action = chooser.getAttribute("data-url-template").replace("999999", chooser.value);
    };
    chooser.addEventListener("change", sync);
    sync();
  }
  // "Add activity" and "Select content" open the tool in a modal of an LMS's usual size (Moodle
  // and Canvas show deep linking in one); without script they use the activity frame.
  document.querySelectorAll("form[data-modal]").forEach(function (chooser) {
    var dialog = document.getElementById(chooser.getAttribute("data-modal"));
    if (!dialog || !dialog.showModal) { return; }
    chooser.target = "dl-frame";
    chooser.addEventListener("submit", function () { dialog.showModal(); });
  });
  document.querySelectorAll("[data-close-dialog]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });
  var frame = document.getElementById("tool-frame");
  document.querySelectorAll("a[target='tool-frame']").forEach(function (link) {
    link.addEventListener("click", function () {
      frame.title = "Activity: " + (link.getAttribute("data-activity-title") || "");
      // An instant scroll, not a smooth one: a smooth scroll still moving when the activity has
      // loaded moves the frame under a click (browser tests lost "Start attempt" clicks that way).
      frame.scrollIntoView({ block: "start" });
      frame.focus();
    });
  });
  // "lti.frameResize" (as Canvas): the activity frame takes the height the tool asks for, so the
  // course page has the only scrollbar. Only from the activity frame; a sane height only.
  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (typeof data === "string") { try { data = JSON.parse(data); } catch (e) { return; } }
    if (!data || data.subject !== "lti.frameResize") { return; }
    var height = parseInt(data.height, 10);
    if (height > 0 && height <= 100000) { frame.style.height = (height + 2) + "px"; } // + the frame's border
  });
})();
