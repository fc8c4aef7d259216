// After a deep-linking response was accepted inside the activity iframe, reload the course page
// around it (same origin) so the new activity appears in the list. Without JS, the link remains.
(function () {
  "use strict";
  var script = document.currentScript;
  var courseUrl = script.getAttribute("data-course-url");
  if (window.top !== window.self && script.getAttribute("data-created") === "true") {
    try { window.top.location.assign(courseUrl); } catch (e) { /* not same origin: keep the link */ }
  }
})();
