"""The app's routers: pages (HTML) and the JSON API, each a thin shell over kneechain.services."""

from fastapi import APIRouter

from kneechain.web.routes import (
    api,
    audit,
    auth,
    checkup,
    clinician,
    coach,
    person,
    program,
    progress,
)

ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    person.router,
    checkup.router,
    program.router,
    coach.router,
    progress.router,
    clinician.router,
    audit.router,
    api.router,
)
