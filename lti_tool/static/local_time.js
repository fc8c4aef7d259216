/* Times in the reader's own time zone: every <time datetime="…" data-local> the server wrote (in
 * the launch's zone, else UTC, with the zone named) is rewritten in the browser's zone and the
 * page's language, the zone named too. Without JavaScript the server's text stays. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;
  function format(moment, style) {
    var options = style === "clock"
      ? { hour: "numeric", minute: "2-digit", timeZoneName: "long" }
      : { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "long" };
    try { return new Intl.DateTimeFormat(lang, options).format(moment); } catch (e) { return null; }
  }
  document.querySelectorAll("time[data-local]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime())) { return; }
    var text = format(moment, element.getAttribute("data-local"));
    if (text) { element.textContent = text; element.classList.add("local"); }
  });
})();
