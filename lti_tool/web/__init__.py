"""Thin blueprints: parse input, call a service, render."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from lti_tool.web import builder
    from lti_tool.web import course
    from lti_tool.web import errors
    from lti_tool.web import home
    from lti_tool.web import instructor
    from lti_tool.web import lti
    from lti_tool.web import operations
    from lti_tool.web import student

    app.register_blueprint(home.bp)
    app.register_blueprint(lti.bp)
    app.register_blueprint(course.bp)
    app.register_blueprint(builder.bp)
    app.register_blueprint(student.bp)
    app.register_blueprint(instructor.bp)
    errors.register(app)
    from lti_tool.web import i18n

    i18n.init_app(app)
    operations.register(app)
    from lti_tool.web.no_session import SessionOnlyUnder

    app.session_interface = SessionOnlyUnder()
