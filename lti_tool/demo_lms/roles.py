"""LIS role URIs the demo LMS sends, per course role (what Moodle and Canvas send, in full form)."""

from __future__ import annotations

LIS = "http://purl.imsglobal.org/vocab/lis/v2"
LEARNER = f"{LIS}/membership#Learner"
INSTRUCTOR = f"{LIS}/membership#Instructor"
#: A sub-role without its principal role: a tool must decide what a TA may do on its own.
TEACHING_ASSISTANT = f"{LIS}/membership/Instructor#TeachingAssistant"

COURSE_ROLES: dict[str, list[str]] = {
    "learner": [LEARNER, f"{LIS}/institution/person#Student"],
    "instructor": [INSTRUCTOR, f"{LIS}/institution/person#Faculty"],
    "teaching_assistant": [TEACHING_ASSISTANT, f"{LIS}/institution/person#Staff"],
}

ROLE_LABELS = {"learner": "Student", "instructor": "Instructor", "teaching_assistant": "Teaching assistant"}


def membership_roles(course_role: str) -> list[str]:
    """The context roles (no institution roles), as NRPS lists them."""
    return [uri for uri in COURSE_ROLES[course_role] if "/membership" in uri]


def matches_role_filter(course_role: str, wanted: str) -> bool:
    """NRPS ``role`` filter: a full URI or a short name ("Learner", "Instructor")."""
    for uri in membership_roles(course_role):
        if wanted == uri or wanted == uri.rsplit("#", 1)[-1]:
            return True
    return False


def can_teach(course_role: str) -> bool:
    return course_role in ("instructor", "teaching_assistant")
