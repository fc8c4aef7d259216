// Dynamic Registration, platform side: when the tool posts {subject: "org.imsglobal.lti.close"}
// from its registration page (in our iframe, or in a window we opened), close it and show the
// result. Only messages from that frame/window and the tool's origin are honoured.
(function () {
  "use strict";
  var script = document.currentScript;
  var doneUrl = script.getAttribute("data-done-url");
  var toolOrigin = new URL(script.getAttribute("data-frame-url"), window.location.href).origin;
  var frame = document.getElementById("registration-frame");
  var popup = null;
  var opener = document.getElementById("open-window");
  if (opener) {
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      popup = window.open(opener.href, "lti-registration");
    });
  }
  window.addEventListener("message", function (event) {
    var fromTool = event.source === frame.contentWindow || (popup !== null && event.source === popup);
    if (!fromTool || event.origin !== toolOrigin) { return; }
    var data = event.data;
    if (typeof data === "string") { try { data = JSON.parse(data); } catch (e) { return; } }
    if (!data || data.subject !== "org.imsglobal.lti.close") { return; }
    if (popup) { popup.close(); }
    frame.remove();
    window.location.assign(doneUrl);
  });
})();
