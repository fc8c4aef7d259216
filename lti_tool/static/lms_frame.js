/* One scrollbar inside an LMS: when the page is shown in a frame, ask the LMS to make the frame
 * as tall as the page (Canvas's "lti.frameResize" postMessage; Sakai and the demo LMS read it
 * too; Moodle's core ignores it and shows the quiz "Embed, without blocks", see docs/moodle.md).
 * Sent on load and whenever the page's height changes (a question opened, an error shown). */
(function () {
  "use strict";
  if (window.parent === window || !window.parent.postMessage) { return; }
  var last = 0;
  function send() {
    var body = document.body;
    if (!body) { return; }
    var height = Math.ceil(body.getBoundingClientRect().height);
    if (!height || Math.abs(height - last) < 2) { return; }
    last = height;
    // Only a height, nothing private: any parent may read it (the LMS's origin is not known here).
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  if (window.ResizeObserver) { new ResizeObserver(send).observe(document.body); }
  window.addEventListener("load", send);
  send();
})();
