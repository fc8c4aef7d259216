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
  var frame = document.getElementById("tool-frame");
  document.querySelectorAll("a[target='tool-frame']").forEach(function (link) {
    link.addEventListener("click", function () {
      frame.title = "Activity: " + (link.getAttribute("data-activity-title") || "");
      frame.scrollIntoView({ behavior: "smooth", block: "start" });
      frame.focus();
    });
  });
})();
