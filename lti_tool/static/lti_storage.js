/* LTI client-side postMessage storage (platform storage), used when cookies in the LMS iframe
 * cannot be trusted. The login page leaves a secret in the platform's frame (under the state as
 * key) before redirecting; the launch check page reads it back and posts it to the tool. The
 * platform answers only pages of the tool's origin in the same browser, so the secret proves the
 * launch comes from the browser that started the login. Data comes from data- attributes of
 * #lti-storage. */
(function () {
  "use strict";
  var el = document.getElementById("lti-storage");
  if (!el) { return; }
  var target = el.dataset.target, origin = el.dataset.origin, mode = el.dataset.mode;
  var status = document.getElementById("lti-storage-status");

  function frame() {
    if (target === "_parent") { return window.parent; }
    try { return window.parent.frames[target] || window.parent; } catch (e) { return window.parent; }
  }
  function say(text) { if (status) { status.textContent = text; } }

  function call(subject, payload) {
    return new Promise(function (resolve, reject) {
      var id = "m" + Math.random().toString(36).slice(2) + Date.now();
      var timer = setTimeout(function () { window.removeEventListener("message", onMessage); reject(new Error("timeout")); }, 3000);
      function onMessage(event) {
        var data = event.data || {};
        if (event.origin !== origin || data.message_id !== id || data.subject !== subject + ".response") { return; }
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        if (data.error) { reject(new Error(data.error.message || data.error.code || "error")); } else { resolve(data); }
      }
      window.addEventListener("message", onMessage);
      var message = Object.assign({ subject: subject, message_id: id }, payload);
      frame().postMessage(message, origin);
    });
  }

  if (mode === "login") {
    call("lti.put_data", { key: el.dataset.key, value: el.dataset.value })
      .catch(function () { /* the cookie may still work; the launch page will tell */ })
      .then(function () { window.location.replace(el.dataset.next); });
  } else if (mode === "check") {
    var form = document.getElementById("lti-storage-form");
    call("lti.get_data", { key: el.dataset.key }).then(function (answer) {
      if (!answer.value) { throw new Error("nothing stored"); }
      form.elements.lti_storage_proof.value = answer.value;
      form.submit();
    }).catch(function () {
      say(el.dataset.failed ||  // the page's language (platform_storage_check.html)
          "Your LMS could not confirm this sign-in. Use the button below to open the assignment in a new window.");
      var fallback = document.getElementById("lti-storage-fallback");
      if (fallback) { fallback.hidden = false; }
    });
  }
})();
