"""Platform storage in a real browser: a tool in the course page's cross-site iframe keeps data
in the parent page through lti.capabilities / lti.put_data / lti.get_data postMessages."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.demo_lms.conftest import DemoLms

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

#: The fake tool's login page: instead of redirecting to the platform it probes platform storage
#: from inside the iframe and prints what the parent answered.
PROBE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>probe</title></head>
<body><pre id="result">running</pre><script>
const target = new URLSearchParams(location.search).get("lti_storage_target");
function ask(message, to) {
  return new Promise((resolve) => {
    const id = Math.random().toString(36).slice(2);
    const listener = (event) => {
      if (event.data && event.data.message_id === id) { window.removeEventListener("message", listener); resolve(event.data); }
    };
    window.addEventListener("message", listener);
    (to || window.parent).postMessage(Object.assign({ message_id: id }, message), "*");
    setTimeout(() => resolve({ no_answer: true }), 1500);
  });
}
(async () => {
  const results = { target };
  results.capabilities = await ask({ subject: "lti.capabilities" });
  if (results.capabilities.no_answer) { document.getElementById("result").textContent = JSON.stringify(results); return; }
  const frameName = results.capabilities.supported_messages.find((m) => m.subject === "lti.put_data").frame;
  const storage = frameName === "_parent" ? window.parent : window.parent.frames[frameName];
  results.put = await ask({ subject: "lti.put_data", key: "state-abc", value: "nonce-123" }, storage);
  results.get = await ask({ subject: "lti.get_data", key: "state-abc" }, storage);
  results.missing = await ask({ subject: "lti.get_data", key: "nothing-here" }, storage);
  results.bad = await ask({ subject: "lti.put_data", key: "no-value" }, storage);
  results.unsupported = await ask({ subject: "lti.fly_to_the_moon" }, storage);
  results.to_parent = await ask({ subject: "lti.get_data", key: "state-abc" }, window.parent);
  document.getElementById("result").textContent = JSON.stringify(results);
})();
</script></body></html>"""


@pytest.fixture
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def storage_lms(make_lms, live_server) -> DemoLms:  # noqa: ANN001
    lms = make_lms()
    probe = Flask("probe_tool")
    probe.add_url_rule("/lti/login", "login", lambda: PROBE_PAGE)
    probe_url = live_server(probe, host="localhost")
    from sqlalchemy import select

    from lti_tool.models.demo_lms import DemoTool

    with lms.db() as session:
        tool = session.scalars(select(DemoTool).where(DemoTool.client_id == lms.client_id)).one()
        tool.initiate_login_uri = probe_url + "/lti/login"
    return lms


def run_probe(browser, lms: DemoLms, storage: str) -> dict:  # noqa: ANN001
    page = browser.new_page()
    try:
        page.goto(lms.url + f"/course/1?storage={storage}")
        page.select_option("#user_id", label="Ana Lima — Student")
        page.click("text=Switch")
        page.click("text=Open the quiz")
        frame = page.frame_locator("#tool-frame")
        result = frame.locator("#result")
        result.filter(has_not_text="running").wait_for(timeout=15000)
        return json.loads(result.text_content() or "{}")
    finally:
        page.close()


def test_platform_storage_round_trip_in_a_cross_site_iframe(browser, storage_lms) -> None:  # noqa: ANN001
    results = run_probe(browser, storage_lms, storage="1")
    assert results["target"] == "_parent"
    subjects = {m["subject"]: m.get("frame") for m in results["capabilities"]["supported_messages"]}
    assert subjects == {"lti.capabilities": None, "lti.put_data": "_parent", "lti.get_data": "_parent"}
    assert results["capabilities"]["subject"] == "lti.capabilities.response"
    assert results["put"] == {**results["put"], "subject": "lti.put_data.response", "key": "state-abc", "value": "nonce-123"}
    assert results["get"]["subject"] == "lti.get_data.response"
    assert results["get"]["value"] == "nonce-123"
    assert "value" not in results["missing"] and results["missing"]["key"] == "nothing-here"
    assert results["bad"]["error"]["code"] == "bad_request"
    assert results["unsupported"]["error"]["code"] == "unsupported_subject"
    assert results["to_parent"]["value"] == "nonce-123"  # the parent is the storage frame here


def test_canvas_style_post_message_forwarding_frame(browser, storage_lms) -> None:  # noqa: ANN001
    storage_lms.post(storage_lms.url + "/admin/settings", json={"flavour": "canvas"}).raise_for_status()
    results = run_probe(browser, storage_lms, storage="1")
    assert results["target"] == "post_message_forwarding"
    subjects = {m["subject"]: m.get("frame") for m in results["capabilities"]["supported_messages"]}
    assert subjects["lti.put_data"] == subjects["lti.get_data"] == "post_message_forwarding"
    assert results["put"]["value"] == "nonce-123"
    assert results["get"]["value"] == "nonce-123"
    assert results["bad"]["error"]["code"] == "bad_request"
    # put/get sent to the course page itself are refused with a pointer to the right frame.
    assert results["to_parent"]["error"]["code"] == "unsupported_subject"
    assert "post_message_forwarding" in results["to_parent"]["error"]["message"]


def test_without_platform_storage_the_page_does_not_answer(browser, storage_lms) -> None:  # noqa: ANN001
    results = run_probe(browser, storage_lms, storage="0")
    assert results["target"] is None
    assert results["capabilities"] == {"no_answer": True}
