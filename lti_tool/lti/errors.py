"""Why a launch was refused, in words a student can act on and words an admin can debug.

Every refusal carries a stable ``code`` (for logs and tests), the HTTP status, a title and message
for the person in front of the screen, and a ``detail`` for the log line (never shown).
"""

from __future__ import annotations

from dataclasses import dataclass

_GO_BACK = "Go back to your course and open the assignment again."


@dataclass(frozen=True)
class Refusal:
    status: int
    title: str
    message: str


REFUSALS: dict[str, Refusal] = {
    "login_params_missing": Refusal(
        400,
        "This link is incomplete",
        "The LMS did not send everything needed to sign you in. " + _GO_BACK
        + " If it keeps happening, tell your instructor: the tool may be set up incorrectly.",
    ),
    "login_params_invalid": Refusal(
        400,
        "This link is damaged",
        "The LMS sent sign-in details that are far too long to be real. " + _GO_BACK
        + " If it keeps happening, tell your instructor.",
    ),
    "platform_unknown": Refusal(
        400,
        "This tool is not set up for your LMS",
        "Your LMS is not registered with this quiz tool. Ask your LMS administrator to register "
        "the tool (Dynamic Registration URL: /lti/register).",
    ),
    "platform_inactive": Refusal(
        403,
        "This tool is switched off for your LMS",
        "The registration of your LMS with this quiz tool is inactive. Ask your LMS administrator.",
    ),
    "platform_insecure": Refusal(
        400,
        "This LMS connection is not secure",
        "The LMS address uses plain http, which this server accepts only in development. "
        "Ask your administrator to use https.",
    ),
    "state_missing": Refusal(400, "This link has expired", "Your sign-in did not complete in time. " + _GO_BACK),
    "state_unknown": Refusal(400, "This link has expired", "Your sign-in did not complete in time. " + _GO_BACK),
    "token_malformed": Refusal(
        400, "The LMS sent a launch we could not read", "The sign-in message was damaged. " + _GO_BACK
    ),
    "token_signature": Refusal(
        401,
        "The LMS sent a launch we could not verify",
        "The sign-in message was not signed by your LMS's key. " + _GO_BACK
        + " If it keeps happening, tell your instructor.",
    ),
    "token_expired": Refusal(401, "This link has expired", "The sign-in message is too old. " + _GO_BACK),
    "token_audience": Refusal(
        401,
        "The LMS sent a launch meant for another tool",
        "The sign-in message was not addressed to this quiz tool. " + _GO_BACK,
    ),
    "token_issuer": Refusal(
        401,
        "The LMS sent a launch we could not verify",
        "The sign-in message did not come from the LMS it names. " + _GO_BACK,
    ),
    "nonce_invalid": Refusal(
        400,
        "This link has already been used",
        "Each sign-in can be used only once. " + _GO_BACK,
    ),
    "launch_replayed": Refusal(
        400,
        "This launch link was already used",
        "Each time you open the assignment, your LMS makes a new sign-in that works once, and this one "
        "has been used. " + _GO_BACK,
    ),
    "claim_too_long": Refusal(
        400,
        "The LMS sent a launch we cannot store",
        "An identifier in the sign-in message is longer than LTI allows. Tell your instructor, "
        "and give them the details below for the LMS administrator.",
    ),
    "deployment_unknown": Refusal(
        403,
        "This tool is not enabled here yet",
        "This quiz tool has not been enabled for this course or site. Ask your LMS administrator.",
    ),
    "deployment_pending": Refusal(
        403,
        "This tool is waiting for approval",
        "This quiz tool was added here but an administrator still has to approve it.",
    ),
    "message_invalid": Refusal(
        400,
        "The LMS sent an incomplete launch",
        "Some required information was missing from the sign-in message. " + _GO_BACK
        + " If it keeps happening, tell your instructor.",
    ),
    "message_unsupported": Refusal(
        400,
        "This kind of link is not supported",
        "The LMS asked this quiz tool for something it does not do. Tell your instructor.",
    ),
    "target_mismatch": Refusal(
        400,
        "The LMS sent a launch meant for another address",
        "The sign-in message points at a different tool address. Tell your instructor.",
    ),
    "platform_unreachable": Refusal(
        502,
        "Your LMS did not answer",
        "We could not fetch your LMS's keys to verify the sign-in. Try again in a minute.",
    ),
    "session_expired": Refusal(
        401, "Your session has expired", "You have been away for a while. " + _GO_BACK
    ),
    "forbidden_role": Refusal(
        403,
        "This page is for instructors",
        "Your role in this course does not allow this page.",
    ),
}


class LaunchRefused(Exception):
    """A launch (or login) that must not go on; see REFUSALS for what the user sees."""

    def __init__(self, code: str, detail: str = "", *, visible: bool = False) -> None:
        """``visible``: the detail helps the person in front of the screen (it names a claim, not
        a secret) and is shown after the message."""
        if code not in REFUSALS:
            raise ValueError(f"unknown refusal code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        refusal = REFUSALS[code]
        self.refusal = Refusal(refusal.status, refusal.title, f"{refusal.message} ({detail}.)") if visible else refusal
        #: Filled in where known, for the log line.
        self.issuer: str | None = None
        self.client_id: str | None = None
        self.deployment_id: str | None = None


class CookiesUnavailable(Exception):
    """The browser did not send our state cookie and no platform storage was offered:
    the launch can complete in a new window (first-party) instead."""

    def __init__(self, relaunch_url: str) -> None:
        super().__init__("state cookie missing")
        self.relaunch_url = relaunch_url


class NeedsPlatformStorageCheck(Exception):
    """No cookie, but the platform offered LTI platform storage: a page in the browser must read
    the state and nonce back from the platform's frame and post them to us."""

    def __init__(self, storage_target: str, storage_origin: str, state: str, relaunch_url: str) -> None:
        super().__init__("platform storage check needed")
        #: Query string for /lti/login in a new window, if the platform's frame does not answer
        #: (Canvas's mobile apps announce platform storage but do not implement it).
        self.relaunch_url = relaunch_url
        self.storage_target = storage_target
        self.storage_origin = storage_origin
        #: The state is also the key under which the login page left its secret.
        self.state = state
