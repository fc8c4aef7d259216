// LTI platform storage, platform side (LTI Client Side postMessages: lti.capabilities,
// lti.put_data, lti.get_data), so a tool in the activity iframe can keep its OIDC state and nonce
// in the LMS page when the browser refuses it cookies.
//
// Two placements, as the login initiation's lti_storage_target says:
// - "_parent" (data-mode="parent", target "_parent"): the course page answers everything.
// - "post_message_forwarding" (Canvas): the course page answers lti.capabilities only; put/get
//   must go to the hidden sibling frame of that name (data-mode="forwarding"), which keeps the
//   data in the course page's store. put/get sent to the wrong frame get a clear error.
//
// Rules: only messages from the activity iframe are answered; values are kept per sender origin
// (a tool never sees another origin's data) in memory of this page, as Canvas does; answers go
// back to the sender's window with targetOrigin set to its origin; malformed requests get an
// error response; unknown lti.* subjects get "unsupported_subject".
(function () {
  "use strict";
  var script = document.currentScript;
  if (script.getAttribute("data-enabled") !== "true") { return; }
  var mode = script.getAttribute("data-mode") || "parent";
  var target = script.getAttribute("data-target") || "_parent";
  var host = mode === "forwarding" ? window.parent : window;
  var frame = host.document.getElementById(script.getAttribute("data-frame"));
  var MAX_KEYS_PER_ORIGIN = 500;
  var MAX_VALUE_LENGTH = 4096;
  if (!host.demoLmsPlatformStorage) { host.demoLmsPlatformStorage = new Map(); }
  var stores = host.demoLmsPlatformStorage; // origin -> Map(key -> value), kept in the course page
  var answersData = mode === "forwarding" || target === "_parent";

  function storeFor(origin) {
    if (!stores.has(origin)) { stores.set(origin, new Map()); }
    return stores.get(origin);
  }

  function reply(event, request, body) {
    var message = Object.assign({ subject: request.subject + ".response", message_id: request.message_id }, body);
    event.source.postMessage(message, event.origin);
  }

  function fail(event, request, code, text) {
    reply(event, request, { error: { code: code, message: text } });
  }

  var handlers = {
    "lti.capabilities": function (event, request) {
      reply(event, request, {
        supported_messages: [
          { subject: "lti.capabilities" },
          { subject: "lti.put_data", frame: target },
          { subject: "lti.get_data", frame: target }
        ]
      });
    },
    "lti.put_data": function (event, request) {
      if (typeof request.key !== "string" || request.key === "") {
        return fail(event, request, "bad_request", "key must be a non-empty string");
      }
      if (typeof request.value !== "string") {
        return fail(event, request, "bad_request", "value must be a string");
      }
      if (request.value.length > MAX_VALUE_LENGTH) {
        return fail(event, request, "bad_request", "value is longer than " + MAX_VALUE_LENGTH + " characters");
      }
      var store = storeFor(event.origin);
      if (!store.has(request.key) && store.size >= MAX_KEYS_PER_ORIGIN) {
        return fail(event, request, "storage_exhausted", "at most " + MAX_KEYS_PER_ORIGIN + " keys per origin");
      }
      store.set(request.key, request.value);
      reply(event, request, { key: request.key, value: request.value });
    },
    "lti.get_data": function (event, request) {
      if (typeof request.key !== "string" || request.key === "") {
        return fail(event, request, "bad_request", "key must be a non-empty string");
      }
      reply(event, request, { key: request.key, value: storeFor(event.origin).get(request.key) });
    }
  };

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || !event.origin || event.origin === "null") { return; }
    var request = event.data;
    if (typeof request === "string") { try { request = JSON.parse(request); } catch (e) { return; } }
    if (!request || typeof request.subject !== "string" || request.subject.indexOf("lti.") !== 0) { return; }
    if (/\.response$/.test(request.subject) || request.subject === "lti.frameResize") { return; } // course.js resizes
    if (request.message_id === undefined || request.message_id === null || request.message_id === "") {
      return fail(event, request, "bad_request", "message_id is required");
    }
    if (!answersData && request.subject !== "lti.capabilities" && handlers[request.subject]) {
      return fail(event, request, "unsupported_subject", "send " + request.subject + " to the frame named " + target);
    }
    var handler = handlers[request.subject];
    if (!handler) { return fail(event, request, "unsupported_subject", request.subject + " is not supported"); }
    handler(event, request);
  });
})();
