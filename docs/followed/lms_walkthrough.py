"""The LMS side of docs/followed/deployment.sh: what an LMS administrator, a teacher and a student
do in their browsers, done by a browser without JavaScript (the tests' ``Browser``) against the
demo LMS at https://localhost:8444 and the tool at https://localhost:8443, through nginx.

    python docs/followed/lms_walkthrough.py WORKDIR     (from the repository; WORKDIR has env and cert.pem)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.attempts.conftest import csrf_of  # noqa: E402
from tests.lti.test_platform_flows import Browser  # noqa: E402

LMS = "https://localhost:8444/demo-lms"
TOOL = "https://localhost:8443"
WORK = Path(sys.argv[1])
QUIZTOOL = str(WORK / "app" / ".venv" / "bin" / "quiztool")


def say(text: str) -> None:
    print(f"    {text}")


def quiztool(*args: str) -> str:
    out = subprocess.run([QUIZTOOL, *args], env=os.environ, capture_output=True, text=True, check=True)
    return out.stdout


def text_of(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def dynamic_registration() -> None:
    print("A. Dynamic Registration: the tool's admin makes a one-time link, the LMS admin pastes it")
    made = subprocess.run([QUIZTOOL, "platform", "registration-link", "--expires", "24h", "--note", "demo LMS"],
                          env=os.environ, capture_output=True, text=True, check=True)
    link = made.stdout.strip()
    say("$ quiztool platform registration-link --expires 24h --note 'demo LMS'")
    say("  " + link.rsplit("/", 1)[0] + "/<token>")
    say("  " + made.stderr.strip())
    plain = Browser().go("GET", f"{TOOL}/lti/register?openid_configuration={LMS}/.well-known/openid-configuration")
    say(f"the plain URL instead: {plain.status_code} {text_of(plain.text, r'<h1>(.*?)</h1>')}")
    admin = Browser()
    form_token = csrf_of(admin.go("GET", f"{LMS}/admin/").text)  # the LMS's own admin form token
    page = admin.go("POST", f"{LMS}/admin/register-by-url", {"registration_url": link, "csrf_token": form_token})
    frame = unescape(re.search(r'src="([^"]+/lti/register/[^"?]+\?[^"]+)"', page.text).group(1))
    confirm = admin.go("GET", frame)
    if "Your LMS" not in confirm.text:
        raise SystemExit(f"the tool did not offer to register ({confirm.status_code}): "
                         + " ".join(re.sub(r"<[^>]+>", " ", confirm.text).split())[:600])
    say(f"tool page: {text_of(confirm.text, r'<h1>(.*?)</h1>')}: {text_of(confirm.text, r'<p>(Your LMS.*?)</p>')}")
    say(f"  checkbox: {text_of(confirm.text, r'<label for=.auto_deployments.>(.*?)</label>')}")
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    done = admin.go("POST", frame.split("?")[0], {k: unescape(v) for k, v in form.items()})
    say(f"after Register: {text_of(done.text, r'<p>(This tool is now registered.*?)</p>')}")
    again = admin.go("POST", frame.split("?")[0], {k: unescape(v) for k, v in form.items()})
    say(f"the same link again: {again.status_code} {text_of(again.text, r'<h1>(.*?)</h1>')}")
    say("$ quiztool platform registration-links")
    for line in quiztool("platform", "registration-links").splitlines():
        say("  " + line)


def manual_registration() -> str:
    print("B. By hand: the LMS shows its facts and the tool's client id; the tool's admin types them")
    admin_page = Browser().go("GET", f"{LMS}/admin/").text
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd><code>([^<]+)</code></dd>", admin_page))
    row = re.search(r"<td>[^<]*\(this server\)</td><td><code>([^<]+)</code></td><td><code>([^<]+)</code>", admin_page)
    client_id, deployment_id = row.group(1), row.group(2)
    shown = quiztool("platform", "add", "--name", "Demo LMS", "--issuer", facts["Issuer"], "--client-id", client_id,
                     "--auth-login-url", facts["OIDC authorization endpoint"], "--auth-token-url",
                     facts["Token endpoint"], "--key-set-url", facts["Key set (JWKS)"], "--deployment-id", deployment_id,
                     "--no-auto-deployments")
    say("quiztool platform add ... printed:")
    for line in shown.splitlines():
        say("  " + line)
    say("quiztool platform list:")
    for line in quiztool("platform", "list").splitlines():
        say("  " + line)
    return client_id


def a_students_quiz() -> None:
    print("D. A student opens the quiz from the course, answers nothing, submits")
    student = Browser()
    course = student.go("GET", f"{LMS}/course/1?storage=0").text
    learner = re.search(r'<option value="(\d+)"[^>]*>[^<]*— Student</option>', course) or \
        re.search(r'<option value="(\d+)"[^>]*>[^<]*(?:learner|Learner)[^<]*</option>', course)
    student.go("POST", f"{LMS}/course/1/whoami", {"user_id": learner.group(1), "storage": "0"})
    landing = student.go("GET", f"{LMS}/course/1/links/1/launch?storage=0")
    assert landing.url.startswith(TOOL + "/s/"), (landing.status_code, landing.text[:500])
    say(f"launch through nginx: {landing.status_code}, the tool's page: {text_of(landing.text, r'<h1>(.*?)</h1>')}")
    base = re.match(r"(.*/s/[^/]+/)", landing.url).group(1)
    started = student.go("POST", base + "start", {"csrf_token": csrf_of(landing.text)})
    attempt = re.search(r"/attempts/(\d+)/", started.url).group(1)
    submitted = student.go("POST", f"{base}attempts/{attempt}/submit", {"csrf_token": csrf_of(started.text)})
    say(f"submitted: {submitted.status_code}, {text_of(submitted.text, r'<h1>(.*?)</h1>')}")


if __name__ == "__main__":
    dynamic_registration()
    manual_registration()
    a_students_quiz()
